//! Each client against a real HTTP server (wiremock): the exact method, path,
//! headers and body bytes it sends, and how it reads every documented reply.

use std::process::Command;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{json, Value};
use signet_providers::canonical::JsonStyle;
use signet_providers::dollarpe::{DocumentDetails, DollarPe, UpdateDocumentInfo};
use signet_providers::http::HttpConfig;
use signet_providers::kpay::{Kpay, PaymentRequest};
use signet_providers::qitech::{AuthScheme, Authenticity, DataSignature, Phone, QiTech, Signer};
use signet_providers::signzy::Signzy;
use signet_providers::{jws, ProviderError};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const DEPT: &str = "4e6f1b20-a73c-11ec-b909-0242ac120002";
const PRIVATE: &str = include_str!("../../signet-core/tests/fixtures/p521-private.pem");
const PUBLIC: &str = include_str!("../../signet-core/tests/fixtures/p521-public.pem");

fn fast() -> HttpConfig {
    HttpConfig {
        total_timeout: Duration::from_millis(800),
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..HttpConfig::default()
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

async fn only_request(server: &MockServer) -> Request {
    let mut received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "expected exactly one request");
    received.remove(0)
}

fn kpay(server: &MockServer) -> Kpay {
    Kpay::new(&server.uri(), "desk-user", secret("s3cret:pw"), fast())
}

fn payment() -> PaymentRequest {
    PaymentRequest {
        invoice_guid: "0b9c0a52-9d3e-4a8f-8f4b-7e1f2d3c4b5a".into(),
        send_as_text: true,
        send_as_email: true,
        esign_required: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn kpay_sends_the_documented_request_with_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/payment/v4/departments/{DEPT}/payment-requests")))
        // base64("desk-user:s3cret:pw")
        .and(header("authorization", "Basic ZGVzay11c2VyOnMzY3JldDpwdw=="))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [], "warnings": [], "paymentLink": "https://pay/1", "invoiceLink": "https://inv/1",
            "textSent": "FAILURE", "emailSent": "SUCCESS"
        })))
        .mount(&server)
        .await;
    let reply = kpay(&server).send_payment_request(DEPT, &payment(), "op-1").await.unwrap();
    assert_eq!(reply.payment_link.as_deref(), Some("https://pay/1"));
    // A half-success is visible as such.
    assert_eq!(reply.failed_channels(&payment()), vec!["text"]);

    let req = only_request(&server).await;
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        json!({"invoiceGuid": "0b9c0a52-9d3e-4a8f-8f4b-7e1f2d3c4b5a", "sendWithoutKpay": false, "attachInvoice": false,
               "sendAsText": true, "sendAsEmail": true, "esignRequired": true})
    );
}

