//! The Activity view over 100,000 operations in a real SQLite file: the first page,
//! a later page, and each filter the view offers, as the desk asks for them.

use criterion::{criterion_group, criterion_main, Criterion};
use signet_core::store::{OperationQuery, OperationRecord, OperationStatus, Store};

const OPERATIONS: u32 = 100_000;
const PAGE: u32 = 50;

fn filled() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let statuses =
        [OperationStatus::Sent, OperationStatus::Sent, OperationStatus::Sent, OperationStatus::Failed, OperationStatus::Unknown, OperationStatus::Waiting];
    let areas = ["payments", "payments", "signatures", "optin", "kyc"];
    store
        .atomically(|s| {
            for i in 0..OPERATIONS {
                let at = format!("2026-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", 1 + i % 11, 1 + i % 28, i % 24, i % 60, i % 59);
                s.insert_operation(&OperationRecord {
                    key: uuid::Uuid::new_v4().to_string(),
                    area: areas[i as usize % areas.len()].into(),
                    kind: "payment_request".into(),
                    profile_id: "branch-1".into(),
                    subject: format!("INV-{i:06}"),
                    request: serde_json::json!({ "invoiceId": format!("INV-{i:06}"), "amount": 1000 + i, "currency": "INR", "customer": { "name": "Asha Rao", "mobile": "9876543210", "email": "asha@example.in" } }),
                    status: statuses[i as usize % statuses.len()],
                    response: Some(serde_json::json!({ "status": "SUCCESS", "paymentLink": "https://pay.example/abc" })),
                    created_at: at.clone(),
                    updated_at: at,
                    attempts: 1,
                    retry_at: None,
                    checkable_with: None,
                })?;
            }
            Ok(())
        })
        .unwrap();
    (dir, store)
}

fn activity(c: &mut Criterion) {
    let (_dir, store) = filled();
    let mut group = c.benchmark_group("activity: 100k operations");
    let page = |q: OperationQuery| OperationQuery { limit: PAGE, ..q };
    let cases = [
        ("open (first page, no filter)", page(OperationQuery::default())),
        ("page 1000", page(OperationQuery { offset: 999 * PAGE, ..Default::default() })),
        ("filter by area", page(OperationQuery { area: Some("kyc".into()), ..Default::default() })),
        ("filter by status (waiting)", page(OperationQuery { status: Some(OperationStatus::Waiting), ..Default::default() })),
        ("search text (an invoice)", page(OperationQuery { text: Some("INV-054321".into()), ..Default::default() })),
    ];
    for (name, q) in cases {
        group.bench_function(name, |b| b.iter(|| assert!(store.operations_page(&q).unwrap().total > 0)));
    }
    group.finish();
}

criterion_group!(benches, activity);
criterion_main!(benches);
