//! Customers' files are read in a confined child process. Every hostile file of the
//! corpus (scripts/make-hostile-files.py) is refused with a message naming it, or
//! read within the reader's limits, and this process goes on. The reader's limits
//! and confinement are checked for real: a crash, a loop, a memory hog and a hang
//! each become a refusal, and the probe finds no file, socket or program open to it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use signet_core::untrusted::{self, Failure, Job, Limits, Reply};
use signet_core::{contract, kyc_files};

fn hostile(name: &str) -> (PathBuf, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, bytes)
}

fn reader() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_signet-parse"))
}

const HOSTILE_PDFS: [&str; 7] =
    ["nested-arrays.pdf", "nested-dictionaries.pdf", "self-reference.pdf", "xref-loop.pdf", "inflate-bomb.pdf", "million-pages.pdf", "truncated.pdf"];

/// The text every hostile PDF of the corpus carries on its one real page.
const TEXT: &str = "Contrato de teste: o emitente declara que leu e aceita todas as clausulas.";

/// Each hostile PDF is either refused, the refusal naming the file and the form
/// field, or read within the reader's limits; what is read is the page's own text,
/// nothing more. Either way this process carries on to the next file.
#[test]
fn every_hostile_pdf_as_a_contract_is_refused_by_name_or_read_faithfully() {
    let mut refused = 0;
    for name in HOSTILE_PDFS {
        let (_, bytes) = hostile(name);
        let started = Instant::now();
        let result = contract::from_bytes(name, bytes);
        println!("contract {name}: {:?} in {:.2?}", result.as_ref().map(|c| c.pages).map_err(|e| e.to_string()), started.elapsed());
        match result {
            Err(e) => {
                refused += 1;
                assert_eq!(e.body().field.as_deref(), Some("contract"), "{name}");
                assert!(e.to_string().starts_with(name), "the refusal names the file: {e}");
            }
            Ok(c) => assert_eq!(c.text, TEXT, "{name} was read as something else"),
        }
    }
    // The parser-killers are among the refused: the nesting, the bomb and the broken file.
    assert!(refused >= 4, "only {refused} refused");
}

#[test]
fn every_hostile_file_as_a_kyc_document_is_refused_by_name_or_read_within_limits() {
    let limits = kyc_files::FileLimits::default();
    for name in HOSTILE_PDFS.iter().chain(&["huge-50000x50000.png", "huge-50000x50000.jpg"]) {
        let (_, bytes) = hostile(name);
        let started = Instant::now();
        let result = kyc_files::check("front", name, &bytes, &limits);
        println!("KYC {name}: {:?} in {:.2?}", result.as_ref().map(|d| (d.pages, d.preview.clone())).map_err(|e| e.to_string()), started.elapsed());
        match result {
            Err(e) => {
                assert_eq!(e.body().field.as_deref(), Some("front"), "{name}");
                assert!(e.to_string().starts_with(*name), "the refusal names the file: {e}");
            }
            Ok(doc) => assert!(doc.preview == TEXT || doc.preview.contains("no text"), "{name}: {}", doc.preview),
        }
    }
    for image in ["huge-50000x50000.png", "huge-50000x50000.jpg"] {
        let e = kyc_files::check("front", image, &hostile(image).1, &limits).unwrap_err();
        assert!(e.to_string().contains("50000×50000"), "the refusal says what the header claims: {e}");
    }
    // A page tree that claims a million pages has the one it really has.
    let doc = kyc_files::check("front", "million-pages.pdf", &hostile("million-pages.pdf").1, &limits).unwrap();
    assert_eq!(doc.pages, Some(1));
}

#[test]
fn active_content_is_not_run_and_the_text_is_still_read() {
    let (_, bytes) = hostile("javascript-and-attachment.pdf");
    let c = contract::from_bytes("javascript-and-attachment.pdf", bytes.clone()).unwrap();
    assert_eq!(c.pages, Some(1));
    assert!(c.text.contains("o emitente declara que leu e aceita"), "{}", c.text);
    let doc = kyc_files::check("front", "javascript-and-attachment.pdf", &bytes, &kyc_files::FileLimits::default()).unwrap();
    assert_eq!(doc.pages, Some(1));
    assert!(doc.preview.contains("Contrato de teste"), "{}", doc.preview);
}

#[test]
fn the_reader_can_open_no_file_socket_or_program() {
    let Ok(Reply::Probe(report)) = untrusted::read_with(&reader(), &Limits::DEFAULT, &Job::Probe, b"") else { panic!("the probe did not answer") };
    println!("reader confinement: {:?}", report.confinement);
    assert!(report.confinement.iter().any(|c| c.starts_with("rlimits (memory 1024 MiB, cpu 10 s, file size 0)")), "{report:?}");
    assert!(report.confinement.iter().any(|c| c.starts_with("seccomp")), "{report:?}");
    assert!(report.read_a_file_refused, "{report:?}");
    assert!(report.write_a_file_refused, "{report:?}");
    assert!(report.open_a_socket_refused, "{report:?}");
    assert!(report.run_a_program_refused, "{report:?}");
}

