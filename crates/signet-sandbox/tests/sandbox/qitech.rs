use reqwest::Method;
use serde_json::{json, Value};
use signet_sandbox::demo;

use crate::common::*;

fn signed_path(key: &str) -> String {
    format!("/debt/{key}/signed")
}

#[tokio::test]
async fn opt_in_signature_is_received_and_listed() {
    let sb = start().await;
    let uri = signed_path(demo::DEBT_OPEN);
    let resp = qi(&sb, Method::POST, &uri, &opt_in_body()).send().await.unwrap();
    let (status, v) = qi_verified(resp, "POST", &uri).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["key"].as_str(), v["status"].as_str(), v["webhook_type"].as_str()), (Some(demo::DEBT_OPEN), Some("signature_received"), Some("debt")));
    assert_eq!(v["data"], json!({}));
    let at = v["event_datetime"].as_str().unwrap();
    assert_eq!((at.len(), &at[10..11], &at[13..14]), (19, " ", ":"), "{at}");

    let resp = qi(&sb, Method::GET, "/notification/events", &Value::Null).send().await.unwrap();
    let (status, events) = qi_verified(resp, "GET", "/notification/events").await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, [demo::DEBT_SIGNED, demo::DEBT_OPEN]);
    assert_eq!(events["data"][1]["event_type"], json!("signature_received"));

    // Signed twice: 409; an unknown debt: 404; both signed, both double-encoded.
    let resp = qi(&sb, Method::POST, &uri, &opt_in_body()).send().await.unwrap();
    let (status, v) = qi_verified(resp, "POST", &uri).await;
    assert_eq!((status, qi_error(&v)["code"].as_str()), (409, Some("LEG000409")));
    let unknown = signed_path("no-such-debt");
    let resp = qi(&sb, Method::POST, &unknown, &opt_in_body()).send().await.unwrap();
    let (status, v) = qi_verified(resp, "POST", &unknown).await;
    assert_eq!((status, qi_error(&v)["code"].as_str()), (404, Some("LEG000404")));
}

#[tokio::test]
async fn upload_returns_a_document_key() {
    let sb = start().await;
    let boundary = "signet-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contract.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
        .into_bytes();
    body.extend_from_slice(b"%PDF-1.4 test");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let claims = qi_claims(&body, "POST", "/upload");
    let resp = qi_with(&sb, Method::POST, "/upload", body, &claims, &format!("multipart/form-data; boundary={boundary}")).send().await.unwrap();
    let (status, v) = qi_verified(resp, "POST", "/upload").await;
    assert_eq!(status, 200, "{v}");
    assert!(uuid::Uuid::parse_str(v["document_key"].as_str().unwrap()).is_ok());
    assert_eq!(v["document_md5"], json!(signet_providers::jws::md5_hex(b"%PDF-1.4 test")));

    // No file field: LEG000069 naming it.
    let resp = qi(&sb, Method::POST, "/upload", &json!({})).send().await.unwrap();
    let (status, v) = qi_verified(resp, "POST", "/upload").await;
    assert_eq!(status, 400);
    assert!(qi_error(&v)["extra_fields"]["file"].is_string());
}

