use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use signet_providers::canonical::{to_sorted_json, JsonStyle};
use signet_providers::dollarpe_sign::signature;
use signet_sandbox::{demo, SandboxConfig, StyleCheck};

use crate::common::*;

async fn update(sb: &signet_sandbox::Sandbox, body: &Value, style: JsonStyle) -> (u16, Value) {
    json_of(dollarpe(sb, Method::PATCH, KYC_PATH, Some(body), style, 0).send().await.unwrap()).await
}

#[tokio::test]
async fn configuration_then_update() {
    // Verification far off, so the status seen is certainly the one right after the update.
    let sb = start_with(SandboxConfig { kyc_verify_after: Duration::from_secs(3600), ..Default::default() }).await;
    let resp = dollarpe(&sb, Method::GET, &format!("/cms/api/v1/kyc/configuration/{}", demo::CUSTOMER_NEW), None, JsonStyle::Python, 0).send().await.unwrap();
    assert!(resp.headers().get("date").is_some(), "DollarPe replies carry Date");
    let (status, v) = json_of(resp).await;
    assert_eq!(status, 200);
    assert_eq!((v["status"].as_bool(), v["message"].as_str()), (Some(true), Some("Success")));
    let data = &v["data"];
    assert_eq!(data["kyc_status"], json!("NOT_SUBMITTED"));
    assert_eq!((data["updates_used"].as_u64(), data["updates_allowed"].as_u64()), (Some(0), Some(3)));
    let passport = data["document_types"].as_array().unwrap().iter().find(|t| t["document_type"] == "PASSPORT").unwrap();
    assert_eq!(passport["additional_data"][0]["pattern"], json!("^[A-Z]{2}$"));

    let (status, v) = update(&sb, &passport_update(demo::CUSTOMER_NEW, "FX123456"), JsonStyle::Python).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["data"]["status"], json!("UNVERIFIED"));
    assert!(uuid::Uuid::parse_str(v["data"]["id"].as_str().unwrap()).is_ok());
    let data = kyc_status(&sb, demo::CUSTOMER_NEW).await;
    assert_eq!((data["kyc_status"].as_str(), data["updates_used"].as_u64()), (Some("UNVERIFIED"), Some(1)));
    assert_eq!(kyc_status(&sb, demo::CUSTOMER_VERIFIED).await["kyc_status"], json!("VERIFIED"));
}

