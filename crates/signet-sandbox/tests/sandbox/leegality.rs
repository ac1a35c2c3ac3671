use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use signet_sandbox::{demo, demo_credentials, Sandbox};

use crate::common::*;

const PDF: &[u8] = b"%PDF-1.4\n% a contract\n%%EOF\n";

fn leegality(sb: &Sandbox, method: Method, path: &str) -> reqwest::RequestBuilder {
    client().request(method, format!("{}{path}", sb.base_url())).header("X-Auth-Token", demo_credentials().leegality_token)
}

fn create_body(invitees: Value) -> Value {
    json!({
        "profileId": demo::LEEGALITY_WORKFLOW,
        "file": { "name": "Loan LN-7.pdf", "file": base64::engine::general_purpose::STANDARD.encode(PDF) },
        "invitees": invitees,
        "irn": "irn-7",
    })
}

async fn create(sb: &Sandbox, body: &Value) -> Value {
    let (status, v) = json_of(leegality(sb, Method::POST, "/v3.0/sign/request").json(body).send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn status_of(sb: &Sandbox, id: &str) -> Value {
    json_of(leegality(sb, Method::GET, &format!("/v3.2/sign/request?documentId={id}")).send().await.unwrap()).await.1
}

#[tokio::test]
async fn a_document_is_created_signed_by_each_invitee_and_fetched() {
    let sb = start().await;
    let v = create(&sb, &create_body(json!([{ "name": "Asha", "email": "asha@example.com" }, { "name": "Ravi", "phone": "9876543210" }]))).await;
    assert_eq!(v["status"], 1, "{v}");
    let id = v["data"]["documentId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 26);
    assert_eq!(v["data"]["irn"], "irn-7");
    let invitees = v["data"]["invitees"].as_array().unwrap();
    assert!(invitees.iter().all(|i| i["signUrl"].as_str().unwrap().contains("/leegality/sign/") && i["active"] == true));

    // Not complete: no audit trail yet; the document itself is the original.
    let before = leegality(&sb, Method::GET, &format!("/v3.1/document/fetchDocument?documentId={id}&documentDownloadType=AUDIT_TRAIL")).send().await.unwrap();
    let (_, refused) = json_of(before).await;
    assert_eq!((refused["status"].as_i64(), refused["messages"][0]["code"].as_str()), (Some(0), Some("no.document.found")));

    // One signs through the admin endpoint, the other through the page.
    let url = format!("{}/_sandbox/leegality/{id}/invitees/0/sign", sb.base_url());
    assert_eq!(client().post(url).send().await.unwrap().status(), 200);
    let page = invitees[1]["signUrl"].as_str().unwrap();
    assert!(client().get(page).send().await.unwrap().text().await.unwrap().contains("waiting"));
    assert_eq!(client().post(page).form(&[("action", "sign")]).send().await.unwrap().status(), 200);
    let s = status_of(&sb, &id).await;
    assert!(s["data"]["requests"].as_array().unwrap().iter().all(|r| r["signed"] == true), "{s}");

    let signed = leegality(&sb, Method::GET, &format!("/v3.1/document/fetchDocument?documentId={id}&documentDownloadType=DOCUMENT")).send().await.unwrap();
    assert_eq!(signed.headers()["content-type"], "application/pdf");
    let bytes = signed.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-") && String::from_utf8_lossy(&bytes).contains("signed through Leegality by Ravi"));
    let (_, found) = json_of(leegality(&sb, Method::GET, "/v3.0/sign/request/list?q=irn-7").send().await.unwrap()).await;
    assert_eq!(found["data"]["documents"][0]["documentId"], id.as_str());
}

#[tokio::test]
async fn refusals_come_as_status_0_and_a_wrong_token_as_401() {
    let sb = start().await;
    for (body, code) in [
        (json!({ "profileId": "nope", "file": {}, "invitees": [] }), "profile.id.invalid"),
        (create_body(json!([])), "invitees.invalid"),
        (create_body(json!([{ "name": "No contact" }])), "invitees.invalid"),
        (create_body(json!([{ "name": "A", "phone": "12345" }])), "invitees.invalid"),
    ] {
        let v = create(&sb, &body).await;
        assert_eq!((v["status"].as_i64(), v["messages"][0]["code"].as_str()), (Some(0), Some(code)), "{v}");
    }
    let mut not_pdf = create_body(json!([{ "name": "A", "email": "a@example.com" }]));
    not_pdf["file"]["file"] = json!(base64::engine::general_purpose::STANDARD.encode(b"<html>"));
    assert_eq!(create(&sb, &not_pdf).await["messages"][0]["code"], "file.invalid");
    assert_eq!(status_of(&sb, "NOPE").await["messages"][0]["code"], "no.document.found");

    let wrong = client().get(format!("{}/v3.2/sign/request?documentId=x", sb.base_url())).header("X-Auth-Token", "wrong").send().await.unwrap();
    let (status, v) = json_of(wrong).await;
    assert_eq!((status, v["messages"][0]["code"].as_str()), (401, Some("auth.token.invalid")));
}