#[tokio::test]
async fn a_token_that_does_not_match_the_request_is_401() {
    let sb = start().await;
    let uri = signed_path(demo::DEBT_OPEN);
    let body = serde_json::to_vec(&opt_in_body()).unwrap();

    let mut wrong_md5 = qi_claims(&body, "POST", &uri);
    wrong_md5.payload_md5 = signet_providers::jws::md5_hex(b"something else");
    let mut wrong_uri = qi_claims(&body, "POST", &uri);
    wrong_uri.uri = signed_path(demo::DEBT_OPEN_2);
    let mut wrong_method = qi_claims(&body, "POST", &uri);
    wrong_method.method = "PUT".into();
    let mut stale = qi_claims(&body, "POST", &uri);
    stale.timestamp = signet_providers::jws::iso_timestamp(time::OffsetDateTime::now_utc() - time::Duration::seconds(301));
    for (claims, claim) in [(wrong_md5, "payload_md5"), (wrong_uri, "uri"), (wrong_method, "method"), (stale, "timestamp")] {
        let resp = qi_with(&sb, Method::POST, &uri, body.clone(), &claims, "application/json").send().await.unwrap();
        // The raw body keeps QI's double encoding: a JSON string inside `data`.
        let (status, v) = qi_verified(resp, "POST", &uri).await;
        assert_eq!(status, 401);
        let inner = qi_error(&v);
        assert_eq!((inner["code"].as_str(), inner["title"].as_str()), (Some("AUT000001"), Some("Unauthorized")));
        assert!(inner["extra_fields"][claim].is_string(), "{claim}: {inner}");
    }

    let forged = client()
        .post(format!("{}{uri}", sb.base_url()))
        .header("API-CLIENT-KEY", "someone-else")
        .header("AUTHORIZATION", qi_token(&qi_claims(&body, "POST", &signed_path(demo::DEBT_OPEN_2))))
        .body(body.clone());
    let (status, v) = qi_verified(forged.send().await.unwrap(), "POST", &uri).await;
    assert_eq!((status, qi_error(&v)["code"].as_str()), (401, Some("AUT000001")));
    // A token signed by another key (QI's own, here) is refused.
    let qi_key = signet_providers::jws::signing_key_from_pem(include_str!("../../keys/qitech-private.pem")).unwrap();
    let foreign = client()
        .post(format!("{}{}", sb.base_url(), signed_path(demo::DEBT_OPEN_2)))
        .header("API-CLIENT-KEY", signet_sandbox::demo_credentials().qitech_api_client_key)
        .header("AUTHORIZATION", signet_providers::jws::sign(&qi_key, &qi_claims(&body, "POST", &signed_path(demo::DEBT_OPEN_2))))
        .body(body);
    assert_eq!(foreign.send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn an_invalid_body_is_leg000069_naming_each_field() {
    let sb = start().await;
    let uri = signed_path(demo::DEBT_OPEN);
    let mut body = opt_in_body();
    body["signatures"][0]["signer"]["document_number"] = json!("61766976205");
    let resp = qi(&sb, Method::POST, &uri, &body).send().await.unwrap();
    let raw = resp.text().await.unwrap();
    // As the excerpt writes it: Python's spacing in both layers, keys in its order, UTF-8 as is.
    assert!(raw.starts_with(r#"{"data": "{\"title\": \"Bad Request\", \"description\": \"Invalid request body.\", \"translation\": \"Corpo da requisição inválido.\", \"extra_fields\": {"#), "{raw}");
    let inner = qi_error(&serde_json::from_str(&raw).unwrap());
    assert_eq!(inner["code"], json!("LEG000069"));
    assert_eq!(inner["translation"], json!("Corpo da requisição inválido."));
    assert_eq!(inner["extra_fields"], json!({ "signatures[0].signer.document_number": "invalid CPF" }));

    let mut body = opt_in_body();
    let sig = &mut body["signatures"][0];
    sig["authenticity"]["timestamp"] = json!("1970-01-01T00:00:01");
    sig["authenticity"]["ip_address"] = json!("999.1.1.1");
    sig["authenticity"].as_object_mut().unwrap().remove("session_id");
    sig["signer"]["phone"] = json!({ "country_code": "55", "area_code": "011", "number": "99999-9999" });
    sig["signed_object"]["raw_text"] = json!("");
    sig["authentication_type"] = json!("token");
    body["type"] = json!("data-signature");
    let resp = qi(&sb, Method::POST, &uri, &body).send().await.unwrap();
    let (status, v) = qi_verified(resp, "POST", &uri).await;
    assert_eq!(status, 400);
    let fields = qi_error(&v)["extra_fields"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let expected = [
        "signatures[0].authentication_type",
        "signatures[0].authenticity.ip_address",
        "signatures[0].authenticity.session_id",
        "signatures[0].authenticity.timestamp",
        "signatures[0].signed_object.raw_text",
        "signatures[0].signer.phone.area_code",
        "signatures[0].signer.phone.country_code",
        "signatures[0].signer.phone.number",
        "type",
    ];
    assert_eq!(fields, expected);

    let resp = qi(&sb, Method::POST, &uri, &json!({ "type": "data_signature", "signatures": [] })).send().await.unwrap();
    let (status, v) = qi_verified(resp, "POST", &uri).await;
    assert_eq!((status, qi_error(&v)["extra_fields"]["signatures"].is_string()), (400, true));
    // Nothing was signed by the refusals.
    assert_eq!(qi(&sb, Method::POST, &uri, &opt_in_body()).send().await.unwrap().status(), 200);
}
