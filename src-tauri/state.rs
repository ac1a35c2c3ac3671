//! What the desk holds while it runs: where its files are, the database, the keyring.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use signet_core::access::ProviderAccess;
use signet_core::catalog::ProviderId;
use signet_core::secrets::SecretStore;
use signet_core::settings::Settings;
use signet_core::store::Store;
use signet_core::CoreError;

use crate::error::IpcError;

#[derive(Debug, Clone)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl AppPaths {
    pub fn resolve<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<AppPaths> {
        use tauri::Manager;
        // The same folder the `signet` command line uses; SIGNET_DATA_DIR moves the logs too.
        if std::env::var_os(signet_core::paths::DATA_DIR_ENV).is_some_and(|v| !v.is_empty()) {
            let data_dir = signet_core::paths::data_dir().expect("set by the environment");
            return Ok(AppPaths { log_dir: data_dir.join("logs"), data_dir });
        }
        let data_dir = match signet_core::paths::data_dir() {
            Some(dir) => dir,
            None => app.path().app_data_dir()?,
        };
        Ok(AppPaths { data_dir, log_dir: app.path().app_log_dir()? })
    }
}

pub struct AppState {
    pub paths: AppPaths,
    store: Arc<Mutex<Store>>,
    secrets: Arc<dyn SecretStore>,
    /// The in-process Sandbox the Sandbox profile talks to, or why it is not running.
    pub sandbox: Result<String, String>,
    /// The evidence ledger's verification at start-up, once it has run.
    pub evidence: Mutex<Option<signet_core::evidence::ledger::LedgerReport>>,
    /// Why the last archiving pass did not finish, if it did not.
    pub archive_problem: Mutex<Option<String>>,
}

