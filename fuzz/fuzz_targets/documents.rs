//! Any file picked as a contract or a KYC document: loading it never takes the
//! desk down, and a contract it accepts has text and hashes that match it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::{contract, kyc_files};

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on any panic; the PDF reader's own panics are caught by
    // contract::from_bytes (that containment is what is under test), so quiet them.
    std::panic::set_hook(Box::new(|_| {}));
    if let Ok(c) = contract::from_bytes("contract.pdf", data.to_vec()) {
        assert!(!c.text.trim().is_empty());
        assert_eq!(c.text_sha256, signet_core::evidence::ledger::sha256_hex(c.text.as_bytes()));
    }
    let _ = kyc_files::check("front", "document", data, &kyc_files::FileLimits::default());
});
