//! Secrets live in the OS keyring and nowhere else. The desk may set, replace and
//! delete one, and ask whether one is set; reading one back is for provider clients.
//!
//! On Linux the keyring is the Secret Service (GNOME Keyring, KWallet). If it is
//! missing or locked we say so and refuse: there is no fallback to a file or memory.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use ts_rs::TS;

use crate::catalog::ProviderId;

/// The keyring "service" every Signet entry is filed under.
pub const KEYRING_SERVICE: &str = "signet";

/// Where one secret is filed. A provider credential's keyring account is
/// `profile/<id>/<provider>/<field>`, so `secret-tool lookup service signet username
/// profile/...` finds it; a secret of the installation itself (the evidence signing
/// key) is `installation/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    account: String,
}

impl SecretRef {
    pub fn new(profile_id: &str, provider: ProviderId, field: &str) -> Self {
        SecretRef { account: format!("profile/{profile_id}/{}/{field}", provider.as_str()) }
    }

    pub fn installation(name: &str) -> Self {
        SecretRef { account: format!("installation/{name}") }
    }

    pub fn account(&self) -> String {
        self.account.clone()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyringState {
    Available,
    Locked,
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KeyringStatus {
    pub state: KeyringState,
    /// Plain words for the status bar and settings page: what is wrong and what to do.
    pub message: String,
    /// Those words' id and values, for the window to say them in its language.
    pub id: String,
    pub params: std::collections::BTreeMap<String, String>,
}

impl KeyringStatus {
    pub fn from_result(r: Result<(), KeyringError>) -> Self {
        let state = match &r {
            Ok(()) => KeyringState::Available,
            Err(KeyringError::Locked) => KeyringState::Locked,
            Err(_) => KeyringState::Unavailable,
        };
        let (words, params) = match &r {
            Ok(()) => (crate::error_words::KEYRING_AVAILABLE, Vec::new()),
            Err(e) => e.words(),
        };
        KeyringStatus { state, message: words.fill(&params), id: words.id.into(), params: params.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("{}", self.said())]
    Locked,
    #[error("{}", self.said())]
    Unavailable(String),
    #[error("{}", self.said())]
    Failed(String),
}

impl KeyringError {
    /// The words of this error (error_words.rs) and the values of their `{name}`s.
    pub fn words(&self) -> (crate::error_words::Words, Vec<(&'static str, String)>) {
        use crate::error_words as w;
        match self {
            KeyringError::Locked => (w::KEYRING_LOCKED, Vec::new()),
            KeyringError::Unavailable(reason) => (w::KEYRING_UNAVAILABLE, vec![("reason", reason.clone())]),
            KeyringError::Failed(reason) => (w::KEYRING_FAILED, vec![("reason", reason.clone())]),
        }
    }

    fn said(&self) -> String {
        let (words, params) = self.words();
        words.fill(&params)
    }

    pub fn code(&self) -> &'static str {
        match self {
            KeyringError::Locked => "keyring_locked",
            KeyringError::Unavailable(_) => "keyring_unavailable",
            KeyringError::Failed(_) => "keyring_failed",
        }
    }
}

/// The keyring as the rest of Signet sees it.
pub trait SecretStore: Send + Sync {
    /// Whether secrets can be stored now (reachable and unlocked).
    fn check(&self) -> Result<(), KeyringError>;
    fn set(&self, at: &SecretRef, value: &SecretString) -> Result<(), KeyringError>;
    fn get(&self, at: &SecretRef) -> Result<Option<SecretString>, KeyringError>;
    /// Removes the secret; `Ok(false)` when there was none.
    fn delete(&self, at: &SecretRef) -> Result<bool, KeyringError>;

    fn is_set(&self, at: &SecretRef) -> Result<bool, KeyringError> {
        Ok(self.get(at)?.is_some())
    }

    fn status(&self) -> KeyringStatus {
        KeyringStatus::from_result(self.check())
    }
}

/// The real OS keyring: the Secret Service on Linux (`secrets/secret_service.rs`), the
/// `keyring` crate over the platform's own store elsewhere.
#[derive(Debug, Default, Clone)]
pub struct OsKeyring;

/// One keyring conversation at a time. GNOME Keyring (42 to 50 at least) aborts
/// when several new D-Bus clients open encrypted sessions at once (upstream work
/// items 190/196: `gkd_secret_service_get_pkcs11_session: assertion 'client'
/// failed`), and then every program of the user loses its secrets. The desk's
/// timers and commands read secrets from several threads, and the CLI may run
/// beside the desk, so they queue: threads on a mutex, processes on a lock file in
/// the user's runtime folder. Each call takes milliseconds.
static KEYRING_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct KeyringTurn {
    _thread: std::sync::MutexGuard<'static, ()>,
    /// Unlocked when closed. None where there is no runtime folder (or not Linux).
    _process: Option<std::fs::File>,
}

fn keyring_turn() -> KeyringTurn {
    let thread = KEYRING_TURN.lock().unwrap_or_else(|p| p.into_inner());
    KeyringTurn { _thread: thread, _process: process_turn() }
}

#[cfg(target_os = "linux")]
fn process_turn() -> Option<std::fs::File> {
    let dir = std::env::var_os("XDG_RUNTIME_DIR")?;
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(std::path::Path::new(&dir).join("signet-keyring.lock")).ok()?;
    // A lock that cannot be taken only loses the queueing, never the secret.
    file.lock().ok()?;
    Some(file)
}

#[cfg(not(target_os = "linux"))]
fn process_turn() -> Option<std::fs::File> {
    None
}

#[cfg(target_os = "linux")]
mod secret_service;

#[cfg(target_os = "linux")]
impl SecretStore for OsKeyring {
    fn check(&self) -> Result<(), KeyringError> {
        let _turn = keyring_turn();
        secret_service::check()
    }

    fn set(&self, at: &SecretRef, value: &SecretString) -> Result<(), KeyringError> {
        let _turn = keyring_turn();
        // Asked first so a locked keyring is refused plainly instead of popping a prompt.
        secret_service::check()?;
        secret_service::set(&at.account, value.expose_secret())
    }

    fn get(&self, at: &SecretRef) -> Result<Option<SecretString>, KeyringError> {
        let _turn = keyring_turn();
        secret_service::check()?;
        Ok(secret_service::get(&at.account)?.map(SecretString::from))
    }

    fn delete(&self, at: &SecretRef) -> Result<bool, KeyringError> {
        let _turn = keyring_turn();
        secret_service::check()?;
        secret_service::delete(&at.account)
    }
}

/// macOS and Windows: the `keyring` crate over the platform's own store, which
/// unlocks with the user's session.
#[cfg(any(target_os = "macos", target_os = "windows"))]
impl OsKeyring {
    fn entry(at: &SecretRef) -> Result<keyring::Entry, KeyringError> {
        keyring::Entry::new(KEYRING_SERVICE, &at.account()).map_err(map_keyring_error)
    }
}

#[cfg(any(target_os = "macos", target_os = "windows"))]
impl SecretStore for OsKeyring {
    fn check(&self) -> Result<(), KeyringError> {
        let _turn = keyring_turn();
        probe()
    }

    fn set(&self, at: &SecretRef, value: &SecretString) -> Result<(), KeyringError> {
        let _turn = keyring_turn();
        probe()?;
        Self::entry(at)?.set_password(value.expose_secret()).map_err(map_keyring_error)
    }

    fn get(&self, at: &SecretRef) -> Result<Option<SecretString>, KeyringError> {
        let _turn = keyring_turn();
        probe()?;
        match Self::entry(at)?.get_password() {
            Ok(v) => Ok(Some(SecretString::from(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn delete(&self, at: &SecretRef) -> Result<bool, KeyringError> {
        let _turn = keyring_turn();
        probe()?;
        match Self::entry(at)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

/// A probe read tells whether the store answers at all.
#[cfg(any(target_os = "macos", target_os = "windows"))]
fn probe() -> Result<(), KeyringError> {
    match keyring::Entry::new(KEYRING_SERVICE, "keyring-probe").map_err(map_keyring_error)?.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(map_keyring_error(e)),
    }
}

#[cfg(any(target_os = "macos", target_os = "windows"))]
fn map_keyring_error(e: keyring::Error) -> KeyringError {
    match e {
        keyring::Error::NoStorageAccess(inner) => KeyringError::Unavailable(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => KeyringError::Unavailable(inner.to_string()),
        other => KeyringError::Failed(other.to_string()),
    }
}

/// Elsewhere there is no keyring Signet knows how to use, and it says so rather than
/// keep secrets in memory (what the `keyring` crate would do there).
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
impl SecretStore for OsKeyring {
    fn check(&self) -> Result<(), KeyringError> {
        Err(KeyringError::Unavailable("Signet supports the keyrings of Linux, macOS and Windows only".into()))
    }

    fn set(&self, _: &SecretRef, _: &SecretString) -> Result<(), KeyringError> {
        self.check()
    }

    fn get(&self, _: &SecretRef) -> Result<Option<SecretString>, KeyringError> {
        self.check().map(|()| None)
    }

    fn delete(&self, _: &SecretRef) -> Result<bool, KeyringError> {
        self.check().map(|()| false)
    }
}

/// A keyring kept in memory, for tests of the code above this crate only: it is
/// compiled out of every build (feature `test-support` is enabled by dev-dependencies).
#[cfg(any(test, feature = "test-support"))]
pub mod memory {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    pub struct MemorySecrets {
        entries: Mutex<HashMap<String, String>>,
        failure: Mutex<Option<KeyringError>>,
    }

    impl MemorySecrets {
        /// Makes every call fail as a locked or missing keyring would.
        pub fn fail_with(&self, e: Option<KeyringError>) {
            *self.failure.lock().unwrap() = e;
        }

        pub fn accounts(&self) -> Vec<String> {
            let mut v: Vec<_> = self.entries.lock().unwrap().keys().cloned().collect();
            v.sort();
            v
        }
    }

    impl SecretStore for MemorySecrets {
        fn check(&self) -> Result<(), KeyringError> {
            match &*self.failure.lock().unwrap() {
                Some(e) => Err(e.clone()),
                None => Ok(()),
            }
        }

        fn set(&self, at: &SecretRef, value: &SecretString) -> Result<(), KeyringError> {
            self.check()?;
            self.entries.lock().unwrap().insert(at.account(), value.expose_secret().to_string());
            Ok(())
        }

        fn get(&self, at: &SecretRef) -> Result<Option<SecretString>, KeyringError> {
            self.check()?;
            Ok(self.entries.lock().unwrap().get(&at.account()).cloned().map(SecretString::from))
        }

        fn delete(&self, at: &SecretRef) -> Result<bool, KeyringError> {
            self.check()?;
            Ok(self.entries.lock().unwrap().remove(&at.account()).is_some())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::memory::MemorySecrets;
    use super::*;

    #[test]
    fn accounts_are_stable_and_readable_by_secret_tool() {
        let r = SecretRef::new("p-1", ProviderId::Dollarpe, "api_secret");
        assert_eq!(r.account(), "profile/p-1/dollarpe/api_secret");
    }

    #[test]
    fn memory_store_sets_replaces_and_deletes() {
        let s = MemorySecrets::default();
        let r = SecretRef::new("p", ProviderId::Signzy, "access_token");
        assert!(!s.is_set(&r).unwrap());
        s.set(&r, &SecretString::from("one")).unwrap();
        s.set(&r, &SecretString::from("two")).unwrap();
        assert_eq!(s.get(&r).unwrap().unwrap().expose_secret(), "two");
        assert!(s.delete(&r).unwrap());
        assert!(!s.delete(&r).unwrap());
        assert!(!s.is_set(&r).unwrap());
    }

    #[test]
    fn status_reports_locked_and_unavailable_in_plain_words() {
        let s = MemorySecrets::default();
        assert_eq!(s.status().state, KeyringState::Available);
        s.fail_with(Some(KeyringError::Locked));
        let st = s.status();
        assert_eq!(st.state, KeyringState::Locked);
        assert!(st.message.contains("Unlock"), "{}", st.message);
        s.fail_with(Some(KeyringError::Unavailable("no bus".into())));
        assert_eq!(s.status().state, KeyringState::Unavailable);
        assert_eq!(KeyringError::Locked.code(), "keyring_locked");
    }
}