#[tokio::test]
async fn kpay_errors_keep_the_providers_code_title_and_message() {
    let server = MockServer::start().await;
    let errors =
        |code: i64, title: &str| json!({"errors": [{"errorCode": code, "errorTitle": title, "errorMessage": "m", "errorDescription": "d"}], "warnings": []});
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(400).set_body_json(errors(1042, "Invoice not found"))).mount(&server).await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(401).set_body_json(errors(401, "Unauthorized"))).mount(&server).await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "error": {"errorCode": "SPI_ALREADY_SIGNED", "errorDescription": "already signed"}, "warnings": [], "requestUUID": "r", "status": "FAILURE"
        })))
        .mount(&server)
        .await;

    match kpay(&server).send_payment_request(DEPT, &payment(), "op").await.unwrap_err() {
        ProviderError::Rejected(r) => {
            assert_eq!((r.code.as_str(), r.title.as_str(), r.message.as_str(), r.http_status), ("1042", "Invoice not found", "m", 400))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(kpay(&server).get_signature_request("spi").await.unwrap_err().code(), "provider_auth");
    // A 200 whose status is FAILURE is not a success.
    match kpay(&server).capture_signature("spi", "https://docs/signed.pdf", "op").await.unwrap_err() {
        ProviderError::Rejected(r) => assert_eq!((r.code.as_str(), r.message.as_str()), ("SPI_ALREADY_SIGNED", "already signed")),
        other => panic!("{other:?}"),
    }
}

fn kyc_update() -> UpdateDocumentInfo {
    UpdateDocumentInfo {
        customer_id: "4e6f1b20-a73c-11ec-b909-0242ac120002".into(),
        full_address: "Rua São João, 12".into(),
        document_type: "PASSPORT".into(),
        document_front_image_url: "https://files/front.jpg".into(),
        document_back_image_url: None,
        document_details: DocumentDetails {
            document_number: "123456123456".into(),
            additional_data: [("issuing_country".to_string(), json!("BR")), ("expiry".to_string(), json!({"year": 2030, "month": 1}))].into(),
        },
    }
}

/// Computes the HMAC with Python's own json and hmac modules: an independent vector.
fn python_signature(style: &str, body: &Value, timestamp: &str) -> (String, String) {
    let script = r#"
import base64, hashlib, hmac, json, sys
style, body, ts = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
text = json.dumps(body, sort_keys=True) if style == "python" else json.dumps(body, sort_keys=True, separators=(",", ":"))
sig = base64.b64encode(hmac.new(b"sk_live_x", f"ak_live_y|{ts}|{text}".encode(), hashlib.sha256).digest()).decode()
print(text); print(sig)
"#;
    let out = Command::new("python3").args(["-c", script, style, &body.to_string(), timestamp]).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    (lines.next().unwrap().to_string(), lines.next().unwrap().to_string())
}

#[tokio::test]
async fn dollarpe_signs_exactly_the_bytes_it_sends_in_both_styles() {
    for (style, name) in [(JsonStyle::Python, "python"), (JsonStyle::Compact, "compact")] {
        let server = MockServer::start().await;
        Mock::given(method("PATCH"))
            .and(path("/cms/api/v1/kyc/update-document-info"))
            .and(header("x-api-key", "ak_live_y"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    json!({"status": true, "message": "Success", "data": {"id": "550e8400-e29b-41d4-a716-446655440000", "status": "UNVERIFIED"}}),
                ),
            )
            .mount(&server)
            .await;
        let client = DollarPe::new(&server.uri(), secret("ak_live_y"), secret("sk_live_x"), style, fast());
        let done = client.update_document_info(&kyc_update(), "op").await.unwrap();
        assert_eq!(done.status, "UNVERIFIED");

        let req = only_request(&server).await;
        let ts = req.headers.get("x-timestamp").unwrap().to_str().unwrap().to_string();
        let (py_text, py_sig) = python_signature(name, &serde_json::to_value(kyc_update()).unwrap(), &ts);
        assert_eq!(String::from_utf8(req.body.clone()).unwrap(), py_text, "{name}: body bytes");
        assert_eq!(req.headers.get("x-signature").unwrap().to_str().unwrap(), py_sig, "{name}: signature");
        assert!(py_text.contains(r"S\u00e3o"), "Python escapes non-ASCII: {py_text}");
    }
}

#[tokio::test]
async fn dollarpe_get_signs_an_empty_object_and_errors_are_explained() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cms/api/v1/kyc/configuration/cust-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": true, "message": "Success", "data": {"document_types": []}})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"status": false, "message": "KYC already in use"})))
        .mount(&server)
        .await;
    let client = DollarPe::new(&server.uri(), secret("ak_live_y"), secret("sk_live_x"), JsonStyle::Python, fast());
    client.kyc_configuration("cust-1").await.unwrap();
    let req = server.received_requests().await.unwrap().remove(0);
    let ts = req.headers.get("x-timestamp").unwrap().to_str().unwrap().to_string();
    let (text, sig) = python_signature("python", &json!({}), &ts);
    assert_eq!(text, "{}");
    assert_eq!(req.headers.get("x-signature").unwrap().to_str().unwrap(), sig);
    assert!(req.body.is_empty(), "a GET sends no body");

    let e = client.update_document_info(&kyc_update(), "op").await.unwrap_err();
    assert_eq!(e.code(), "provider_rejected");
    assert!(e.to_string().contains("KYC already in use") && e.to_string().contains("another customer"), "{e}");
}

