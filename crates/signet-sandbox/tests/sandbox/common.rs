//! Starting sandboxes and building correctly authenticated requests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};
use signet_providers::canonical::{to_sorted_json, JsonStyle};
use signet_providers::dollarpe_sign::{signature, EMPTY_BODY};
use signet_providers::jws::{self, RequestClaims};
use signet_sandbox::{demo, demo_credentials, Sandbox, SandboxConfig};

pub async fn start() -> Sandbox {
    start_with(SandboxConfig::default()).await
}

pub async fn start_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("the sandbox binds a loopback port")
}

/// No pooled connections: a fault on one request cannot leak into the next.
pub fn client() -> Client {
    Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(20)).build().expect("client builds")
}

pub async fn json_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")))
}

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// --- myKaarma KPay

pub fn kpay(sb: &Sandbox, method: Method, path: &str) -> RequestBuilder {
    let c = demo_credentials();
    client().request(method, format!("{}{path}", sb.base_url())).basic_auth(c.kpay_username, Some(c.kpay_password))
}

pub fn payment_request_path(department: &str) -> String {
    format!("/payment/v4/departments/{department}/payment-requests")
}

pub fn payment_body(invoice: &str, text: bool, email: bool, esign: bool) -> Value {
    json!({
        "invoiceGuid": invoice, "sendWithoutKpay": false, "attachInvoice": true,
        "sendAsText": text, "sendAsEmail": email, "esignRequired": esign,
    })
}

pub async fn payment_requests_of(sb: &Sandbox, invoice: &str) -> Vec<Value> {
    let url = format!("{}/_sandbox/kpay/payment-requests?invoiceGuid={invoice}", sb.base_url());
    let (_, v) = json_of(client().get(url).send().await.unwrap()).await;
    v.as_array().unwrap().clone()
}

// --- DollarPe

/// A request signed over the body written in `style`, with the timestamp moved by `skew` seconds.
pub fn dollarpe(sb: &Sandbox, method: Method, path: &str, body: Option<&Value>, style: JsonStyle, skew: i64) -> RequestBuilder {
    let c = demo_credentials();
    let text = body.map(|b| to_sorted_json(b, style));
    let ts = unix_now() + skew;
    let sig = signature(c.dollarpe_api_key, c.dollarpe_api_secret, ts, text.as_deref().unwrap_or(EMPTY_BODY));
    dollarpe_raw(sb, method, path, c.dollarpe_api_key, ts, &sig, text)
}

/// Headers and body exactly as given (for forgeries).
pub fn dollarpe_raw(sb: &Sandbox, method: Method, path: &str, key: &str, ts: i64, sig: &str, body: Option<String>) -> RequestBuilder {
    let req = client()
        .request(method, format!("{}{path}", sb.base_url()))
        .header("Content-Type", "application/json")
        .header("X-API-KEY", key)
        .header("X-TIMESTAMP", ts.to_string())
        .header("X-SIGNATURE", sig);
    match body {
        Some(text) => req.body(text),
        None => req,
    }
}

pub const KYC_PATH: &str = "/cms/api/v1/kyc/update-document-info";

pub fn passport_update(customer: &str, number: &str) -> Value {
    json!({
        "customer_id": customer,
        "full_address": "12 Rua das Flores, São Paulo",
        "document_type": "PASSPORT",
        "document_front_image_url": "https://files.example.com/kyc/front.JPG?sig=abc",
        "document_details": { "document_number": number, "additional_data": { "issuing_country": "BR" } },
    })
}

pub async fn kyc_status(sb: &Sandbox, customer: &str) -> Value {
    let path = format!("/cms/api/v1/kyc/configuration/{customer}");
    let (status, v) = json_of(dollarpe(sb, Method::GET, &path, None, JsonStyle::Python, 0).send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    v["data"].clone()
}

// --- QI Tech

pub fn qi_token(claims: &RequestClaims) -> String {
    let key = jws::signing_key_from_pem(demo_credentials().qitech_private_key_pem).unwrap();
    jws::sign(&key, claims)
}

pub fn qi_claims(body: &[u8], method: &str, uri: &str) -> RequestClaims {
    RequestClaims::for_request(body, method, uri, time::OffsetDateTime::now_utc())
}

/// A request carrying `claims` as its token (so tests can forge each claim).
pub fn qi_with(sb: &Sandbox, method: Method, uri: &str, body: Vec<u8>, claims: &RequestClaims, content_type: &str) -> RequestBuilder {
    client()
        .request(method, format!("{}{uri}", sb.base_url()))
        .header("API-CLIENT-KEY", demo_credentials().qitech_api_client_key)
        .header("AUTHORIZATION", qi_token(claims))
        .header("Content-Type", content_type)
        .body(body)
}

pub fn qi(sb: &Sandbox, method: Method, uri: &str, body: &Value) -> RequestBuilder {
    let bytes = if method == Method::GET { vec![] } else { serde_json::to_vec(body).unwrap() };
    // A request without a body is signed as `{}`, as QI's own sample signs a GET.
    let hashed: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
    let claims = qi_claims(hashed, method.as_str(), uri);
    qi_with(sb, method, uri, bytes, &claims, "application/json")
}

/// The excerpt's request, with the excerpt's (valid) CPF.
pub fn opt_in_body() -> Value {
    json!({
        "type": "data_signature",
        "signatures": [{
            "signed_object": { "raw_text": "Lorem ipsum dolor sit amet, consectetur a...." },
            "authenticity": { "timestamp": "1970-01-01 00:00:01", "ip_address": "179.104.42.245", "session_id": "ddb1d063-4fdf-4330-af9c-3316e9142ff3" },
            "signer": {
                "name": "IVANILDO DE SENA LIMA", "email": "ivanlima2604@gmail.com",
                "phone": { "country_code": "055", "area_code": "11", "number": "999999999" },
                "document_number": demo::VALID_CPF,
            },
            "authentication_type": "opt-in",
        }],
    })
}

/// `{"data": "<JSON text>"}` decoded twice.
pub fn qi_error(body: &Value) -> Value {
    let inner = body["data"].as_str().unwrap_or_else(|| panic!("data is not a string: {body}"));
    serde_json::from_str(inner).unwrap()
}

/// Checks QI's signature on a response and returns the body.
pub async fn qi_verified(resp: reqwest::Response, method: &str, uri: &str) -> (u16, Value) {
    let status = resp.status().as_u16();
    let token = resp.headers().get("authorization").expect("QI signs every response").to_str().unwrap().to_string();
    let bytes = resp.bytes().await.unwrap();
    let key = jws::verifying_key_from_pem(demo_credentials().qitech_public_key_pem).unwrap();
    let claims: RequestClaims = jws::verify(&key, &token).expect("signed with QI's key");
    assert_eq!(claims.payload_md5, jws::md5_hex(&bytes));
    assert_eq!((claims.method.as_str(), claims.uri.as_str()), (method, uri));
    (status, serde_json::from_slice(&bytes).unwrap())
}

// --- Signzy

pub fn signzy(sb: &Sandbox, path: &str, body: &Value) -> RequestBuilder {
    client().post(format!("{}{path}", sb.base_url())).header("Authorization", demo_credentials().signzy_token).json(body)
}
