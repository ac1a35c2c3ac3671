//! The profile a command runs as, and how it reaches each provider: the Sandbox's
//! published demo credentials for the Sandbox profile; the database, the keyring and
//! then the environment for the others.

use std::sync::{Arc, Mutex};

use signet_core::access::ProviderAccess;
use signet_core::catalog::ProviderId;
use signet_core::secrets::OsKeyring;
use signet_core::settings::{ProfileSummary, Settings};
use signet_core::store::Store;
use signet_core::CoreError;

use crate::cli::Global;

pub struct Context {
    store: Arc<Mutex<Store>>,
    keyring: OsKeyring,
    pub profile: ProfileSummary,
    sandbox_url: String,
    choice: signet_core::outbox::SendChoice,
}

impl Context {
    pub fn open(global: &Global) -> Result<Context, CoreError> {
        let dir = signet_core::paths::data_dir()
            .ok_or_else(|| CoreError::invalid("SIGNET_DATA_DIR", "No data folder could be found for this user; set SIGNET_DATA_DIR."))?;
        let mut store = Store::open_in(&dir)?;
        signet_core::outbox::recover_interrupted(&store)?;
        let keyring = OsKeyring;
        let profile = {
            let settings = Settings::new(&mut store, &keyring);
            match &global.profile {
                Some(wanted) => find_profile(&settings, wanted)?,
                None => settings.active_profile()?,
            }
        };
        let choice = signet_core::outbox::SendChoice { again: global.send_again, unchecked: global.unchecked };
        let ctx = Context { store: Arc::new(Mutex::new(store)), keyring, profile, sandbox_url: global.sandbox_url.clone(), choice };
        // A profile in team mode claims business keys and replicates to its team store.
        let configured = ctx.with_store(|s| signet_core::team::configured(s, &ctx.profile.id))?;
        let access = configured.then(|| ctx.access(ProviderId::Team));
        signet_core::team::activate(&mut ctx.store.lock().expect("one command at a time"), &ctx.profile.id, access)?;
        Ok(ctx)
    }

    /// The profile's evidence archive, if it has one configured and there is
    /// evidence to archive (set up: its bucket named).
    pub fn archive(&self) -> Option<signet_core::archive::Archive> {
        let configured = self.with_store(|s| Ok(s.provider_settings(&self.profile.id, ProviderId::Archive)?.contains_key("bucket"))).unwrap_or(false);
        let has_evidence = self.with_store(|s| Ok(s.last_evidence()?.is_some())).unwrap_or(false);
        if !configured || !has_evidence {
            return None;
        }
        self.access(ProviderId::Archive).ok().and_then(|a| signet_core::archive::Archive::from_access(&a).ok())
    }

    /// The team store of the profile, if it is in team mode.
    pub fn team(&self) -> Option<std::sync::Arc<signet_core::team::Team>> {
        self.store.lock().expect("one command at a time").team()
    }

    /// What the operator chose on the command line for the team guard.
    pub fn choice(&self) -> signet_core::outbox::SendChoice {
        self.choice
    }

    pub fn with_settings<T>(&self, f: impl FnOnce(&mut Settings<'_>) -> Result<T, CoreError>) -> Result<T, CoreError> {
        let mut store = self.store.lock().expect("one command at a time");
        f(&mut Settings::new(&mut store, &self.keyring))
    }

    /// The database, for services that record operations around network calls.
    pub fn db(&self) -> &Mutex<Store> {
        &self.store
    }

    /// The database, for work that commits from a thread of its own (a bulk run).
    pub fn shared_db(&self) -> &Arc<Mutex<Store>> {
        &self.store
    }

    pub fn with_store<T>(&self, f: impl FnOnce(&Store) -> Result<T, CoreError>) -> Result<T, CoreError> {
        f(&self.store.lock().expect("one command at a time"))
    }

    /// Where the Sandbox profile's Sandbox serves.
    pub fn sandbox_url(&self) -> &str {
        &self.sandbox_url
    }

    /// Runs `f` with the database and the installation's evidence signing key.
    pub fn with_evidence_key<T>(&self, f: impl FnOnce(&Store, &signet_core::evidence::key::SigningKey) -> Result<T, CoreError>) -> Result<T, CoreError> {
        let store = self.store.lock().expect("one command at a time");
        let key = signet_core::evidence::key::installation_key(&self.keyring, &store)?;
        f(&store, &key)
    }

    pub fn find_profile(&self, wanted: &str) -> Result<ProfileSummary, CoreError> {
        self.with_settings(|s| find_profile(s, wanted))
    }

    pub fn access(&self, provider: ProviderId) -> Result<ProviderAccess, CoreError> {
        self.access_for(&self.profile.id, provider)
    }

    /// How any profile reaches `provider` (operations are sent again as the profile
    /// that recorded them).
    pub fn access_for(&self, profile_id: &str, provider: ProviderId) -> Result<ProviderAccess, CoreError> {
        if profile_id == signet_core::settings::SANDBOX_PROFILE_ID {
            // The Sandbox's credentials are published demo values, not secrets.
            return Ok(signet_sandbox::provider_access(provider, &self.sandbox_url));
        }
        let mut access = self.with_settings(|s| s.provider_access(profile_id, provider))?;
        access.fill_from_env(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        Ok(access)
    }
}

fn find_profile(settings: &Settings<'_>, wanted: &str) -> Result<ProfileSummary, CoreError> {
    settings
        .profiles()?
        .into_iter()
        .find(|p| p.id == wanted || p.name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| CoreError::invalid("profile", format!("No profile is called \"{wanted}\"; `signet profile list` shows them.")))
}