#[tokio::test]
async fn clock_skew_is_named_when_the_signature_is_refused() {
    let server = MockServer::start().await;
    let their_clock = std::time::SystemTime::now() + Duration::from_secs(600);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("date", httpdate::fmt_http_date(their_clock).as_str())
                .set_body_json(json!({"status": false, "message": "Request timestamp is outside the allowed window"})),
        )
        .mount(&server)
        .await;
    let client = DollarPe::new(&server.uri(), secret("k"), secret("s"), JsonStyle::Python, fast());
    let e = client.kyc_configuration("c").await.unwrap_err();
    match &e {
        ProviderError::Unauthorized { clock_skew_secs: Some(s), .. } => assert!((595..=605).contains(s), "{s}"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("Your clock is"), "{e}");
}

fn opt_in() -> DataSignature {
    DataSignature::opt_in(
        "CONTRATO de crédito".into(),
        Authenticity {
            timestamp: "2026-11-21 05:24:00".into(),
            ip_address: "179.104.42.245".into(),
            session_id: "ddb1d063-4fdf-4330-af9c-3316e9142ff3".into(),
            geolocation: None,
        },
        Signer {
            name: "IVANILDO DE SENA LIMA".into(),
            email: "ivan@example.com".into(),
            phone: Phone { country_code: "055".into(), area_code: "11".into(), number: "999999999".into() },
            document_number: "61766976204".into(),
        },
    )
}

#[tokio::test]
async fn qitech_signs_each_request_with_a_jwt_bound_to_the_body() {
    let server = MockServer::start().await;
    let debt = "debt-123";
    Mock::given(method("POST"))
        .and(path(format!("/debt/{debt}/signed")))
        .and(header("api-client-key", "client-key-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"data": {}, "event_datetime": "2026-11-21 05:24:47", "key": debt, "status": "signature_received", "webhook_type": "debt"}),
            ),
        )
        .mount(&server)
        .await;
    let client = QiTech::new(&server.uri(), secret("client-key-1"), &secret(PRIVATE), None, AuthScheme::PayloadMd5, fast()).unwrap();
    let got = client.submit_signature(debt, &opt_in(), "op").await.unwrap();
    assert_eq!(got.status, "signature_received");

    let req = only_request(&server).await;
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["type"], "data_signature");
    assert_eq!(body["signatures"][0]["authentication_type"], "opt-in");
    assert_eq!(body["signatures"][0]["signer"]["phone"]["country_code"], "055");
    let token = req.headers.get("authorization").unwrap().to_str().unwrap();
    let claims: jws::RequestClaims = jws::verify(&jws::verifying_key_from_pem(PUBLIC).unwrap(), token).unwrap();
    assert_eq!(claims.payload_md5, jws::md5_hex(&req.body));
    assert_eq!((claims.method.as_str(), claims.uri.as_str()), ("POST", "/debt/debt-123/signed"));
}

/// QI's signed-body scheme, done independently by Python's `cryptography` (as QI's
/// own Python sample does it): `answer` signs a reply as QI would, `check` opens a
/// request the client sent and prints what it found.
const QIT_PYTHON: &str = r#"
import base64, email.utils, hashlib, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
def b64d(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def b64e(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def verify(pub, token):
    h, p, s = token.split(".")
    assert json.loads(b64d(h)) == {"alg": "ES512", "typ": "JWT"}, b64d(h)
    raw = b64d(s)
    assert len(raw) == 132, len(raw)
    der = utils.encode_dss_signature(int.from_bytes(raw[:66], "big"), int.from_bytes(raw[66:], "big"))
    pub.verify(der, f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA512()))
    return b64d(p)
def sign(priv, payload):
    h = b64e(b'{"alg":"ES512","typ":"JWT"}')
    p = b64e(payload)
    r, s = utils.decode_dss_signature(priv.sign(f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA512())))
    return f"{h}.{p}." + b64e(r.to_bytes(66, "big") + s.to_bytes(66, "big"))