impl AppState {
    pub fn open(paths: AppPaths, secrets: Arc<dyn SecretStore>) -> signet_core::error::Result<AppState> {
        let store = Store::open_in(&paths.data_dir)?;
        let interrupted = signet_core::outbox::recover_interrupted(&store)?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "operations interrupted by an earlier stop are marked unknown");
        }
        Ok(AppState {
            paths,
            store: Arc::new(Mutex::new(store)),
            secrets,
            sandbox: Err("not started".into()),
            evidence: Mutex::new(None),
            archive_problem: Mutex::new(None),
        })
    }

    pub fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    /// Runs `f` with the settings service over the locked database.
    pub fn with_settings<T>(&self, f: impl FnOnce(&mut Settings<'_>) -> signet_core::error::Result<T>) -> Result<T, IpcError> {
        let mut store = self.store()?;
        let mut settings = Settings::new(&mut store, self.secrets.as_ref());
        Ok(f(&mut settings)?)
    }

    /// The database, for services that record operations around network calls.
    pub fn db(&self) -> &Mutex<Store> {
        &self.store
    }

    /// The database, for work that commits from a thread of its own (a bulk run).
    pub fn shared_db(&self) -> &Arc<Mutex<Store>> {
        &self.store
    }

    /// How the active profile reaches `provider`, with the profile's id.
    pub fn access(&self, provider: ProviderId) -> Result<(String, ProviderAccess), IpcError> {
        let profile = self.with_settings(|s| s.active_profile())?;
        let access = self.access_for(&profile.id, provider)?;
        Ok((profile.id, access))
    }

    /// How any profile reaches `provider`: the in-process Sandbox's demo access for
    /// the Sandbox profile, the profile's settings and keyring otherwise.
    pub fn access_for(&self, profile_id: &str, provider: ProviderId) -> signet_core::error::Result<ProviderAccess> {
        if profile_id == signet_core::settings::SANDBOX_PROFILE_ID {
            let url = self.sandbox.as_ref().map_err(|problem| CoreError::Conflict(problem.clone()))?;
            return Ok(signet_sandbox::provider_access(provider, url));
        }
        let mut store = self.store.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned by an earlier failure; restart Signet".into()))?;
        Settings::new(&mut store, self.secrets.as_ref()).provider_access(profile_id, provider)
    }

    pub fn with_store<T>(&self, f: impl FnOnce(&Store) -> signet_core::error::Result<T>) -> Result<T, IpcError> {
        Ok(f(&*self.store()?)?)
    }

    fn store(&self) -> Result<MutexGuard<'_, Store>, IpcError> {
        self.store.lock().map_err(|_| IpcError::internal("the database lock was poisoned by an earlier failure; restart Signet"))
    }

    /// Puts the desk in team mode for the active profile if its team store is set
    /// (or out of it): after start, a profile switch, and any change to the team
    /// store's settings or password.
    pub fn refresh_team(&self) -> Result<(), IpcError> {
        let profile = self.with_settings(|s| s.active_profile())?;
        let configured = self.with_store(|s| signet_core::team::configured(s, &profile.id))?;
        let access = configured.then(|| self.access_for(&profile.id, ProviderId::Team));
        signet_core::team::activate(&mut *self.store()?, &profile.id, access)?;
        Ok(())
    }

    /// Whether the active profile names an evidence archive (its bucket).
    pub fn archive_configured(&self) -> bool {
        let Ok(profile) = self.with_settings(|s| s.active_profile()) else { return false };
        self.with_store(|s| Ok(s.provider_settings(&profile.id, ProviderId::Archive)?.contains_key("bucket"))).unwrap_or(false)
    }

    /// The active profile's evidence archive, if it names one.
    pub fn archive(&self) -> signet_core::error::Result<Option<signet_core::archive::Archive>> {
        if !self.archive_configured() {
            return Ok(None);
        }
        let profile = {
            let mut store =
                self.store.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned by an earlier failure; restart Signet".into()))?;
            Settings::new(&mut store, self.secrets.as_ref()).active_profile()?
        };
        let access = self.access_for(&profile.id, ProviderId::Archive)?;
        Ok(Some(signet_core::archive::Archive::from_access(&access)?))
    }

    /// One archiving pass, if the active profile has an archive and there is evidence.
    /// Whether the status bar should be told (something written, or the problem changed).
    pub async fn archive_pass(&self) -> bool {
        let has_evidence = self.with_store(|s| Ok(s.last_evidence()?.is_some())).unwrap_or(false);
        let outcome = match self.archive() {
            Ok(Some(_)) if !has_evidence => return false,
            Ok(None) => return false,
            Ok(Some(archive)) => match self.evidence_key() {
                Ok(key) => signet_core::archive::archiver::run(self.db(), &key, &archive).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let (written, problem) = match outcome {
            Ok(pass) => (pass.written, pass.problem),
            Err(e) => (0, Some(e.to_string())),
        };
        let mut slot = self.archive_problem.lock().unwrap_or_else(|p| p.into_inner());
        let changed = written > 0 || *slot != problem;
        *slot = problem;
        changed
    }

    /// The team store, when the active profile is in team mode.
    pub fn team(&self) -> Option<std::sync::Arc<signet_core::team::Team>> {
        self.store().ok()?.team()
    }
}

impl AppState {
    /// Sends every operation that waited for the network and is due. Runs on a
    /// timer while the desk is open; failures are logged and retried on the next tick.
    pub async fn retry_due(&self) -> signet_core::retry::RetryPass {
        let access_for = |profile_id: &str, provider| self.access_for(profile_id, provider);
        match signet_core::retry::run_due(self.db(), &access_for).await {
            Ok(pass) => {
                if pass != signet_core::retry::RetryPass::default() {
                    tracing::info!(?pass, "waiting operations tried again");
                }
                pass
            }
            Err(e) => {
                tracing::warn!("waiting operations could not be tried again: {e}");
                Default::default()
            }
        }
    }
}

impl AppState {
    /// Verifies the whole evidence ledger on a connection of its own (the database
    /// stays usable meanwhile) and keeps the report for the status bar.
    pub fn verify_evidence(&self) -> signet_core::error::Result<signet_core::evidence::ledger::LedgerReport> {
        let path = self.store.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned; restart Signet".into()))?.path().to_path_buf();
        let reader = Store::open(&path)?;
        let expected = signet_core::evidence::key::recorded_public_key(&reader)?;
        let report = signet_core::evidence::ledger::verify(&reader, expected.as_deref())?;
        if report.intact() {
            tracing::info!(records = report.records, "evidence ledger verified");
        } else {
            for p in &report.problems {
                tracing::error!(position = ?p.position, "evidence ledger: {}", p.problem);
            }
        }
        if let Ok(mut kept) = self.evidence.lock() {
            *kept = Some(report.clone());
        }
        Ok(report)
    }
}

impl AppState {
    /// The installation's evidence signing key, from the OS keyring (made on first use).
    pub fn evidence_key(&self) -> signet_core::error::Result<signet_core::evidence::key::SigningKey> {
        let store = self.store.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned; restart Signet".into()))?;
        signet_core::evidence::key::installation_key(self.secrets.as_ref(), &store)
    }
}
