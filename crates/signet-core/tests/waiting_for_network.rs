//! An operation that cannot reach the provider waits, and is sent again by Signet
//! itself once the network is back: once, under the same operation key.

use signet_core::outbox::SendChoice;
use std::sync::Mutex;

use signet_core::catalog::ProviderId;
use signet_core::store::{OperationStatus, Store};
use signet_core::{outbox, payments, retry, signatures};
use signet_providers::kpay::PaymentRequest;
use signet_providers::HttpConfig;
use signet_sandbox::{demo, Sandbox, SandboxConfig};

/// An address where nothing listens: connections are refused, nothing is sent.
fn dead_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn quick() -> HttpConfig {
    HttpConfig { max_attempts: 2, base_delay: std::time::Duration::from_millis(10), ..HttpConfig::default() }
}

fn request(invoice: &str) -> PaymentRequest {
    PaymentRequest {
        invoice_guid: invoice.into(),
        send_without_kpay: false,
        attach_invoice: true,
        send_as_text: true,
        send_as_email: true,
        esign_required: false,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_found_no_network_is_sent_once_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let db = Mutex::new(Store::open_in(dir.path()).unwrap());
    let offline = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, &dead_address()), quick()).unwrap();

    let err = payments::send(&db, &offline, "sandbox", demo::DEPARTMENT_SERVICE, &request(demo::INVOICE_BRAKES), SendChoice::default()).await.unwrap_err();
    assert_eq!(err.code(), "waiting", "{err}");
    assert!(err.to_string().contains("Nothing was sent"), "{err}");
    let key = err.body().detail.unwrap()["operationKey"].as_str().unwrap().to_string();
    let waiting = db.lock().unwrap().operation(&key).unwrap().unwrap();
    assert_eq!((waiting.status, waiting.attempts), (OperationStatus::Waiting, 1));
    assert!(waiting.retry_at.is_some());

    // The guard counts it: a second send of the same invoice is asked about.
    let again = payments::send(&db, &offline, "sandbox", demo::DEPARTMENT_SERVICE, &request(demo::INVOICE_BRAKES), SendChoice::default()).await.unwrap_err();
    assert_eq!(again.code(), "conflict");
    assert!(again.to_string().contains("waiting for the network"), "{again}");

    // Not due yet: a pass sends nothing.
    let sb = Sandbox::start(SandboxConfig { port: 0, ..Default::default() }).await.unwrap();
    let url = sb.base_url();
    let access_for = move |_: &str, p: ProviderId| Ok(signet_sandbox::provider_access(p, &url));
    assert_eq!(retry::run_due(&db, &access_for).await.unwrap(), retry::RetryPass::default());
    assert_eq!(sb.journal().len(), 0);

    // The network is back and its time has come: sent once, same key, two attempts.
    outbox::retry_now(&db.lock().unwrap(), &key).unwrap();
    let pass = retry::run_due(&db, &access_for).await.unwrap();
    assert_eq!(pass, retry::RetryPass { sent: 1, still_waiting: 0, other: 0 });
    let sent = db.lock().unwrap().operation(&key).unwrap().unwrap();
    assert_eq!((sent.status, sent.attempts, sent.retry_at.as_deref()), (OperationStatus::Sent, 2, None));
    assert!(sent.response.unwrap()["paymentLink"].as_str().is_some_and(|l| l.starts_with("http")));
    let received = sb.journal().iter().filter(|e| e.method == "POST" && e.body.contains(demo::INVOICE_BRAKES)).count();
    assert_eq!(received, 1);

    // Nothing is left due: another pass sends nothing more.
    outbox::retry_now(&db.lock().unwrap(), &key).unwrap_err();
    assert_eq!(retry::run_due(&db, &access_for).await.unwrap(), retry::RetryPass::default());
    assert_eq!(sb.journal().iter().filter(|e| e.method == "POST").count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn still_unreachable_waits_longer_and_the_operator_can_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let db = Mutex::new(Store::open_in(dir.path()).unwrap());
    let dead = dead_address();
    let offline = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, &dead), quick()).unwrap();
    let spi = "5a1c3e2b-8d7f-4e6a-9b0c-1d2e3f4a5b6c";
    let err = signatures::capture(&db, &offline, "sandbox", spi, "https://docs.example.com/signed.pdf", Default::default()).await.unwrap_err();
    assert_eq!(err.code(), "waiting");
    let key = err.body().detail.unwrap()["operationKey"].as_str().unwrap().to_string();

    let access_for = move |_: &str, p: ProviderId| Ok(signet_sandbox::provider_access(p, &dead));
    outbox::retry_now(&db.lock().unwrap(), &key).unwrap();
    let first_retry_at = chrono_free_now();
    let pass = retry::run_due(&db, &access_for).await.unwrap();
    assert_eq!(pass.still_waiting, 1);
    let op = db.lock().unwrap().operation(&key).unwrap().unwrap();
    assert_eq!((op.status, op.attempts), (OperationStatus::Waiting, 2));
    assert!(op.retry_at.as_deref().unwrap() > first_retry_at.as_str(), "the next try is later");

    let cancelled = outbox::cancel_waiting(&db.lock().unwrap(), &key).unwrap();
    assert_eq!(cancelled.status, OperationStatus::Failed);
    assert_eq!(cancelled.response.unwrap()["code"], "cancelled");
    assert_eq!(outbox::cancel_waiting(&db.lock().unwrap(), &key).unwrap_err().code(), "conflict");
}

fn chrono_free_now() -> String {
    outbox::now()
}