mode, pem = sys.argv[1], open(sys.argv[2], "rb").read()
if mode == "answer":
    priv = serialization.load_pem_private_key(pem, None)
    key, method, path, answer = sys.argv[3:7]
    token = sign(priv, answer.encode())
    lines = "\n".join([method, hashlib.md5(token.encode()).hexdigest(), "application/json", email.utils.formatdate(usegmt=True), path])
    auth = "QIT " + key + ":" + sign(priv, json.dumps({"sub": key, "signature": lines}).encode())
    print(json.dumps({"body": {"encoded_body": token}, "authorization": auth}))
else:
    pub = serialization.load_pem_public_key(pem)
    body, auth = json.loads(sys.argv[3]), sys.argv[4]
    token = body["encoded_body"]
    assert list(body) == ["encoded_body"], body
    assert auth.startswith("QIT "), auth
    key, jwt = auth[4:].split(":", 1)
    print(json.dumps({"payload": verify(pub, token).decode(), "md5": hashlib.md5(token.encode()).hexdigest(), "key": key, "claims": json.loads(verify(pub, jwt))}))
"#;

fn qit_python(args: &[&str]) -> Value {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python");
    let out = Command::new(&python).arg("-c").arg(QIT_PYTHON).args(args).output().expect("the tools' Python (scripts/setup.sh test) runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fixture_path(name: &str) -> String {
    format!("{}/../signet-core/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn qitech_signed_body_scheme_matches_an_independent_python_to_the_byte() {
    let server = MockServer::start().await;
    let debt = "debt-123";
    let answer = json!({"data": {}, "event_datetime": "2026-11-21 05:24:47", "key": debt, "status": "signature_received", "webhook_type": "debt"});
    // QI's answer, signed by Python with the key the client is told is QI's.
    let qi = qit_python(&["answer", &fixture_path("p521-private.pem"), "client-key-1", "POST", "/debt/debt-123/signed", &answer.to_string()]);
    Mock::given(method("POST"))
        .and(path(format!("/debt/{debt}/signed")))
        .and(header("api-client-key", "client-key-1"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(qi["body"].clone()).insert_header("authorization", qi["authorization"].as_str().unwrap()))
        .mount(&server)
        .await;
    let client = QiTech::new(&server.uri(), secret("client-key-1"), &secret(PRIVATE), Some(PUBLIC), AuthScheme::EncodedBody, fast()).unwrap();
    let got = client.submit_signature(debt, &opt_in(), "op").await.unwrap();
    assert_eq!((got.status.as_str(), got.key.as_str()), ("signature_received", debt), "the answer Python signed decodes");

    // What the client sent, opened by Python.
    let req = only_request(&server).await;
    let auth = req.headers.get("authorization").unwrap().to_str().unwrap();
    let seen = qit_python(&["check", &fixture_path("p521-public.pem"), std::str::from_utf8(&req.body).unwrap(), auth]);
    assert_eq!(seen["payload"].as_str().unwrap(), serde_json::to_string(&opt_in()).unwrap(), "the encoded body is the JSON body, byte for byte");
    assert_eq!(seen["key"], "client-key-1");
    assert_eq!(seen["claims"]["sub"], "client-key-1");
    assert_eq!(seen["claims"].as_object().unwrap().len(), 2, "only sub and signature: {}", seen["claims"]);
    let lines: Vec<&str> = seen["claims"]["signature"].as_str().unwrap().split('\n').collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!((lines[0], lines[1], lines[2], lines[4]), ("POST", seen["md5"].as_str().unwrap(), "application/json", "/debt/debt-123/signed"));
    let date = httpdate::parse_http_date(lines[3]).expect("an HTTP date");
    assert!(lines[3].ends_with(" GMT") && std::time::SystemTime::now().duration_since(date).unwrap_or_default() < Duration::from_secs(60), "{}", lines[3]);
    assert_eq!(req.headers.get("api-client-key").unwrap(), "client-key-1");

    // An answer whose body was changed after QI signed it is not trusted.
    let forged = MockServer::start().await;
    let mut body = qi["body"].clone();
    let other = qit_python(&["answer", &fixture_path("p521-private.pem"), "client-key-1", "POST", "/debt/debt-123/signed", r#"{"status":"forged"}"#]);
    body["encoded_body"] = other["body"]["encoded_body"].clone();
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body).insert_header("authorization", qi["authorization"].as_str().unwrap()))
        .mount(&forged)
        .await;
    let client = QiTech::new(&forged.uri(), secret("client-key-1"), &secret(PRIVATE), Some(PUBLIC), AuthScheme::EncodedBody, fast()).unwrap();
    assert_eq!(client.submit_signature(debt, &opt_in(), "op").await.unwrap_err().code(), "provider_response");
    // And the scheme cannot be used without QI's key: nothing is sent.
    let e = QiTech::new(&forged.uri(), secret("k"), &secret(PRIVATE), None, AuthScheme::EncodedBody, fast()).err().unwrap();
    assert!(e.to_string().contains("public key"), "{e}");
}

#[tokio::test]
async fn qitech_gateway_refusals_name_the_scheme_used_and_suggest_the_other() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/test/client-key-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"title": "QI Unauthenticated", "description": "Failed while decoding the authentication token", "translation": "Falha", "code": "GDF000014"})))
        .mount(&server)
        .await;
    let client = QiTech::new(&server.uri(), secret("client-key-1"), &secret(PRIVATE), Some(PUBLIC), AuthScheme::EncodedBody, fast()).unwrap();
    let e = client.test_connection().await.unwrap_err();
    assert_eq!(e.code(), "provider_auth");
    let text = e.to_string();
    assert!(text.contains("GDF000014") && text.contains("signed-body scheme") && text.contains("payload_md5"), "{text}");
    let req = only_request(&server).await;
    assert!(req.body.is_empty() && req.headers.get("content-type").is_none(), "a GET carries no body");
    let token = req.headers.get("authorization").unwrap().to_str().unwrap().split_once(':').unwrap().1.to_string();
    let claims: Value = jws::verify(&jws::verifying_key_from_pem(PUBLIC).unwrap(), &token).unwrap();
    assert!(claims["signature"].as_str().unwrap().starts_with("GET\n\n\n"), "{claims}");
}

