//! A signature's dossier, exported from a real ledger and checked offline; any
//! change to it after export is found.

use std::io::{Cursor, Read, Write};

use ed25519_dalek::SigningKey;
use signet_core::evidence::dossier;
use signet_core::evidence::ledger::{self, Kind, NewRecord};
use signet_core::evidence::*;
use signet_core::store::Store;

const SESSION: &str = "ddb1d063-4fdf-4330-af9c-3316e9142ff3";

fn key() -> SigningKey {
    SigningKey::from_bytes(&[3u8; 32])
}

fn evidence(text_sha: &str, pdf_sha: Option<String>, session: &str) -> AcceptanceEvidence {
    AcceptanceEvidence {
        session_id: session.into(),
        debt_key: "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01".into(),
        signer: SignerEvidence {
            name: "Maria da Silva".into(),
            email: "maria@example.com".into(),
            phone_country_code: "055".into(),
            phone_area_code: "11".into(),
            phone_number: "999999999".into(),
            cpf: "61766976204".into(),
        },
        accepted_at: "2026-11-21T08:24:05.120-03:00".into(),
        provider_timestamp: "2026-11-21 11:24:05".into(),
        public_ip: "179.104.42.245".into(),
        local_ip: Some("192.168.0.12".into()),
        local_port: Some(51234),
        app_version: "0.1.0".into(),
        os: "linux".into(),
        device_name: "balcao-3".into(),
        geolocation: None,
        contract: ContractEvidence { source_name: "contrato.pdf".into(), pdf_sha256: pdf_sha, text_sha256: text_sha.into(), text_chars: 14, pages: Some(1) },
        consent: ConsentEvidence { wording: "Li e aceito o contrato.".into(), version: "2026-11".into(), language: "pt-BR".into() },
        reading: ReadingEvidence { opened_at: "2026-11-21T08:21:00.000-03:00".into(), seconds_open: 185.1, scrolled_to_end: true, view: Some("pages".into()) },
        operator: OperatorEvidence { profile_id: "sandbox".into(), profile_name: "Sandbox".into(), os_user: "ana".into() },
    }
}

/// A ledger with another session before and after ours, and our dossier.
fn exported() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let other = |s: &str| {
        let e = serde_json::to_value(evidence("x", None, s)).unwrap();
        ledger::append(&store, &key(), NewRecord { kind: Kind::Acceptance, session_id: s, debt_key: "other-debt", cpf: "11144477735", body: &e }).unwrap();
    };
    other("00000000-0000-4000-8000-000000000001");
    let pdf = b"%PDF-1.4 stand-in bytes".to_vec();
    let pdf_sha = ledger::keep_file(&store, "contrato.pdf", &pdf).unwrap();
    let text_sha = ledger::keep_file(&store, "contract.txt", "Cláusula única".as_bytes()).unwrap();
    let body = serde_json::to_value(evidence(&text_sha, Some(pdf_sha), SESSION)).unwrap();
    ledger::append(
        &store,
        &key(),
        NewRecord { kind: Kind::Acceptance, session_id: SESSION, debt_key: "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01", cpf: "61766976204", body: &body },
    )
    .unwrap();
    other("00000000-0000-4000-8000-000000000002");
    let answer = serde_json::json!({ "operationKey": "op-9", "outcome": "sent", "answer": { "status": "signature_received", "key": "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01", "event_datetime": "2026-11-21 11:24:47" } });
    ledger::append(
        &store,
        &key(),
        NewRecord { kind: Kind::ProviderResponse, session_id: SESSION, debt_key: "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01", cpf: "61766976204", body: &answer },
    )
    .unwrap();
    let zip = dossier::export(&store, &key(), SESSION).unwrap();
    (dir, zip)
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            (f.name().to_string(), buf)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn an_exported_dossier_checks_offline_and_holds_no_other_customers_data() {
    let (_dir, zip) = exported();
    let public = signet_core::evidence::key::public_key(&key().verifying_key());
    let report = dossier::check(&zip, Some(&public)).unwrap();
    assert!(report.valid(), "{:?}", report.problems);
    assert_eq!(report.session_id.as_deref(), Some(SESSION));
    assert_eq!(report.signer_name.as_deref(), Some("Maria da Silva"));
    for name in ["contract.pdf", "contract.txt", "evidence.json", "chain.json", "manifest.json", "manifest.sig"] {
        assert!(report.files.iter().any(|f| f == name), "{name} in {:?}", report.files);
    }
    assert!(report.files.iter().any(|f| f.starts_with("provider-response-")));
    let all: Vec<u8> = unzip(&zip).into_iter().flat_map(|(_, b)| b).collect();
    let all = String::from_utf8_lossy(&all);
    assert!(!all.contains("11144477735") && !all.contains("other-debt"), "another customer's data leaked into the dossier");

    // Checked against another installation's key, it says so.
    let stranger = signet_core::evidence::key::public_key(&SigningKey::from_bytes(&[4u8; 32]).verifying_key());
    assert!(dossier::check(&zip, Some(&stranger)).unwrap().problems.iter().any(|p| p.contains("not this installation's")));
}

