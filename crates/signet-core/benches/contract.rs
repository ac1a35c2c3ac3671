//! Text extraction of a 100-page contract PDF (the operator's "load the contract"):
//! Signet as it runs (the text read by the confined reader process), the same
//! parser called in this process (what confinement costs is the difference), and
//! poppler's `pdftotext` as an outside baseline: a whole run of the tool, process
//! start counted.

use std::path::Path;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use signet_core::contract;
use signet_core::untrusted::readers;

fn extraction(c: &mut Criterion) {
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts/contrato-100-paginas.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    let mut group = c.benchmark_group("contract: 100-page PDF to text");
    group.sample_size(20);
    group.bench_function("Signet (confined reader process, pdf-extract, hashes, tidy)", |b| {
        b.iter(|| assert_eq!(contract::from_bytes("contrato.pdf", bytes.clone()).unwrap().pages, Some(100)))
    });
    group.bench_function("pdf-extract in this process (no confinement)", |b| b.iter(|| assert_eq!(readers::pdf_pages(&bytes).unwrap().len(), 100)));
    if Command::new("pdftotext").arg("-v").output().is_ok() {
        group.bench_function("pdftotext (poppler-utils), whole run", |b| {
            b.iter(|| assert!(Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&pdf).arg("-").output().unwrap().status.success()))
        });
    } else {
        eprintln!("pdftotext is not installed (apt install poppler-utils): no baseline");
    }
    group.finish();
}

criterion_group!(benches, extraction);
criterion_main!(benches);
