//! One process's life with the Secret Service, on a private D-Bus session and a
//! throwaway GNOME Keyring of its own (so it runs in every `cargo test` and touches
//! nobody's keyring):
//! - an entry another program filed under Signet's name (`secret-tool store`, without
//!   the `target` attribute the keyring crate adds), and one filed as earlier versions
//!   did through that crate, are read, replaced in place and deleted;
//! - the daemon gone: a clear "unavailable", no hang; a new daemon started (as a
//!   desktop restarts it after a crash): the next call works, without restarting Signet.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use signet_core::catalog::ProviderId;
use signet_core::secrets::{KeyringError, OsKeyring, SecretRef, SecretStore};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Session {
    dir: tempfile::TempDir,
    bus: String,
}

impl Session {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("HOME", self.path("home"))
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            .env("XDG_RUNTIME_DIR", self.path("run"));
        c
    }

    /// A GNOME Keyring unlocked with a throwaway password, its secrets kept under our HOME.
    fn start_keyring(&self) -> Killed {
        let mut daemon = Killed(
            self.command("gnome-keyring-daemon")
                .args(["--foreground", "--unlock", "--components=secrets"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("gnome-keyring-daemon is installed (scripts/setup.sh test)"),
        );
        daemon.0.stdin.take().unwrap().write_all(b"throwaway").unwrap();
        daemon
    }

    /// Waits until a daemon owns the Secret Service name, asked by another client so
    /// that Signet's own session is not touched.
    fn wait_for_keyring_name(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self
                .command("dbus-send")
                .args(["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus"])
                .args(["org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"])
                .output()
                .expect("dbus-send is installed (scripts/setup.sh test)");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return;
            }
            assert!(Instant::now() < deadline, "the new keyring daemon never took its name");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `secret-tool store` with these attributes, as another program would file an entry.
    fn store_by_hand(&self, value: &str, attributes: &[&str]) {
        let mut tool = Killed(self.command("secret-tool").args(["store", "--label=by hand"]).args(attributes).stdin(Stdio::piped()).spawn().unwrap());
        tool.0.stdin.take().unwrap().write_all(value.as_bytes()).unwrap();
        assert!(tool.0.wait().unwrap().success());
    }

    /// What `secret-tool search --all` shows for one account.
    fn listed(&self, account: &str) -> String {
        let out = self.command("secret-tool").args(["search", "--all", "service", "signet", "username", account]).output().unwrap();
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout)
    }
}

fn private_session() -> (Session, Killed) {
    let dir = tempfile::tempdir().unwrap();
    for d in ["home", "run"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/e2e-session-bus.conf");
    let mut bus = Command::new("dbus-daemon")
        .args(["--nofork", "--print-address=1", &format!("--config-file={}", conf.display())])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon is installed (scripts/setup.sh test)");
    let mut address = String::new();
    BufReader::new(bus.stdout.take().unwrap()).read_line(&mut address).unwrap();
    (Session { dir, bus: address.trim().to_string() }, Killed(bus))
}

fn wait_until_reachable(store: &OsKeyring) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Err(e) = store.check() {
        assert!(Instant::now() < deadline, "the throwaway keyring never answered: {e}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn signet_keeps_its_keyring_through_entries_filed_by_hand_and_a_daemon_restart() {
    let (session, _bus) = private_session();
    // Every keyring call of this process goes to the private session (this file's only test).
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &session.bus);
    std::env::set_var("XDG_RUNTIME_DIR", session.path("run"));
    let store = OsKeyring;
    let mut daemon = session.start_keyring();
    wait_until_reachable(&store);

    // Filed by hand, as IT might (no `target`), and as earlier Signet versions filed
    // entries through the keyring crate: each found, replaced in place (still one
    // entry), deleted.
    let by_hand = SecretRef::new("branch-12", ProviderId::Leegality, "auth_token");
    let by_keyring_crate = SecretRef::new("branch-12", ProviderId::Signzy, "api_key");
    session.store_by_hand("typed-by-it", &["service", "signet", "username", &by_hand.account()]);
    session.store_by_hand("saved-by-0.1", &["service", "signet", "username", &by_keyring_crate.account(), "target", "default", "application", "rust-keyring"]);
    for (at, first) in [(&by_hand, "typed-by-it"), (&by_keyring_crate, "saved-by-0.1")] {
        assert_eq!(store.get(at).unwrap().unwrap().expose_secret(), first);
        store.set(at, &SecretString::from("replaced".to_string())).unwrap();
        let listed = session.listed(&at.account());
        assert_eq!(listed.matches("secret = ").count(), 1, "one entry, replaced in place: {listed}");
        assert!(listed.contains("secret = replaced"), "{listed}");
        assert!(store.delete(at).unwrap());
        assert!(store.get(at).unwrap().is_none());
        assert_eq!(session.listed(&at.account()).matches("secret = ").count(), 0);
    }

    // Signet's own entry, then the daemon dies: a plain "unavailable", at once.
    let key = SecretRef::installation("evidence-signing-key");
    store.set(&key, &SecretString::from("seed-1".to_string())).unwrap();
    drop(daemon);
    let started = Instant::now();
    match store.get(&key) {
        Err(KeyringError::Unavailable(why)) => assert!(why.contains("Secret Service"), "{why}"),
        other => panic!("with no daemon the keyring is unavailable, not {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5), "no hang when the daemon is gone: {:?}", started.elapsed());
    assert_eq!(store.status().state, signet_core::secrets::KeyringState::Unavailable);

    // A new daemon on the same keyring file: the same process reads its secret again.
    daemon = session.start_keyring();
    wait_until_reachable(&store);
    assert_eq!(store.get(&key).unwrap().unwrap().expose_secret(), "seed-1");

    // And once more without a call in between: the session we held belonged to the
    // daemon that died, and the call opens a new one by itself.
    drop(daemon);
    let _daemon = session.start_keyring();
    session.wait_for_keyring_name();
    assert_eq!(store.get(&key).unwrap().unwrap().expose_secret(), "seed-1");
    assert!(store.delete(&key).unwrap());
}
