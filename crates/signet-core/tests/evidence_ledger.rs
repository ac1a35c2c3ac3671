//! The evidence ledger on a real SQLite file: appended records verify, and every
//! kind of tampering done directly on the file is reported with its position.

use ed25519_dalek::SigningKey;
use rusqlite::Connection;
use signet_core::evidence::ledger::{self, Kind, NewRecord};
use signet_core::store::{Store, DATABASE_FILE};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

/// A ledger of five records (sessions s1..s5) and one kept file, in a fresh folder.
fn ledger_of_five() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    for i in 1..=5 {
        let body = serde_json::json!({ "n": i, "text": "Cláusula única — aceite" });
        let session = format!("00000000-0000-4000-8000-00000000000{i}");
        let kind = if i % 2 == 0 { Kind::ProviderResponse } else { Kind::Acceptance };
        ledger::append(&store, &key(), NewRecord { kind, session_id: &session, debt_key: &format!("debt-{i}"), cpf: "61766976204", body: &body }).unwrap();
    }
    let sha = ledger::keep_file(&store, "contract.txt", "Cláusula única".as_bytes()).unwrap();
    (dir, sha)
}

/// Opens the file as an attacker would, without the append-only triggers.
fn tamper(dir: &tempfile::TempDir, sql: &str) {
    let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    conn.execute_batch(
        "DROP TRIGGER evidence_ledger_no_update; DROP TRIGGER evidence_ledger_no_delete;
         DROP TRIGGER evidence_files_no_update; DROP TRIGGER evidence_files_no_delete;
         DROP TRIGGER evidence_head_no_delete; DROP TRIGGER evidence_head_forward_only;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
}

fn problems(dir: &tempfile::TempDir) -> Vec<(Option<u64>, String)> {
    let store = Store::open_in(dir.path()).unwrap();
    let public = signet_core::evidence::key::public_key(&key().verifying_key());
    let report = ledger::verify(&store, Some(&public)).unwrap();
    report.problems.into_iter().map(|p| (p.position, p.problem)).collect()
}

fn reported_at(found: &[(Option<u64>, String)], position: u64, words: &str) -> bool {
    found.iter().any(|(p, what)| *p == Some(position) && what.contains(words))
}

#[test]
fn an_untouched_ledger_verifies_and_finds_records_by_session_debt_or_cpf() {
    let (dir, _) = ledger_of_five();
    let store = Store::open_in(dir.path()).unwrap();
    let report = ledger::verify(&store, None).unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!((report.records, report.files), (5, 1));
    assert_eq!(report.head, store.evidence_head().unwrap().map(|h| h.hash));

    assert_eq!(ledger::find(&store, "00000000-0000-4000-8000-000000000003").unwrap().len(), 1);
    assert_eq!(ledger::find(&store, "debt-2").unwrap()[0].seq, 2);
    assert_eq!(ledger::find(&store, "617.669.762-04").unwrap().len(), 5);
    assert!(ledger::find(&store, "nothing").unwrap().is_empty());
    assert_eq!(ledger::find(&store, " ").unwrap_err().code(), "invalid_input");
}

#[test]
fn the_database_itself_refuses_changes_and_deletions() {
    let (dir, _) = ledger_of_five();
    let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    let update = conn.execute("UPDATE evidence_ledger SET body = '{}' WHERE seq = 2", []).unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = conn.execute("DELETE FROM evidence_ledger WHERE seq = 5", []).unwrap_err();
    assert!(delete.to_string().contains("five years"), "{delete}");
    assert!(conn.execute("DELETE FROM evidence_files", []).is_err());
}

#[test]
fn an_altered_record_is_reported_at_its_position() {
    let (dir, _) = ledger_of_five();
    tamper(&dir, "UPDATE evidence_ledger SET body = replace(body, 'aceite', 'recusa') WHERE seq = 3;");
    let found = problems(&dir);
    assert!(reported_at(&found, 3, "altered"), "{found:?}");
    assert_eq!(found.len(), 1, "only record 3 is wrong: {found:?}");
}

#[test]
fn a_removed_record_is_reported_at_its_position() {
    let (dir, _) = ledger_of_five();
    tamper(&dir, "DELETE FROM evidence_ledger WHERE seq = 3;");
    let found = problems(&dir);
    assert!(reported_at(&found, 3, "record 3 is missing"), "{found:?}");
}

#[test]
fn reordered_records_are_reported() {
    let (dir, _) = ledger_of_five();
    tamper(&dir, "UPDATE evidence_ledger SET seq = -1 WHERE seq = 2; UPDATE evidence_ledger SET seq = 2 WHERE seq = 4; UPDATE evidence_ledger SET seq = 4 WHERE seq = -1;");
    let found = problems(&dir);
    assert!(reported_at(&found, 2, "altered or moved"), "{found:?}");
    assert!(reported_at(&found, 4, "altered or moved"), "{found:?}");
}

#[test]
fn records_removed_from_the_end_are_caught_by_the_signed_head() {
    let (dir, _) = ledger_of_five();
    tamper(&dir, "DELETE FROM evidence_ledger WHERE seq >= 4;");
    let found = problems(&dir);
    assert!(reported_at(&found, 4, "records 4 to 5 were removed from the end"), "{found:?}");

    // Moving the head back too needs the installation's key to sign it.
    let (dir, _) = ledger_of_five();
    tamper(&dir, "DELETE FROM evidence_ledger WHERE seq = 5; UPDATE evidence_head SET seq = 4, hash = (SELECT hash FROM evidence_ledger WHERE seq = 4);");
    let found = problems(&dir);
    assert!(reported_at(&found, 4, "signature is not valid"), "{found:?}");
}

#[test]
fn a_record_added_behind_the_ledgers_back_is_reported() {
    let (dir, _) = ledger_of_five();
    tamper(
        &dir,
        "INSERT INTO evidence_ledger (seq, kind, session_id, debt_key, cpf, body, recorded_at, prev_hash, hash)
         SELECT 6, kind, session_id, debt_key, cpf, body, recorded_at, hash, hash FROM evidence_ledger WHERE seq = 5;",
    );
    let found = problems(&dir);
    assert!(reported_at(&found, 6, "altered"), "{found:?}");
    assert!(reported_at(&found, 6, "added without being signed"), "{found:?}");
}

#[test]
fn a_head_signed_by_another_key_and_an_altered_file_are_reported() {
    let (dir, sha) = ledger_of_five();
    tamper(&dir, &format!("UPDATE evidence_files SET bytes = X'00' WHERE sha256 = '{sha}';"));
    let found = problems(&dir);
    assert!(found.iter().any(|(p, what)| p.is_none() && what.contains(&sha)), "{found:?}");

    // Another key cannot extend the chain: its head would not be this installation's.
    let (dir, _) = ledger_of_five();
    let store = Store::open_in(dir.path()).unwrap();
    let other = SigningKey::from_bytes(&[9u8; 32]);
    let refused =
        ledger::append(&store, &other, NewRecord { kind: Kind::Acceptance, session_id: "s6", debt_key: "d6", cpf: "1", body: &serde_json::json!({}) })
            .unwrap_err();
    assert_eq!(refused.code(), "conflict");
    assert!(ledger::verify(&store, None).unwrap().intact(), "the refusal changed nothing");
}

#[test]
fn a_doctored_chain_is_not_laundered_by_the_next_record_and_an_emptied_ledger_is_reported() {
    // Records rewritten with recomputed hashes end on a hash the head never signed:
    // the next append refuses rather than sign over it.
    let (dir, _) = ledger_of_five();
    tamper(&dir, "UPDATE evidence_ledger SET hash = 'f00d' || substr(hash, 5) WHERE seq = 5;");
    let store = Store::open_in(dir.path()).unwrap();
    let e = ledger::append(&store, &key(), NewRecord { kind: Kind::Acceptance, session_id: "s6", debt_key: "d6", cpf: "1", body: &serde_json::json!({}) })
        .unwrap_err();
    assert!(e.to_string().contains("does not match its signed head"), "{e}");
    drop(store);
    assert!(!problems(&dir).is_empty());

    // Every record and the head removed: not taken for a new, empty ledger.
    let (dir, _) = ledger_of_five();
    tamper(&dir, "DELETE FROM evidence_ledger; DELETE FROM evidence_head;");
    let found = problems(&dir);
    assert!(reported_at(&found, 1, "the ledger is empty"), "{found:?}");
    let store = Store::open_in(dir.path()).unwrap();
    assert!(
        ledger::append(&store, &key(), NewRecord { kind: Kind::Acceptance, session_id: "s1", debt_key: "d", cpf: "1", body: &serde_json::json!({}) }).is_err()
    );
}

#[test]
fn a_removed_contract_file_is_reported_at_the_record_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let sha = ledger::keep_file(&store, "contract.txt", "Cláusula única".as_bytes()).unwrap();
    let body = serde_json::json!({ "contract": { "textSha256": sha, "pdfSha256": null } });
    ledger::append(&store, &key(), NewRecord { kind: Kind::Acceptance, session_id: "s1", debt_key: "d", cpf: "1", body: &body }).unwrap();
    drop(store);
    assert!(problems(&dir).is_empty());
    tamper(&dir, "DELETE FROM evidence_files;");
    let found = problems(&dir);
    assert!(reported_at(&found, 1, "was removed"), "{found:?}");
}
