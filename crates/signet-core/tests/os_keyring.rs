//! The real OS keyring used from many threads at once, as the desk's timers (retries,
//! archive, team sync) and the operator's commands use it. GNOME Keyring aborts when
//! several new clients open encrypted sessions together; Signet must never provoke it.
//!
//! Needs a Secret Service: scripts/e2e.sh runs this inside its private D-Bus session
//! with a throwaway gnome-keyring (it sets SIGNET_E2E_INSIDE). Elsewhere it says it
//! did not run, rather than touch the keyring of whoever runs `cargo test`.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use signet_core::catalog::ProviderId;
use signet_core::secrets::{OsKeyring, SecretRef, SecretStore};

const THREADS: usize = 8;
const ROUNDS: usize = 15;

#[test]
fn many_threads_share_the_os_keyring_and_every_secret_reads_back() {
    if std::env::var_os("SIGNET_E2E_INSIDE").is_none() {
        eprintln!("not run: needs the private keyring session of scripts/e2e.sh");
        return;
    }
    let store: Arc<dyn SecretStore> = Arc::new(OsKeyring);
    store.check().expect("the throwaway keyring is reachable and unlocked");
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let at = SecretRef::new(&format!("keyring-stress-{t}"), ProviderId::Mykaarma, "password");
                for round in 0..ROUNDS {
                    let value = format!("secret {t}/{round}");
                    store.set(&at, &SecretString::from(value.clone())).expect("set");
                    let back = store.get(&at).expect("get").expect("the secret just set is there");
                    assert_eq!(back.expose_secret(), value, "thread {t} read another value back");
                    assert!(store.is_set(&at).expect("is_set"));
                }
                assert!(store.delete(&at).expect("delete"));
                assert!(store.get(&at).expect("get after delete").is_none());
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a keyring thread failed");
    }
    // The daemon is still there and unlocked after the burst.
    store.check().expect("the keyring still answers after the burst");
}
