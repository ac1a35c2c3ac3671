//! Linux: the Secret Service (GNOME Keyring, KWallet) over one D-Bus connection and
//! one encrypted session for the life of the process.
//!
//! The `keyring` crate opens a new connection and negotiates a new session for every
//! call (two for a write) and leaves the bus again; a desk reloading its Settings did
//! that a dozen times in a row. GNOME Keyring aborts now and then while clients come
//! and go (see `KEYRING_TURN`), and then every program of the user loses its secrets,
//! so we stay: a new connection only when the daemon we had a session with is gone.
//!
//! Entries stay where the `keyring` crate filed them (attributes `service`, `username`
//! and `target = "default"`, in the default collection), so secrets saved by earlier
//! versions are found, and `secret-tool lookup service signet username …` still works.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dbus_secret_service::{EncryptionType, Error, Item, SecretService};

use super::{KeyringError, KEYRING_SERVICE};

/// The process's session with the Secret Service. Only touched inside a keyring turn.
static SESSION: Mutex<Option<SecretService>> = Mutex::new(None);

/// Whether secrets can be stored now: a default collection exists and is unlocked.
/// Asks the `Locked` property, which never pops an unlock prompt (a headless desk
/// would hang on one).
pub(super) fn check() -> Result<(), KeyringError> {
    let locked = with_session(|ss| Ok(ss.get_default_collection()?.is_locked()?))?;
    if locked {
        Err(KeyringError::Locked)
    } else {
        Ok(())
    }
}

pub(super) fn get(account: &str) -> Result<Option<String>, KeyringError> {
    let secret = with_session(|ss| match find(ss, account)? {
        Some(item) => Ok(Some(item.get_secret()?)),
        None => Ok(None),
    })?;
    secret.map(|bytes| String::from_utf8(bytes).map_err(|_| KeyringError::Failed(format!("the keyring entry {account} is not text")))).transpose()
}

pub(super) fn set(account: &str, value: &str) -> Result<(), KeyringError> {
    with_session(|ss| match find(ss, account)? {
        Some(item) => Ok(item.set_secret(value.as_bytes(), "text/plain")?),
        None => {
            let attributes = HashMap::from([("service", KEYRING_SERVICE), ("username", account), ("target", "default"), ("application", "signet")]);
            let label = format!("Signet: {account}");
            ss.get_default_collection()?.create_item(&label, attributes, value.as_bytes(), true, "text/plain")?;
            Ok(())
        }
    })
}

pub(super) fn delete(account: &str) -> Result<bool, KeyringError> {
    with_session(|ss| match find(ss, account)? {
        Some(item) => {
            item.delete()?;
            Ok(true)
        }
        None => Ok(false),
    })
}

/// The one entry filed under `account`. Entries saved by the `keyring` crate carry
/// `target = "default"`; one added by hand (`secret-tool store`) may not, and is looked
/// for in the default collection without it. A locked entry is refused rather than
/// unlocked (which would prompt).
fn find<'a>(ss: &'a SecretService, account: &str) -> Result<Option<Item<'a>>, Failure> {
    let found = ss.search_items(HashMap::from([("service", KEYRING_SERVICE), ("username", account), ("target", "default")]))?;
    if !found.locked.is_empty() {
        return Err(Error::Locked.into());
    }
    let mut items = found.unlocked;
    if items.is_empty() {
        let default = ss.get_default_collection()?;
        let by_hand = default.search_items(HashMap::from([("service", KEYRING_SERVICE), ("username", account)]))?;
        items = by_hand.into_iter().map(|item| Item::new(ss, item.path)).collect();
    }
    match items.len() {
        0 => Ok(None),
        1 => Ok(items.pop()),
        n => Err(Failure::Ambiguous(format!("{n} keyring entries are filed under {account}; keep one (secret-tool search service signet)"))),
    }
}

/// Why an operation on the Secret Service failed.
enum Failure {
    Service(Error),
    /// More than one entry answers to the account: which one is meant is not ours to guess.
    Ambiguous(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Service(e)
    }
}

/// After a session could not be opened in time, no new attempt for this long: each
/// attempt is one more client joining and leaving a daemon that is already slow.
const BACKOFF: Duration = Duration::from_secs(3);
static SLOW_SINCE: Mutex<Option<Instant>> = Mutex::new(None);

