//! The evidence ledger on a real SQLite file: appending a record (each its own
//! durable transaction, head signed) and verifying a whole ledger.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use signet_core::evidence::key::SigningKey;
use signet_core::evidence::ledger::{self, Kind, NewRecord};
use signet_core::store::Store;

/// An acceptance-like body naming the kept contract text `sha` (verification checks it is there).
fn body(i: u64, sha: &str) -> serde_json::Value {
    serde_json::json!({ "n": i, "signer": { "name": "Maria da Silva", "cpf": "61766976204" }, "contract": { "textSha256": sha, "pdfSha256": null }, "publicIp": "179.104.42.245" })
}

fn filled(records: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let sha = ledger::keep_file(&store, "contract.txt", "Cláusula única".as_bytes()).unwrap();
    // One transaction for the fill; the append benchmark below measures them one by one.
    store
        .atomically(|s| {
            for i in 0..records {
                ledger::append(
                    s,
                    &key,
                    NewRecord { kind: Kind::Acceptance, session_id: &format!("s{i}"), debt_key: "d", cpf: "61766976204", body: &body(i, &sha) },
                )?;
            }
            Ok(())
        })
        .unwrap();
    (dir, store)
}

fn append(c: &mut Criterion) {
    let (_dir, store) = filled(0);
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let sha = ledger::keep_file(&store, "contract.txt", "Cláusula única".as_bytes()).unwrap();
    let mut i = 0u64;
    c.bench_function("ledger: append one record (own transaction, head signed)", |b| {
        b.iter(|| {
            i += 1;
            ledger::append(
                &store,
                &key,
                NewRecord { kind: Kind::Acceptance, session_id: &format!("b{i}"), debt_key: "d", cpf: "61766976204", body: &body(i, &sha) },
            )
            .unwrap()
        })
    });
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("ledger: verify everything");
    group.sample_size(10);
    for records in [10_000u64, 100_000, 1_000_000] {
        let (_dir, store) = filled(records);
        group.bench_with_input(BenchmarkId::from_parameter(records), &records, |b, _| b.iter(|| assert!(ledger::verify(&store, None).unwrap().intact())));
    }
    group.finish();
}

criterion_group!(benches, append, verify);
criterion_main!(benches);