#[tokio::test]
async fn qitech_errors_are_decoded_twice_and_signed_responses_verified() {
    let server = MockServer::start().await;
    let inner = r#"{"title": "Bad Request", "description": "Invalid request body.", "translation": "Corpo da requisição inválido.", "extra_fields": {"signer.document_number": "invalid"}, "code": "LEG000069"}"#;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(400).set_body_json(json!({"data": inner}))).mount(&server).await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []}))).mount(&server).await;

    let client = QiTech::new(&server.uri(), secret("k"), &secret(PRIVATE), None, AuthScheme::PayloadMd5, fast()).unwrap();
    match client.submit_signature("d", &opt_in(), "op").await.unwrap_err() {
        ProviderError::Rejected(r) => {
            assert_eq!((r.code.as_str(), r.title.as_str()), ("LEG000069", "Bad Request"));
            assert_eq!(r.translation.as_deref(), Some("Corpo da requisição inválido."));
            assert!(r.message.contains("signer.document_number"), "{}", r.message);
        }
        other => panic!("{other:?}"),
    }
    // With QI's public key configured, an unsigned response is not trusted.
    let strict = QiTech::new(&server.uri(), secret("k"), &secret(PRIVATE), Some(PUBLIC), AuthScheme::PayloadMd5, fast()).unwrap();
    assert_eq!(strict.events().await.unwrap_err().code(), "provider_response");
}