#[tokio::test]
async fn verified_or_rejected_after_the_delay() {
    let sb = start_with(SandboxConfig { kyc_verify_after: Duration::from_millis(200), ..Default::default() }).await;
    assert_eq!(update(&sb, &passport_update(demo::CUSTOMER_NEW, "FX123456"), JsonStyle::Python).await.0, 200);
    assert_eq!(update(&sb, &passport_update(demo::CUSTOMER_SECOND, "REJ0001"), JsonStyle::Python).await.0, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(kyc_status(&sb, demo::CUSTOMER_NEW).await["kyc_status"], json!("VERIFIED"));
    assert_eq!(kyc_status(&sb, demo::CUSTOMER_SECOND).await["kyc_status"], json!("REJECTED"));
}

#[tokio::test]
async fn wrong_key_bad_signature_and_stale_timestamp_are_401() {
    let sb = start().await;
    let body = passport_update(demo::CUSTOMER_NEW, "FX1");
    let refused = |message: &str| json!({ "status": false, "message": message });

    let c = signet_sandbox::demo_credentials();
    let text = to_sorted_json(&body, JsonStyle::Python);
    let ts = unix_now();
    let good = signature(c.dollarpe_api_key, c.dollarpe_api_secret, ts, &text);
    let other_key_sig = signature("dp_someone_else", c.dollarpe_api_secret, ts, &text);
    let req = dollarpe_raw(&sb, Method::PATCH, KYC_PATH, "dp_someone_else", ts, &other_key_sig, Some(text.clone()));
    assert_eq!(json_of(req.send().await.unwrap()).await, (401, refused("Invalid API key")));

    let req = dollarpe_raw(&sb, Method::PATCH, KYC_PATH, c.dollarpe_api_key, ts, "AAAA", Some(text.clone()));
    assert_eq!(json_of(req.send().await.unwrap()).await, (401, refused("Invalid signature")));

    // Signed correctly, but the body was changed on the way.
    let req = dollarpe_raw(&sb, Method::PATCH, KYC_PATH, c.dollarpe_api_key, ts, &good, Some(text.replace("FX1", "FX2")));
    assert_eq!(json_of(req.send().await.unwrap()).await, (401, refused("Invalid signature")));

    // A GET signs `{}`: a signature over anything else is refused.
    let path = format!("/cms/api/v1/kyc/configuration/{}", demo::CUSTOMER_NEW);
    let sig = signature(c.dollarpe_api_key, c.dollarpe_api_secret, ts, "");
    let req = dollarpe_raw(&sb, Method::GET, &path, c.dollarpe_api_key, ts, &sig, None);
    assert_eq!(json_of(req.send().await.unwrap()).await, (401, refused("Invalid signature")));

    for skew in [-301, 400] {
        let req = dollarpe(&sb, Method::PATCH, KYC_PATH, Some(&body), JsonStyle::Python, skew);
        assert_eq!(json_of(req.send().await.unwrap()).await, (401, refused("Request timestamp is outside the allowed window")));
    }
    assert_eq!(kyc_status(&sb, demo::CUSTOMER_NEW).await["updates_used"], json!(0));
}

#[tokio::test]
async fn a_strict_style_refuses_the_other_style() {
    let body = passport_update(demo::CUSTOMER_NEW, "FX77");
    for (check, good, bad) in [(StyleCheck::Python, JsonStyle::Python, JsonStyle::Compact), (StyleCheck::Compact, JsonStyle::Compact, JsonStyle::Python)] {
        let sb = start_with(SandboxConfig { dollarpe_style: check, ..Default::default() }).await;
        assert_eq!(update(&sb, &body, bad).await, (401, json!({ "status": false, "message": "Invalid signature" })));
        assert_eq!(update(&sb, &body, good).await.0, 200);
    }
    let sb = start().await; // Either
    assert_eq!(update(&sb, &body, JsonStyle::Compact).await.0, 200);
    assert_eq!(update(&sb, &passport_update(demo::CUSTOMER_SECOND, "FX78"), JsonStyle::Python).await.0, 200);
}

#[tokio::test]
async fn refusals_name_what_is_wrong() {
    let sb = start().await;
    let not_found = json!({ "status": false, "message": "Customer not found or access denied" });
    for customer in [demo::CUSTOMER_OTHER_ORG, "4e6f1b20-0000-0000-0000-000000000000"] {
        assert_eq!(update(&sb, &passport_update(customer, "FX9"), JsonStyle::Python).await, (400, not_found.clone()));
        let path = format!("/cms/api/v1/kyc/configuration/{customer}");
        let resp = dollarpe(&sb, Method::GET, &path, None, JsonStyle::Python, 0).send().await.unwrap();
        assert_eq!(json_of(resp).await, (400, not_found.clone()));
    }
    let in_use = passport_update(demo::CUSTOMER_NEW, demo::DOCUMENT_IN_USE);
    assert_eq!(update(&sb, &in_use, JsonStyle::Python).await, (400, json!({ "status": false, "message": "KYC already in use" })));

    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut b = passport_update(demo::CUSTOMER_NEW, "FX10");
    b["document_type"] = json!("LIBRARY_CARD");
    cases.push((b, "document_type"));
    let mut b = passport_update(demo::CUSTOMER_NEW, "FX10");
    b["document_type"] = json!("NATIONAL_ID");
    cases.push((b, "document_back_image_url"));
    for url in ["ftp://files.example.com/a.jpg", "https://files.example.com/a.gif", "https://files.example.com/a.jpg.exe?x=.png", "a.jpg"] {
        let mut b = passport_update(demo::CUSTOMER_NEW, "FX10");
        b["document_front_image_url"] = json!(url);
        cases.push((b, "document_front_image_url"));
    }
    let mut b = passport_update(demo::CUSTOMER_NEW, "FX10");
    b["document_details"]["additional_data"]["issuing_country"] = json!("Brazil");
    cases.push((b, "issuing_country"));
    let mut b = passport_update(demo::CUSTOMER_NEW, "FX10");
    b["document_details"]["additional_data"] = json!({});
    cases.push((b, "issuing_country"));
    let mut b = passport_update(demo::CUSTOMER_NEW, "FX10");
    b.as_object_mut().unwrap().remove("full_address");
    cases.push((b, "full_address"));
    for (body, field) in cases {
        let (status, v) = update(&sb, &body, JsonStyle::Python).await;
        assert_eq!((status, v["status"].as_bool()), (400, Some(false)), "{body}");
        assert!(v["message"].as_str().unwrap().contains(field), "{field}: {v}");
    }
    // A national ID with both sides and a PDF back passes.
    let mut b = passport_update(demo::CUSTOMER_NEW, "FX11");
    b["document_type"] = json!("NATIONAL_ID");
    b["document_back_image_url"] = json!("http://files.example.com/back.PDF");
    assert_eq!(update(&sb, &b, JsonStyle::Python).await.0, 200);
}

#[tokio::test]
async fn at_most_three_updates_per_customer() {
    let sb = start().await;
    for i in 0..3 {
        let (status, v) = update(&sb, &passport_update(demo::CUSTOMER_NEW, &format!("FX20{i}")), JsonStyle::Python).await;
        assert_eq!(status, 200, "{v}");
    }
    assert_eq!(
        update(&sb, &passport_update(demo::CUSTOMER_NEW, "FX209"), JsonStyle::Python).await,
        (400, json!({ "status": false, "message": "Document info can be updated at most 3 times" }))
    );
    assert_eq!(kyc_status(&sb, demo::CUSTOMER_NEW).await["updates_used"], json!(3));
}