#[test]
fn any_change_after_export_is_found() {
    let (_dir, zip) = exported();
    let files = unzip(&zip);
    let changed = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
        let mut files = files.clone();
        f(&mut files.iter_mut().find(|(n, _)| n == name).unwrap().1);
        dossier::check(&rezip(&files), None).unwrap().problems
    };
    let p = changed("contract.txt", &|b| b.extend_from_slice(b" (alterado)"));
    assert!(p.iter().any(|p| p.contains("contract.txt was altered")), "{p:?}");
    let p = changed("manifest.json", &|b| *b = String::from_utf8(b.clone()).unwrap().replace("contract.txt", "contrato.txt").into_bytes());
    assert!(p.iter().any(|p| p.contains("signature is not valid")), "{p:?}");
    let p = changed("chain.json", &|b| *b = String::from_utf8(b.clone()).unwrap().replacen("signature_received", "signature_refused", 1).into_bytes());
    assert!(p.iter().any(|p| p.contains("chain.json was altered")), "{p:?}");

    let mut extra = files.clone();
    extra.push(("note.txt".into(), b"hi".to_vec()));
    let p = dossier::check(&rezip(&extra), None).unwrap().problems;
    assert!(p.iter().any(|p| p.contains("note.txt is not listed")), "{p:?}");

    let e = dossier::check(b"not a zip at all", None).unwrap_err();
    assert_eq!(e.body().field.as_deref(), Some("dossier"));
}

/// The words of a PDF as poppler's `pdftotext` reads them (what a reader's search finds).
fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh test) runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_certificate_reads_back_in_both_languages_and_is_the_one_the_manifest_signed() {
    let (_dir, zip) = exported();
    let files = unzip(&zip);
    let (_, certificate) = files.iter().find(|(n, _)| n == dossier::CERTIFICATE).expect("every dossier holds its certificate");
    let text = pdftotext(certificate);
    if let Some(dump) = std::env::var_os("SIGNET_DUMP_CERTIFICATE") {
        std::fs::write(dump, certificate).unwrap();
    }
    for expected in [
        "Certificado de evidências de assinatura eletrônica",
        "Electronic signature evidence certificate",
        SESSION,
        "Maria da Silva",
        "***.669.762-**",
        "2026-11-21 11:24:05 UTC · 2026-11-21 08:24:05 (Brasília, UTC-3)",
        "179.104.42.245",
        "192.168.0.12:51234",
        "Li e aceito o contrato.",
        "signature_received",
        "signet evidence check",
        "contrato.pdf",
    ] {
        assert!(text.contains(expected), "the certificate does not say {expected:?}:\n{text}");
    }
    assert!(!text.contains("61766976204") && !text.contains("617.669.762-04"), "the whole CPF is in the certificate");
    let fingerprint = signet_core::evidence::certificate::key_fingerprint(&signet_core::evidence::key::public_key(&key().verifying_key()));
    assert!(text.contains(&fingerprint), "{fingerprint} not in {text}");
    let public = signet_core::evidence::key::public_key(&key().verifying_key());
    assert!(dossier::check(&zip, Some(&public)).unwrap().certificate_verified);

    // A certificate swapped for another PDF is found.
    let mut swapped = files.clone();
    swapped.iter_mut().find(|(n, _)| n == dossier::CERTIFICATE).unwrap().1 = b"%PDF-1.7 a forged certificate".to_vec();
    let report = dossier::check(&rezip(&swapped), Some(&public)).unwrap();
    assert!(!report.certificate_verified && report.problems.iter().any(|p| p.contains("certificate.pdf was altered")), "{:?}", report.problems);
}
