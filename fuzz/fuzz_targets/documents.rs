//! The parsers a customer's file meets, driven directly as the confined reader
//! process (signet-parse) drives them: every job on any bytes must answer, refuse
//! or panic (caught), never crash. Seeds: the contract fixtures and the hostile
//! corpus of crates/signet-core/tests/fixtures/hostile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::untrusted::readers::{self, ImageFormat, Job, Reply};

fuzz_target!(|data: &[u8]| {
    // The extractor's own panics are caught by readers::pdf_pages (that containment
    // is under test); libfuzzer-sys would abort on them, so quiet the hook.
    std::panic::set_hook(Box::new(|_| {}));
    for job in [Job::ContractPages, Job::PdfFacts, Job::ImageFacts(ImageFormat::Png), Job::ImageFacts(ImageFormat::Jpeg)] {
        match readers::run(&job, data) {
            Reply::Image { width, height, .. } => assert!(u64::from(width) * u64::from(height) <= readers::MAX_PIXELS),
            Reply::Probe(_) => unreachable!("no probe was asked for"),
            _ => {}
        }
    }
});