#[test]
fn the_memory_limit_is_the_one_asked_for_and_reaching_it_is_a_refusal() {
    // The bomb inflates without end: held to 64 MiB, the reader says so.
    let (_, bomb) = hostile("inflate-bomb.pdf");
    let tight = Limits { memory_bytes: 64 << 20, ..Limits::DEFAULT };
    match untrusted::read_with(&reader(), &tight, &Job::ContractPages, &bomb) {
        Err(Failure::Unsafe(why)) => assert_eq!(why, "reading it needed more than 64 MiB of memory"),
        other => panic!("{other:?}"),
    }
    // A real 100-page contract reads within the usual limits.
    let contract = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts/contrato-100-paginas.pdf")).unwrap();
    let Ok(Reply::Pages(pages)) = untrusted::read_with(&reader(), &Limits::DEFAULT, &Job::ContractPages, &contract) else { panic!("not read") };
    assert_eq!(pages.len(), 100);
}

/// A stand-in reader program that misbehaves the way a parser can. A child shell writes
/// it: a file this process held open for writing could be inherited by a reader another
/// test is starting at that moment, and executing it would then fail with "text file busy".
fn misbehaving(dir: &Path, name: &str, script: &str) -> PathBuf {
    let path = dir.join(name);
    let written =
        std::process::Command::new("sh").args(["-c", r#"printf '#!/bin/sh\n%s\n' "$1" > "$2" && chmod 755 "$2""#, "sh", script]).arg(&path).status().unwrap();
    assert!(written.success());
    path
}

#[test]
fn a_reader_that_crashes_loops_or_hangs_becomes_a_refusal_and_we_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let quick = Limits { memory_bytes: 256 << 20, cpu_seconds: 1, wall: Duration::from_secs(3) };
    let cases = [
        (misbehaving(dir.path(), "segfault", "kill -SEGV $$"), "invalid memory access"),
        (misbehaving(dir.path(), "abort", "kill -ABRT $$"), "aborted"),
        (misbehaving(dir.path(), "spin", "while :; do :; done"), "more than 1 s of processor time"),
        (misbehaving(dir.path(), "hang", "exec sleep 30"), "did not finish within 3 s"),
        (misbehaving(dir.path(), "garbage", "echo not json"), "could not be understood"),
        (dir.path().join("missing"), "could not be started"),
    ];
    for (program, expected) in cases {
        match untrusted::read_with(&program, &quick, &Job::ContractPages, b"%PDF-1.7") {
            Err(Failure::Unsafe(why)) => assert!(why.contains(expected), "{}: {why}", program.display()),
            other => panic!("{}: {other:?}", program.display()),
        }
    }
    let e = untrusted::refusal("contract", "c.pdf", Failure::Unsafe("the reader crashed on it (aborted)".into()));
    assert_eq!(e.to_string(), "c.pdf could not be read safely: the reader crashed on it (aborted). Nothing was sent; ask the customer for another copy.");
}

#[test]
fn a_contracts_pages_are_drawn_by_the_confined_reader() {
    let contract = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts/contrato-12-paginas.pdf")).unwrap();
    let started = Instant::now();
    let mut pages = Vec::new();
    for first in [0, 10] {
        let Ok(Reply::Rendered { total, pages: batch }) =
            untrusted::read_with(&reader(), &Limits::DEFAULT, &Job::RenderPages { width: 900, first, count: 10 }, &contract)
        else {
            panic!("not drawn")
        };
        assert_eq!(total, 12);
        pages.extend(batch);
    }
    println!("12 pages drawn at 900 px in {:.2?}, {} KB of PNG", started.elapsed(), pages.iter().map(Vec::len).sum::<usize>() / 1024);
    assert_eq!(pages.len(), 12);
    for png in &pages {
        let img = image::load_from_memory_with_format(png, image::ImageFormat::Png).unwrap();
        assert_eq!(img.width(), 900);
        // Something is drawn on the white page: the text.
        assert!(img.to_luma8().pixels().any(|p| p.0[0] < 100), "a blank page");
    }
    // Absurd requests are refused, not attempted.
    assert!(untrusted::read_with(&reader(), &Limits::DEFAULT, &Job::RenderPages { width: 50_000, first: 0, count: 1 }, &contract).is_err());
    // The hostile corpus, drawn: each refused or drawn within the reader's limits.
    for name in HOSTILE_PDFS {
        let (_, bytes) = hostile(name);
        let outcome = untrusted::read_with(&reader(), &Limits::DEFAULT, &Job::RenderPages { width: 600, first: 0, count: 10 }, &bytes);
        println!(
            "drawn {name}: {:?}",
            outcome.as_ref().map(|r| match r {
                Reply::Rendered { total, pages } => (*total, pages.len()),
                _ => (0, 0),
            })
        );
    }
}
