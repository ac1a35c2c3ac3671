//! Faults injected in a real Sandbox against the writes Signet makes, with the
//! outbox checked against the Sandbox's journal afterwards: no operation is lost
//! (each has a settled record), none is doubled (the provider acted at most once),
//! and what the outbox says matches what the provider did.
//!
//! Every write Signet makes: myKaarma payment request and signature capture,
//! DollarPe KYC update, QI Tech opt-in signature, Signzy contract, Leegality
//! signing request (whose unknown outcomes are then settled by asking Leegality).
//!
//! `cargo test -p signet-core --test faults -- --nocapture` prints the tallies that
//! docs/RELIABILITY.md quotes.

use std::sync::Mutex;
use std::time::Duration;

use signet_core::bulk::{self, Control};
use signet_core::catalog::ProviderId;
use signet_core::kyc::DocumentInput;
use signet_core::store::{OperationStatus, Store};
use signet_core::{contracts, kyc, leegality, optin, payments, signatures};
use signet_providers::kpay::PaymentRequest;
use signet_providers::HttpConfig;
use signet_sandbox::{demo, Faults, JournalEntry, Sandbox, SandboxConfig};

/// Short limits, so a provider that stops answering is given up on quickly.
fn quick() -> HttpConfig {
    HttpConfig {
        total_timeout: Duration::from_millis(800),
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..HttpConfig::default()
    }
}

mod common;

/// A Sandbox-only admin call (never faulted): what it answered, as JSON.
async fn admin(url: &str, method: reqwest::Method, path: &str) -> serde_json::Value {
    reqwest::Client::new().request(method, format!("{url}{path}")).send().await.unwrap().json().await.unwrap()
}

fn request(invoice: &str) -> PaymentRequest {
    PaymentRequest { invoice_guid: invoice.into(), send_as_email: true, ..Default::default() }
}

/// Requests the provider acted on (its handler ran and did not refuse) whose path
/// or body contains `needle`.
fn acted(journal: &[JournalEntry], needle: &str) -> usize {
    journal
        .iter()
        .filter(|e| e.method != "GET" && (e.path.contains(needle) || e.body.contains(needle)))
        .filter(|e| matches!(e.fault.as_deref(), None | Some("drop_after")) && e.status.is_none_or(|s| s < 300))
        .count()
}

/// What a fault did to one operation, checked against the journal.
fn settled(db: &Mutex<Store>, key: &str, journal: &[JournalEntry], needle: &str) -> (OperationStatus, usize) {
    let op = db.lock().unwrap().operation(key).unwrap().expect("every operation has its record");
    let n = acted(journal, needle);
    assert!(n <= 1, "{needle}: the provider acted {n} times");
    match op.status {
        OperationStatus::Sent => assert_eq!(n, 1, "{needle}: recorded sent, but the provider did not act"),
        OperationStatus::Failed | OperationStatus::Waiting => assert_eq!(n, 0, "{needle}: recorded {:?}, but the provider acted", op.status),
        OperationStatus::Unknown => {} // the point of "unknown": the operator checks before sending again
        OperationStatus::Pending => panic!("{needle}: left pending"),
    }
    (op.status, n)
}

