//! What every handler shares: settings, the journal, the fault dice and each
//! provider's in-memory store. Locks are std mutexes, never held across an await.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::{Faults, SandboxConfig, SchemeCheck, StyleCheck};
use crate::credentials;
use crate::journal::Journal;
use crate::{dollarpe, kpay, leegality, qitech, signzy};

pub(crate) type AppState = Arc<Shared>;

pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`: links the sandbox hands out point back at itself.
    pub base_url: String,
    pub style: StyleCheck,
    pub qitech_scheme: Mutex<SchemeCheck>,
    pub kyc_verify_after: Duration,
    pub journal: Journal,
    faults: Mutex<Faults>,
    dice: Mutex<StdRng>,
    pub kpay: Mutex<kpay::Store>,
    pub dollarpe: Mutex<dollarpe::Store>,
    pub qitech: Mutex<qitech::Store>,
    pub signzy: Mutex<signzy::Store>,
    pub leegality: Mutex<leegality::Store>,
    pub files: Mutex<HashMap<String, HostedFile>>,
    /// The desk's public key (verifies QI requests) and QI's private key (signs replies).
    pub qi_client_key: signet_providers::jws::VerifyingKey,
    pub qi_server_key: signet_providers::jws::SigningKey,
}

pub(crate) struct HostedFile {
    pub content_type: String,
    pub bytes: axum::body::Bytes,
}

/// The outcome of one request's throw of the dice.
pub(crate) struct Roll {
    pub drop_before: bool,
    pub error: bool,
    pub drop_after: bool,
}

impl Shared {
    pub fn new(config: &SandboxConfig, base_url: String) -> Shared {
        use signet_providers::jws;
        let seed = config.seed_demo_data;
        Shared {
            base_url,
            style: config.dollarpe_style,
            qitech_scheme: Mutex::new(config.qitech_scheme),
            kyc_verify_after: config.kyc_verify_after,
            journal: Journal::default(),
            dice: Mutex::new(dice_for(&config.faults)),
            faults: Mutex::new(config.faults.clone()),
            kpay: Mutex::new(kpay::Store::new(seed)),
            dollarpe: Mutex::new(dollarpe::Store::new(seed)),
            qitech: Mutex::new(qitech::Store::new(seed)),
            signzy: Mutex::new(signzy::Store::new(seed)),
            leegality: Mutex::new(leegality::Store::new(seed)),
            files: Mutex::default(),
            qi_client_key: jws::verifying_key_from_pem(credentials::QITECH_CLIENT_PUBLIC_PEM).expect("embedded key"),
            qi_server_key: jws::signing_key_from_pem(credentials::QITECH_SERVER_PRIVATE_PEM).expect("embedded key"),
        }
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.dice) = dice_for(&faults);
        *lock(&self.faults) = faults;
    }

    /// Three throws in a fixed order, so a seeded run repeats exactly.
    pub fn roll(&self, f: &Faults) -> Roll {
        let mut dice = lock(&self.dice);
        Roll { drop_before: dice.gen::<f64>() < f.drop_before_rate, error: dice.gen::<f64>() < f.error_rate, drop_after: dice.gen::<f64>() < f.drop_after_rate }
    }
}

fn dice_for(f: &Faults) -> StdRng {
    match f.seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_entropy(),
    }
}

/// A poisoned lock only means a handler panicked; the data is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
