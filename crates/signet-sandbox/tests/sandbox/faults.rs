use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use signet_sandbox::{demo, Faults, Sandbox, SandboxConfig};

use crate::common::*;

fn always(f: Faults) -> SandboxConfig {
    SandboxConfig { faults: f, ..Default::default() }
}

async fn send_payment(sb: &Sandbox, invoice: &str) -> reqwest::Result<reqwest::Response> {
    kpay(sb, Method::POST, &payment_request_path(demo::DEPARTMENT_SERVICE)).json(&payment_body(invoice, true, true, false)).send().await
}

#[tokio::test]
async fn error_rate_answers_500_in_each_providers_shape_without_running_the_handler() {
    let sb = start_with(always(Faults { error_rate: 1.0, ..Default::default() })).await;
    let invoice = uuid::Uuid::new_v4().to_string();
    let (status, v) = json_of(send_payment(&sb, &invoice).await.unwrap()).await;
    assert_eq!(status, 500);
    assert_eq!(v["errors"][0]["errorCode"], json!(500));
    assert!(payment_requests_of(&sb, &invoice).await.is_empty(), "the handler must not have run");

    let body = passport_update(demo::CUSTOMER_NEW, "FX1");
    let resp = dollarpe(&sb, Method::PATCH, KYC_PATH, Some(&body), signet_providers::canonical::JsonStyle::Python, 0).send().await.unwrap();
    assert_eq!(json_of(resp).await, (500, json!({ "status": false, "message": "Internal Server Error" })));

    let uri = format!("/debt/{}/signed", demo::DEBT_OPEN);
    let (status, v) = qi_verified(qi(&sb, Method::POST, &uri, &opt_in_body()).send().await.unwrap(), "POST", &uri).await;
    assert_eq!((status, qi_error(&v)["code"].as_str()), (500, Some("SYS000500")));

    let resp = signzy(&sb, "/api/v3/contract/pullData", &json!({ "contractId": demo::CONTRACT_HALF_SIGNED })).send().await.unwrap();
    assert_eq!(json_of(resp).await, (500, json!({ "error": { "message": "Internal Server Error", "statusCode": 500 } })));

    sb.set_faults(Faults::default());
    // No state changed: the customer's first update and the debt's signature still go through.
    assert_eq!(kyc_status(&sb, demo::CUSTOMER_NEW).await["updates_used"], json!(0));
    assert_eq!(qi(&sb, Method::POST, &uri, &opt_in_body()).send().await.unwrap().status(), 200);
    let journal = sb.journal();
    assert!(journal[..4].iter().all(|e| e.status == Some(500) && e.fault.as_deref() == Some("error_rate")), "{journal:#?}");
}

#[tokio::test]
async fn drop_before_closes_the_connection_and_changes_nothing() {
    let sb = start_with(always(Faults { drop_before_rate: 1.0, ..Default::default() })).await;
    let invoice = uuid::Uuid::new_v4().to_string();
    let err = send_payment(&sb, &invoice).await.expect_err("no answer");
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    assert!(payment_requests_of(&sb, &invoice).await.is_empty());
    let last = sb.journal().pop().unwrap();
    assert_eq!((last.status, last.fault.as_deref()), (None, Some("drop_before")));
    assert!(last.body.contains(&invoice));
}

#[tokio::test]
async fn drop_after_runs_the_handler_then_closes_the_connection() {
    let sb = start_with(always(Faults { drop_after_rate: 1.0, ..Default::default() })).await;
    let invoice = uuid::Uuid::new_v4().to_string();
    let err = send_payment(&sb, &invoice).await.expect_err("no answer");
    assert!(err.status().is_none(), "{err:?}");
    // The caller saw nothing, but the payment request exists.
    assert_eq!(payment_requests_of(&sb, &invoice).await.len(), 1);
    let last = sb.journal().pop().unwrap();
    assert_eq!((last.status, last.fault.as_deref()), (None, Some("drop_after")));
}

#[tokio::test]
async fn hang_never_answers_but_admin_paths_still_do() {
    let sb = start_with(always(Faults { hang: true, error_rate: 1.0, ..Default::default() })).await;
    let req = kpay(&sb, Method::POST, &payment_request_path(demo::DEPARTMENT_SERVICE))
        .json(&payment_body(demo::INVOICE_BRAKES, true, false, false))
        .timeout(Duration::from_millis(500));
    assert!(req.send().await.expect_err("hangs").is_timeout());
    let health = client().get(format!("{}/_sandbox/health", sb.base_url())).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let journal = sb.journal();
    assert_eq!(journal.len(), 1, "admin paths are not journaled");
    assert_eq!((journal[0].status, journal[0].fault.as_deref()), (None, Some("hang")));
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sb = start_with(always(Faults { latency_ms: 300, ..Default::default() })).await;
    let started = Instant::now();
    assert_eq!(send_payment(&sb, &uuid::Uuid::new_v4().to_string()).await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn seeded_faults_repeat_exactly() {
    let faults = Faults { error_rate: 0.5, seed: Some(42), ..Default::default() };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sb = start_with(always(faults.clone())).await;
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(send_payment(&sb, &uuid::Uuid::new_v4().to_string()).await.unwrap().status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&200) && runs[0].contains(&500), "{:?}", runs[0]);
}

#[tokio::test]
async fn faults_are_set_over_http() {
    let sb = start().await;
    let url = format!("{}/_sandbox/faults", sb.base_url());
    let resp = client().put(&url).json(&json!({ "error_rate": 1.0 })).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(sb.faults().error_rate, 1.0);
    let (_, v) = json_of(client().get(&url).send().await.unwrap()).await;
    assert_eq!(v["error_rate"], json!(1.0));
    assert_eq!(send_payment(&sb, demo::INVOICE_BRAKES).await.unwrap().status(), 500);
    assert_eq!(client().put(&url).json(&json!({ "drop_after_rate": 1.5 })).send().await.unwrap().status(), 400);
    assert_eq!(client().put(&url).json(&json!({})).send().await.unwrap().status(), 200);
    assert_eq!(send_payment(&sb, demo::INVOICE_BRAKES).await.unwrap().status(), 200);
}
