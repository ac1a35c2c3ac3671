//! The evidence chain over generated ledgers (proptest): any ledger Signet writes
//! verifies, and any one record altered or removed behind its back is reported at
//! that record's position.

use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use rusqlite::Connection;
use signet_core::evidence::ledger::{self, Kind, NewRecord};
use signet_core::store::{Store, DATABASE_FILE};

#[derive(Debug, Clone)]
enum Tamper {
    AlterBody,
    Remove,
}

fn records() -> impl Strategy<Value = Vec<(bool, String, String)>> {
    prop::collection::vec((any::<bool>(), "[0-9a-f-]{1,36}", "\\PC{0,40}"), 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_written_ledger_verifies_and_one_record_changed_is_reported_where_it_is(
        written in records(),
        target in any::<prop::sample::Index>(),
        tamper in prop_oneof![Just(Tamper::AlterBody), Just(Tamper::Remove)],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let public = signet_core::evidence::key::public_key(&key.verifying_key());
        {
            let store = Store::open_in(dir.path()).unwrap();
            for (acceptance, session, text) in &written {
                let kind = if *acceptance { Kind::Acceptance } else { Kind::ProviderResponse };
                let body = serde_json::json!({ "text": text });
                ledger::append(&store, &key, NewRecord { kind, session_id: session, debt_key: "debt", cpf: "61766976204", body: &body }).unwrap();
            }
            let report = ledger::verify(&store, Some(&public)).unwrap();
            prop_assert!(report.intact(), "{:?}", report.problems);
            prop_assert_eq!(report.records, written.len() as u64);
        }

        let seq = target.index(written.len()) as u64 + 1;
        let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        conn.execute_batch("DROP TRIGGER evidence_ledger_no_update; DROP TRIGGER evidence_ledger_no_delete;").unwrap();
        match tamper {
            Tamper::AlterBody => conn.execute("UPDATE evidence_ledger SET body = json_set(body, '$.text', 'changed') WHERE seq = ?1", [seq]),
            Tamper::Remove => conn.execute("DELETE FROM evidence_ledger WHERE seq = ?1", [seq]),
        }
        .unwrap();
        drop(conn);

        let store = Store::open_in(dir.path()).unwrap();
        let report = ledger::verify(&store, Some(&public)).unwrap();
        prop_assert!(!report.intact());
        prop_assert!(report.problems.iter().any(|p| p.position == Some(seq)), "{:?} not reported at {}: {:?}", tamper, seq, report.problems);
    }
}
