//! Any file handed to `signet evidence check` as a dossier: the checker reports,
//! never panics, and never calls a damaged dossier valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::evidence::dossier;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = dossier::check(data, None) {
        // Without the installation's key nothing random can prove its origin.
        assert!(!report.origin_verified);
    }
});