/// The one operation recorded about `subject` (a second would be a double).
fn only_operation(db: &Mutex<Store>, area: &str, subject: &str) -> String {
    let ops = db.lock().unwrap().operations_about(area, subject).unwrap();
    assert_eq!(ops.len(), 1, "{subject}: {} operations recorded", ops.len());
    ops[0].key.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_write_under_each_fault_is_recorded_as_what_happened() {
    let sb = Sandbox::start(SandboxConfig { port: 0, ..Default::default() }).await.unwrap();
    let url = sb.base_url();
    let dir = tempfile::tempdir().unwrap();
    let db = Mutex::new(Store::open_in(dir.path()).unwrap());
    let kpay = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, &url), quick()).unwrap();
    let signzy = signet_core::clients::signzy(&signet_sandbox::provider_access(ProviderId::Signzy, &url), quick()).unwrap();
    let dollarpe = signet_core::clients::dollarpe(&signet_sandbox::provider_access(ProviderId::Dollarpe, &url), quick()).unwrap();
    let qitech = signet_core::clients::qitech(&signet_sandbox::provider_access(ProviderId::Qitech, &url), quick()).unwrap();
    let leegality_client = signet_core::clients::leegality(&signet_sandbox::provider_access(ProviderId::Leegality, &url), quick()).unwrap();
    let mut leegality_unknown = Vec::new();
    let evidence_key = signet_core::evidence::key::SigningKey::from_bytes(&[3u8; 32]);
    let pdf_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts/contrato-reportlab.pdf");
    let pdf = std::fs::read(&pdf_path).unwrap();
    let optin_contract = signet_core::contract::load(&pdf_path).unwrap();

    let faults = [
        ("none", Faults::default(), OperationStatus::Sent),
        ("latency 300 ms", Faults { latency_ms: 300, ..Faults::default() }, OperationStatus::Sent),
        ("500 before acting", Faults { error_rate: 1.0, ..Faults::default() }, OperationStatus::Unknown),
        ("dropped before acting", Faults { drop_before_rate: 1.0, ..Faults::default() }, OperationStatus::Unknown),
        ("dropped after acting", Faults { drop_after_rate: 1.0, ..Faults::default() }, OperationStatus::Unknown),
        ("stops answering", Faults { hang: true, ..Faults::default() }, OperationStatus::Unknown),
    ];
    println!("| Operation | Fault | Recorded as | Provider acted |");
    println!("| --- | --- | --- | --- |");
    for (i, (name, fault, expected)) in faults.iter().enumerate() {
        sb.set_faults(fault.clone());

        let invoice = format!("0fa17000-0000-4000-8000-{i:012}");
        let _ = payments::send(&db, &kpay, "sandbox", demo::DEPARTMENT_SERVICE, &request(&invoice), Default::default()).await;
        let (status, n) = settled(&db, &only_operation(&db, payments::AREA, &invoice), &sb.journal(), &invoice);
        assert_eq!(status, *expected, "payment request, {name}");
        println!("| myKaarma payment request | {name} | {status:?} | {n} |");

        let contract = format!("Fault contract {i}");
        let signer = contracts::new_signer("Asha Rao", "asha@example.in", "9876543210", None).unwrap();
        let _ = contracts::initiate(&db, &signzy, "sandbox", &contract, "Signet", &pdf, vec![signer], 5, Default::default()).await;
        let (status, n) = settled(&db, &only_operation(&db, contracts::AREA, &contract), &sb.journal(), &contract);
        assert_eq!(status, *expected, "Signzy contract, {name}");
        println!("| Signzy contract | {name} | {status:?} | {n} |");

        let document = format!("Fault document {i}");
        let invitee = leegality::new_invitee("Asha Rao", "asha@example.in", "").unwrap();
        let _ = leegality::initiate(&db, &leegality_client, "sandbox", demo::LEEGALITY_WORKFLOW, &document, &pdf, vec![invitee], Default::default()).await;
        let key = only_operation(&db, leegality::AREA, &document);
        let (status, n) = settled(&db, &key, &sb.journal(), &document);
        assert_eq!(status, *expected, "Leegality signing request, {name}");
        if status == OperationStatus::Unknown {
            leegality_unknown.push((key, n));
        }
        println!("| Leegality signing request | {name} | {status:?} | {n} |");

        // myKaarma capture of a signature request made (without faults) for it.
        sb.set_faults(Faults::default());
        let esign = format!("0fa17000-0000-4000-8000-1{i:011}");
        let with_esign = PaymentRequest { esign_required: true, ..request(&esign) };
        payments::send(&db, &kpay, "sandbox", demo::DEPARTMENT_SERVICE, &with_esign, Default::default()).await.unwrap();
        let listed = admin(&url, reqwest::Method::GET, &format!("/_sandbox/kpay/signature-requests?invoiceGuid={esign}")).await;
        let spi = listed[0]["spiRequestUUID"].as_str().unwrap().to_string();
        sb.set_faults(fault.clone());
        let _ = signatures::capture(&db, &kpay, "sandbox", &spi, "https://docs.example.com/signed.pdf", Default::default()).await;
        let (status, n) = settled(&db, &only_operation(&db, signatures::AREA, &spi), &sb.journal(), &spi);
        assert_eq!(status, *expected, "capture, {name}");
        println!("| myKaarma signature capture | {name} | {status:?} | {n} |");

        // DollarPe KYC update, for a customer of its own (updates are limited).
        let customer = admin(&url, reqwest::Method::POST, "/_sandbox/dollarpe/customers").await["customer_id"].as_str().unwrap().to_string();
        let document = DocumentInput {
            customer_id: customer.clone(),
            document_type: "PASSPORT".into(),
            full_address: "Av. Paulista 1000, São Paulo".into(),
            document_number: format!("BR{i:07}"),
            front_url: format!("https://files.example.com/kyc/{i}.jpg"),
            back_url: None,
            additional_data: [("issuing_country".to_string(), "BR".to_string())].into(),
        };
        let _ = kyc::update(&db, &dollarpe, "sandbox", &document, Default::default()).await;
        let (status, n) = settled(&db, &only_operation(&db, kyc::AREA, &customer), &sb.journal(), &customer);
        assert_eq!(status, *expected, "KYC update, {name}");
        println!("| DollarPe KYC update | {name} | {status:?} | {n} |");

        // QI Tech opt-in signature on a debt of its own, with its evidence first.
        let debt = admin(&url, reqwest::Method::POST, "/_sandbox/qitech/debts").await["key"].as_str().unwrap().to_string();
        let session = uuid::Uuid::new_v4().to_string();
        let _ = optin::submit(&db, &evidence_key, &qitech, "sandbox", &debt, &common::signer(), &optin_contract, &common::circumstances(&session)).await;
        let (status, n) = settled(&db, &only_operation(&db, optin::AREA, &debt), &sb.journal(), &debt);
        assert_eq!(status, *expected, "QI Tech opt-in, {name}");
        let evidence = signet_core::evidence::ledger::find(&db.lock().unwrap(), &session).unwrap();
        assert_eq!(evidence.first().map(|r| r.kind.as_str()), Some("acceptance"), "the evidence is written before sending, whatever follows");
        println!("| QI Tech opt-in signature | {name} | {status:?} | {n} |");
    }

    // Leegality's unknown outcomes, settled by looking for each one's irn: found
    // exactly when Leegality acted on it.
    sb.set_faults(Faults::default());
    for (key, acted) in &leegality_unknown {
        let op = leegality::settle_by_search(&db, &leegality_client, key).await.unwrap();
        let expected = if *acted == 1 { OperationStatus::Sent } else { OperationStatus::Failed };
        assert_eq!(op.status, expected, "settling {key}: Leegality acted {acted} time(s)");
    }
    let listed = leegality::initiated(&db.lock().unwrap(), "sandbox").unwrap().len();
    println!("Leegality: {} unknown outcomes settled by irn; {listed} requests followed", leegality_unknown.len());

    // The network gone altogether: nothing reached the provider, so it waits to be
    // sent by Signet itself (see waiting_for_network.rs for the resend).
    sb.set_faults(Faults::default());
    let offline = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, "http://127.0.0.1:9"), quick()).unwrap();
    let invoice = "0fa17000-0000-4000-8000-0000000000ff";
    let _ = payments::send(&db, &offline, "sandbox", demo::DEPARTMENT_SERVICE, &request(invoice), Default::default()).await;
    let (status, n) = settled(&db, &only_operation(&db, payments::AREA, invoice), &sb.journal(), invoice);
    assert_eq!((status, n), (OperationStatus::Waiting, 0));
    println!("| myKaarma payment request | no network | {status:?} | {n} |");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_run_through_random_faults_loses_and_doubles_nothing() {
    const ROWS: usize = 400;
    let faults = Faults { latency_ms: 2, error_rate: 0.1, drop_before_rate: 0.1, drop_after_rate: 0.1, seed: Some(2026), ..Faults::default() };
    let sb = Sandbox::start(SandboxConfig { port: 0, faults, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = std::sync::Arc::new(Mutex::new(Store::open_in(dir.path()).unwrap()));
    let kpay = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, &sb.base_url()), quick()).unwrap();
    let invoices: Vec<String> = (0..ROWS).map(|i| format!("b0f0a170-0000-4000-8000-{i:012}")).collect();
    let csv = std::iter::once("department,invoice,options".to_string())
        .chain(invoices.iter().map(|inv| format!("{},{inv},email", demo::DEPARTMENT_SERVICE)))
        .collect::<Vec<_>>()
        .join("\n");
    let rows = bulk::parse_csv(csv.as_bytes()).unwrap();
    let (run, _) = bulk::open_run(&db.lock().unwrap(), "sandbox", "faults.csv", csv.as_bytes(), &rows).unwrap();
    let done = bulk::execute(&db, &kpay, "sandbox", &run, 8, &Control::default(), |_| {}).await.unwrap();
    assert!(done.finished(), "{done:?}");

    let journal = sb.journal();
    let injected = journal.iter().filter(|e| e.fault.is_some()).count();
    let (mut sent, mut unknown, mut failed) = (0, 0, 0);
    let rows = db.lock().unwrap().bulk_rows(&run).unwrap();
    for (row, invoice) in rows.iter().zip(&invoices) {
        let key = row.operation_key.as_deref().unwrap_or_else(|| panic!("row {} has no operation: lost", row.row_no));
        match settled(&db, key, &journal, invoice).0 {
            OperationStatus::Sent => sent += 1,
            OperationStatus::Unknown => unknown += 1,
            _ => failed += 1,
        }
    }
    assert_eq!(sent + unknown + failed, ROWS);
    assert_eq!(done.sent as usize, sent);
    // Resuming the finished run sends nothing more.
    let before = journal.len();
    bulk::execute(&db, &kpay, "sandbox", &run, 8, &Control::default(), |_| {}).await.unwrap();
    assert_eq!(sb.journal().len(), before);
    println!(
        "bulk of {ROWS} rows through random faults: {injected} faults injected; {sent} sent, {unknown} unknown (to check), {failed} failed; 0 lost, 0 doubled"
    );
}
