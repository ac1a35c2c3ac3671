use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use signet_providers::canonical::JsonStyle;
use signet_sandbox::demo;

use crate::common::*;

#[tokio::test]
async fn whoami_echoes_the_callers_address() {
    let sb = start().await;
    let mut stream = tokio::net::TcpStream::connect(sb.base_url().trim_start_matches("http://")).await.unwrap();
    let ours = stream.local_addr().unwrap();
    stream.write_all(b"GET /_sandbox/whoami HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body, json!({ "ip": "127.0.0.1", "port": ours.port() }));
}

#[tokio::test]
async fn the_journal_keeps_requests_and_redacts_credentials() {
    let sb = start().await;
    let path = format!("{}?debug=1", payment_request_path(demo::DEPARTMENT_SERVICE));
    kpay(&sb, Method::POST, &path).json(&payment_body(demo::INVOICE_BRAKES, true, false, false)).send().await.unwrap();
    let body = passport_update(demo::CUSTOMER_NEW, "FX1");
    dollarpe(&sb, Method::PATCH, KYC_PATH, Some(&body), JsonStyle::Python, 0).send().await.unwrap();
    client().get(format!("{}/_sandbox/health", sb.base_url())).send().await.unwrap();

    let (status, journal) = json_of(client().get(format!("{}/_sandbox/journal", sb.base_url())).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let entries = journal.as_array().unwrap();
    assert_eq!(entries.len(), 2, "admin paths are not journaled: {journal}");
    let kpay_entry = &entries[0];
    assert_eq!((kpay_entry["seq"].as_u64(), kpay_entry["method"].as_str(), kpay_entry["path"].as_str()), (Some(1), Some("POST"), Some(path.as_str())));
    assert_eq!(kpay_entry["headers"]["authorization"], json!("<redacted>"));
    assert_eq!(kpay_entry["status"], json!(200));
    assert!(kpay_entry["body"].as_str().unwrap().contains(demo::INVOICE_BRAKES));
    assert!(kpay_entry["client"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert!(kpay_entry["at"].as_str().unwrap().ends_with('Z'));
    let dp = &entries[1];
    for h in ["x-api-key", "x-signature"] {
        assert_eq!(dp["headers"][h], json!("<redacted>"));
    }
    assert!(dp["headers"]["x-timestamp"].as_str().unwrap().parse::<i64>().is_ok());
    assert_eq!(dp["body"], json!(signet_providers::canonical::to_sorted_json(&body, JsonStyle::Python)));
    assert!(!journal.to_string().contains(signet_sandbox::demo_credentials().dollarpe_api_key));
}

#[tokio::test]
async fn hosted_files_serve_kyc_documents() {
    let sb = start().await;
    let put = client()
        .put(format!("{}/_sandbox/files/kyc/front.png", sb.base_url()))
        .header("Content-Type", "image/png")
        .body(b"\x89PNG fake".to_vec())
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(put).await;
    assert_eq!(status, 201);
    let url = v["url"].as_str().unwrap().to_string();
    let got = client().get(&url).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(&got.bytes().await.unwrap()[..], b"\x89PNG fake");

    let mut body = passport_update(demo::CUSTOMER_NEW, "FX5");
    body["document_front_image_url"] = json!(url);
    let resp = dollarpe(&sb, Method::PATCH, KYC_PATH, Some(&body), JsonStyle::Python, 0).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(client().get(format!("{}/_sandbox/files/nothing.png", sb.base_url())).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn health_and_shutdown() {
    let sb = start().await;
    let base = sb.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    let (status, v) = json_of(client().get(format!("{base}/_sandbox/health")).send().await.unwrap()).await;
    assert_eq!((status, v), (200, json!({ "status": "ok" })));
    sb.shutdown().await;
    assert!(client().get(format!("{base}/_sandbox/health")).send().await.is_err());
}