/// A new connection and session. Prompts are refused at once (timeout 0): a desk
/// without anyone at it must not wait on an unlock dialog.
fn open() -> Result<SecretService, KeyringError> {
    let mut slow = SLOW_SINCE.lock().unwrap_or_else(|p| p.into_inner());
    if slow.is_some_and(|at| at.elapsed() < BACKOFF) {
        return Err(KeyringError::Unavailable("the Secret Service did not answer in time; trying again in a few seconds".into()));
    }
    match SecretService::connect_with_max_prompt_timeout(EncryptionType::Dh, 0) {
        Ok(ss) => {
            *slow = None;
            Ok(ss)
        }
        Err(e) if dbus_name(&e) == Some(NO_REPLY) && !died_under_us(&e) => {
            *slow = Some(Instant::now());
            Err(keyring_error(Failure::Service(e)))
        }
        // No bus, no daemon, or no way to start one: whatever libdbus calls it.
        Err(e) => Err(KeyringError::Unavailable(format!("no Secret Service on the session bus ({e})"))),
    }
}

/// Runs `op` on the process's session, opening one if there is none. If the daemon we
/// had a session with is gone (restarted, or replaced by D-Bus activation), the session
/// is opened again once and `op` retried: every operation here is safe to repeat.
/// A call that timed out keeps the session: leaving the bus while the daemon may still
/// be answering us is what we are avoiding.
fn with_session<T>(op: impl Fn(&SecretService) -> Result<T, Failure>) -> Result<T, KeyringError> {
    let mut session = SESSION.lock().unwrap_or_else(|p| p.into_inner());
    let reused = session.is_some();
    let ss = match session.take() {
        Some(ss) => ss,
        None => open()?,
    };
    match op(&ss) {
        Err(e) if reused && session_lost(&e) => {
            drop(ss);
            let fresh = open()?;
            let result = op(&fresh);
            *session = Some(fresh);
            result.map_err(keyring_error)
        }
        result => {
            *session = Some(ss);
            result.map_err(keyring_error)
        }
    }
}

const NO_REPLY: &str = "org.freedesktop.DBus.Error.NoReply";

fn dbus_name(e: &Error) -> Option<&str> {
    match e {
        Error::Dbus(d) => d.name(),
        _ => None,
    }
}

/// The daemon or the bus is not there (any more).
fn gone(e: &Error) -> bool {
    matches!(
        dbus_name(e),
        Some(
            "org.freedesktop.DBus.Error.ServiceUnknown"
                | "org.freedesktop.DBus.Error.NameHasNoOwner"
                | "org.freedesktop.DBus.Error.NoServer"
                | "org.freedesktop.DBus.Error.Disconnected"
        )
    ) || matches!(e, Error::Unavailable)
}

/// The bus's answer for a call whose recipient left the bus before replying, as
/// opposed to a recipient that is only slow (libdbus names both NoReply).
fn died_under_us(e: &Error) -> bool {
    let Error::Dbus(d) = e else { return false };
    d.name() == Some(NO_REPLY) && d.message().is_some_and(|m| m.contains("disconnected"))
}

/// Errors that say our session no longer exists on the other side: the daemon went
/// away (during the call or before it), or a new one does not know our session.
fn session_lost(e: &Failure) -> bool {
    let Failure::Service(e) = e else { return false };
    gone(e) || died_under_us(e) || dbus_name(e) == Some("org.freedesktop.Secret.Error.NoSession")
}

fn keyring_error(failure: Failure) -> KeyringError {
    let e = match failure {
        Failure::Ambiguous(why) => return KeyringError::Failed(why),
        Failure::Service(e) => e,
    };
    match &e {
        Error::Locked | Error::Prompt => KeyringError::Locked,
        Error::Dbus(d) if d.name() == Some("org.freedesktop.Secret.Error.IsLocked") => KeyringError::Locked,
        Error::NoResult => KeyringError::Unavailable("the Secret Service has no default keyring".into()),
        _ if gone(&e) || died_under_us(&e) => KeyringError::Unavailable(format!("no Secret Service on the session bus ({e})")),
        Error::Dbus(d) if d.name() == Some(NO_REPLY) => KeyringError::Unavailable(format!("the Secret Service did not answer in time ({e})")),
        // The service is there and answered no: say what it said.
        _ => KeyringError::Failed(e.to_string()),
    }
}