#[tokio::test]
async fn signzy_pulls_status_with_the_excerpts_field_names() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v3/contract/pullData"))
        .and(header("authorization", "tok-1"))
        .and(body_string(r#"{"contractId":"c-1","base64EncodedOutput":false}"#))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "contractId": "c-1", "initialSignerCount": "2", "signedSignerCount": 1, "isCompleted": false, "contractStatus": "IN_PROGRESS",
            "signerdetail": [{"signerName": "A", "signerId": "s1", "status": "SIGNED", "aadhaarStatus": "VERIFIED", "signerIP": "1.2.3.4", "noOfSuccessfulAttempts": "1", "noOfFailureAttempts": "0"}]
        })))
        .mount(&server)
        .await;
    let status = Signzy::new(&server.uri(), secret("tok-1"), fast()).pull_data("c-1", false).await.unwrap();
    assert_eq!(status.signed_signer_count.as_deref(), Some("1"));
    assert!(!status.completed());
    assert_eq!(status.signerdetail[0].signer_ip.as_deref(), Some("1.2.3.4"));

    // A contract whose signers were all deleted: `signerdetail` is null, not a list.
    let empty = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"contractId": "c-2", "contractStatus": "CANCELLED", "signerdetail": null, "finalSignedContract": null})),
        )
        .mount(&empty)
        .await;
    let status = Signzy::new(&empty.uri(), secret("tok-1"), fast()).pull_data("c-2", true).await.unwrap();
    assert!(status.signerdetail.is_empty());
    assert_eq!(status.contract_status.as_deref(), Some("CANCELLED"));
}

#[tokio::test]
async fn reads_are_retried_and_a_post_that_timed_out_is_not_resent() {
    let server = MockServer::start().await;
    // A read: two 503s then success; it is retried until it succeeds.
    Mock::given(method("POST")).and(path("/api/v3/contract/pullData")).respond_with(ResponseTemplate::new(503)).up_to_n_times(2).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/contract/pullData"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"contractId": "c"})))
        .mount(&server)
        .await;
    Signzy::new(&server.uri(), secret("t"), fast()).pull_data("c", false).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // A payment request whose answer never comes: reported as unknown, sent once.
    let slow = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).mount(&slow).await;
    let e = kpay(&slow).send_payment_request(DEPT, &payment(), "op-77").await.unwrap_err();
    match &e {
        ProviderError::OutcomeUnknown { operation_key, .. } => assert_eq!(operation_key, "op-77"),
        other => panic!("{other:?}"),
    }
    assert_eq!(slow.received_requests().await.unwrap().len(), 1, "a non-idempotent request was resent");

    // A 200 that carries no link and no error: not a success, and not a refusal.
    let empty = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"errors": [], "warnings": []}))).mount(&empty).await;
    assert_eq!(kpay(&empty).send_payment_request(DEPT, &payment(), "op").await.unwrap_err().code(), "provider_response");
    let failure = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"error": {"errorCode": "INVOICE_CLOSED", "errorDescription": "closed"}, "status": "FAILURE"})),
        )
        .mount(&failure)
        .await;
    match kpay(&failure).send_payment_request(DEPT, &payment(), "op").await.unwrap_err() {
        ProviderError::Rejected(r) => assert_eq!(r.code, "INVOICE_CLOSED"),
        other => panic!("{other:?}"),
    }

    // Nothing listening: nothing was sent, so it says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let gone = Kpay::new(&format!("http://{closed}"), "u", secret("p"), fast());
    assert_eq!(gone.send_payment_request(DEPT, &payment(), "op").await.unwrap_err().code(), "transport");
}

