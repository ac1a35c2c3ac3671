use base64::Engine;
use serde_json::{json, Value};
use signet_sandbox::demo;

use crate::common::*;

const PDF: &[u8] = b"%PDF-1.4\n% a contract\n%%EOF\n";

fn initiate_body() -> Value {
    json!({
        "contractName": "Loan agreement LN-3001",
        "contractExecuterName": "Signet Demo Lending",
        "contractTtl": "15",
        "initialContract": base64::engine::general_purpose::STANDARD.encode(PDF),
        "signers": [
            { "signerName": "Asha Verma", "signerEmail": "asha@example.com", "signerMobile": "9876543210", "signatureType": "AADHAARESIGN-OTP" },
            { "signerName": "Ravi Nair", "signerEmail": "ravi@example.com", "signerMobile": "9876543211", "signatureType": "AADHAARESIGN-OTP" },
        ],
        "callbackUrl": "https://hooks.example.com/signzy",
    })
}

async fn pull(sb: &signet_sandbox::Sandbox, id: &str, base64: bool) -> (u16, Value) {
    json_of(signzy(sb, "/api/v3/contract/pullData", &json!({ "contractId": id, "base64EncodedOutput": base64 })).send().await.unwrap()).await
}

async fn sign(sb: &signet_sandbox::Sandbox, id: &str, signer: &str, body: Value) -> (u16, Value) {
    let url = format!("{}/_sandbox/signzy/{id}/signers/{signer}/sign", sb.base_url());
    json_of(client().post(url).json(&body).send().await.unwrap()).await
}

#[tokio::test]
async fn initiate_sign_and_complete() {
    let sb = start().await;
    let (status, v) = json_of(signzy(&sb, "/api/v3/contract/initiate", &initiate_body()).send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    let id = v["contractId"].as_str().unwrap().to_string();
    let signers = v["signerdetail"].as_array().unwrap().clone();
    assert_eq!(signers.len(), 2);
    let url = signers[0]["signerUrl"].as_str().unwrap();
    assert!(url.starts_with(&sb.base_url()));
    assert_eq!(client().get(url).send().await.unwrap().status(), 200);

    let (status, doc) = pull(&sb, &id, true).await;
    assert_eq!(status, 200);
    // The excerpt types counts and flags as strings.
    assert_eq!((doc["initialSignerCount"].as_str(), doc["signedSignerCount"].as_str(), doc["isCompleted"].as_str()), (Some("2"), Some("0"), Some("false")));
    assert_eq!(doc["initialContract"], json!(base64::engine::general_purpose::STANDARD.encode(PDF)));
    assert_eq!(doc["contractTtl"], json!("15"));
    for field in [
        "signerName",
        "signerId",
        "signatureType",
        "contractLastSignTime",
        "status",
        "aadhaarStatus",
        "signerIP",
        "noOfSuccessfulAttempts",
        "noOfFailureAttempts",
        "esignAttempts",
    ] {
        assert!(doc["signerdetail"][0].get(field).is_some(), "{field}");
    }

    let first = signers[0]["signerId"].as_str().unwrap();
    let second = signers[1]["signerId"].as_str().unwrap();
    assert_eq!(sign(&sb, &id, second, json!({ "outcome": "failure" })).await.0, 200);
    assert_eq!(sign(&sb, &id, first, json!({})).await.0, 200);
    let (_, doc) = pull(&sb, &id, false).await;
    assert_eq!((doc["contractStatus"].as_str(), doc["isCompleted"].as_str()), (Some("PARTIALLY_SIGNED"), Some("false")));
    assert_eq!(doc["signerdetail"][0]["signerIP"], json!("127.0.0.1"));
    assert_eq!(doc["signerdetail"][1]["noOfFailureAttempts"], json!("1"));
    assert_eq!(sign(&sb, &id, first, json!({})).await.0, 409);

    assert_eq!(sign(&sb, &id, second, json!({})).await.0, 200);
    let (_, doc) = pull(&sb, &id, false).await;
    assert_eq!((doc["contractStatus"].as_str(), doc["isCompleted"].as_str(), doc["signedSignerCount"].as_str()), (Some("COMPLETED"), Some("true"), Some("2")));
    let final_url = doc["finalSignedContract"].as_str().unwrap();
    let pdf = client().get(final_url).send().await.unwrap().bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(doc["finalSignedContractHash"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn the_demo_contract_is_half_signed() {
    let sb = start().await;
    let (status, doc) = pull(&sb, demo::CONTRACT_HALF_SIGNED, true).await;
    assert_eq!(status, 200);
    assert_eq!((doc["signedSignerCount"].as_str(), doc["contractStatus"].as_str()), (Some("1"), Some("PARTIALLY_SIGNED")));
    let status_of = |id: &str| doc["signerdetail"].as_array().unwrap().iter().find(|s| s["signerId"] == id).unwrap()["status"].clone();
    assert_eq!((status_of(demo::CONTRACT_SIGNER_SIGNED), status_of(demo::CONTRACT_SIGNER_PENDING)), (json!("SIGNED"), json!("PENDING")));
}

#[tokio::test]
async fn wrong_token_unknown_contract_and_bad_bodies() {
    let sb = start().await;
    let url = format!("{}/api/v3/contract/pullData", sb.base_url());
    let body = json!({ "contractId": demo::CONTRACT_HALF_SIGNED });
    for req in [client().post(&url).header("Authorization", "nope"), client().post(&url)] {
        assert_eq!(json_of(req.json(&body).send().await.unwrap()).await, (401, json!({ "error": { "message": "Unauthorized", "statusCode": 401 } })));
    }
    assert_eq!(pull(&sb, "no-such-contract", false).await, (404, json!({ "error": { "message": "Contract not found", "statusCode": 404 } })));
    let mut not_pdf = initiate_body();
    not_pdf["initialContract"] = json!(base64::engine::general_purpose::STANDARD.encode(b"hello"));
    let mut no_signers = initiate_body();
    no_signers["signers"] = json!([]);
    let mut no_email = initiate_body();
    no_email["signers"][1].as_object_mut().unwrap().remove("signerEmail");
    for (body, says) in [(not_pdf, "initialContract"), (no_signers, "signers"), (no_email, "signers[1].signerEmail")] {
        let (status, v) = json_of(signzy(&sb, "/api/v3/contract/initiate", &body).send().await.unwrap()).await;
        assert_eq!((status, v["error"]["statusCode"].as_u64()), (400, Some(400)));
        assert!(v["error"]["message"].as_str().unwrap().contains(says), "{v}");
    }
}