#[tokio::test]
async fn leegality_creates_follows_and_fetches_with_the_references_shapes() {
    use signet_providers::leegality::{CreateRequest, DocumentFile, FileKind, Invitee, Leegality};
    let server = MockServer::start().await;
    let pdf = b"%PDF-1.4 contract";
    let body = CreateRequest {
        profile_id: "WF1".into(),
        file: DocumentFile::pdf("Loan LN-1.pdf", pdf),
        invitees: vec![
            Invitee { name: "Asha Rao".into(), email: Some("asha@example.com".into()), phone: None },
            Invitee { name: "Ravi".into(), email: None, phone: Some("9876543210".into()) },
        ],
        irn: "op-1".into(),
    };
    Mock::given(method("POST"))
        .and(path("/api/v3.0/sign/request"))
        .and(header("x-auth-token", "tok-L"))
        .and(header("content-type", "application/json"))
        .and(body_string(r#"{"profileId":"WF1","file":{"name":"Loan LN-1.pdf","file":"JVBERi0xLjQgY29udHJhY3Q="},"invitees":[{"name":"Asha Rao","email":"asha@example.com"},{"name":"Ravi","phone":"9876543210"}],"irn":"op-1"}"#))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": 1, "messages": [], "data": {"documentId": "01KJCHZ1Z3XRFP04DPT195AJH6", "irn": "op-1", "invitees": [
            {"name": "Asha Rao", "email": "asha@example.com", "phone": null, "signUrl": "https://sign/1", "active": true, "expiryDate": "05-01-2027 10:00:00"},
            {"name": "Ravi", "email": null, "phone": "9876543210", "signUrl": "https://sign/2", "active": false, "expiryDate": "05-01-2027 10:00:00"}]}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3.2/sign/request"))
        .and(wiremock::matchers::query_param("documentId", "01KJCHZ1Z3XRFP04DPT195AJH6"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": 1, "messages": [], "data": {"documentId": "01KJCHZ1Z3XRFP04DPT195AJH6", "requests": [
            {"name": "Asha Rao", "signed": true, "active": false}, {"name": "Ravi", "signed": false, "rejected": true}]}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/document/fetchDocument"))
        .and(wiremock::matchers::query_param("documentDownloadType", "DOCUMENT"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "application/pdf").set_body_bytes(b"%PDF-1.4 signed".to_vec()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3.1/document/fetchDocument"))
        .and(wiremock::matchers::query_param("documentDownloadType", "AUDIT_TRAIL"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": 0, "messages": [{"code": "no.document.found", "message": "Not completed"}]})))
        .mount(&server)
        .await;

    let client = Leegality::new(&format!("{}/api", server.uri()), secret("tok-L"), fast());
    let created = client.create(&body, "op-1").await.unwrap();
    assert_eq!((created.document_id.as_str(), created.invitees.len(), created.invitees[1].active), ("01KJCHZ1Z3XRFP04DPT195AJH6", 2, false));
    let status = client.status(&created.document_id).await.unwrap();
    assert_eq!((status.requests[0].state(), status.requests[1].state()), ("signed", "rejected"));
    assert!(!status.completed() && status.stopped());
    assert_eq!(client.fetch(&created.document_id, FileKind::Document).await.unwrap(), b"%PDF-1.4 signed");
    match client.fetch(&created.document_id, FileKind::AuditTrail).await.unwrap_err() {
        ProviderError::Rejected(r) => assert_eq!(r.code, "no.document.found"),
        other => panic!("{other:?}"),
    }
    // A GET carries no body and no content type (Leegality would ignore its query).
    let gets: Vec<_> = server.received_requests().await.unwrap().into_iter().filter(|r| r.method.as_str() == "GET").collect();
    assert!(gets.iter().all(|r| r.body.is_empty() && r.headers.get("content-type").is_none()));
}

#[tokio::test]
async fn kpay_keeps_errors_beside_a_link_and_accepts_no_link_when_sent_without_kpay() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("accept", "*/*"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"errorCode": 4010, "errorTitle": "Invoice not attached", "errorMessage": "no email", "errorDescription": ""}],
            "warnings": [], "paymentLink": "https://pay/1", "invoiceLink": "https://inv/1", "textSent": "SUCCESS", "emailSent": "FAILURE"})))
        .mount(&server)
        .await;
    let reply = kpay(&server).send_payment_request(DEPT, &PaymentRequest { attach_invoice: true, ..payment() }, "op").await.unwrap();
    assert_eq!(reply.errors[0].error_title, "Invoice not attached");

    let without = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"errors": [], "warnings": [], "paymentLink": null, "invoiceLink": "https://inv/2", "textSent": "SUCCESS", "emailSent": "SUCCESS"}),
        ))
        .mount(&without)
        .await;
    let reply = kpay(&without).send_payment_request(DEPT, &PaymentRequest { send_without_kpay: true, ..payment() }, "op").await.unwrap();
    assert_eq!((reply.payment_link, reply.invoice_link.as_deref()), (None, Some("https://inv/2")));
    // Asked with KPay, the same answer is not a success: the link is missing.
    assert_eq!(kpay(&without).send_payment_request(DEPT, &payment(), "op").await.unwrap_err().code(), "provider_response");
}
