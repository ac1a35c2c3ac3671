//! QI Tech: opt-in debt signatures, uploads, event polling and the gateway's
//! `/test/{api_client_key}`. Requests carry `API-CLIENT-KEY` and are signed in
//! either of QI's schemes (the sandbox can be told to require one: `PUT
//! /_sandbox/qitech/scheme {"scheme": "payload_md5" | "encoded_body" | "either"}`):
//! - an ES512 `AUTHORIZATION` token binding the body's MD5 (of `{}` when there is no
//!   body, as QI's sample signs a GET), the time, the method and the path; every
//!   response (errors included) is signed the same way with QI's key;
//! - the api-auth gateway's `Authorization: QIT <key>:<token>` over five lines, the
//!   body as `{"encoded_body": <token>}`; answers come back encoded and signed the
//!   same way with QI's key. The gateway's own refusals are plain JSON `{title,
//!   description, translation, code}`: 400 `GDF000003` (no API-CLIENT-KEY), 401
//!   `GDF000014` (the signature or the scheme), 404 `GDF000018` (unknown key).
//!   A multipart upload's MD5 (over the file) is not checked here.
//!
//! Errors are `{"data": "<JSON text>"}`, both layers written as the excerpt writes
//! them (", " / ": " separators, keys in the excerpt's order, UTF-8 as is). Codes other than the excerpt's LEG000069 are the sandbox's:
//! - 401 `AUT000001` "Unauthorized": bad client key or token (the claim at fault in
//!   `extra_fields`);
//! - 404 `LEG000404` "Not Found": unknown debt key (or path);
//! - 409 `LEG000409` "Conflict": the debt is already signed;
//! - 500 `SYS000500` "Internal Server Error".
//!
//! Shapes not in the excerpt: `GET /test/{key}` answers `{"success": "...",
//! "api_client_key": key}` (its real content is undocumented); `POST /upload` answers `{document_key, document_md5}`;
//! `GET /notification/events` answers `{"data": [{key, event_type, status,
//! event_datetime, webhook_type, data}]}`, oldest first (items are the webhook body
//! of the event plus `event_type`).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use signet_providers::jws::{self, RequestClaims};
use signet_providers::qit;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::OffsetDateTime;

use crate::clock;
use crate::config::SchemeCheck;
use crate::credentials::QITECH_API_CLIENT_KEY;
use crate::demo;
use crate::server::MAX_BODY;
use crate::state::{lock, AppState};

const TIMESTAMP_WINDOW_SECS: i64 = 300;

pub(crate) fn routes(shared: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/debt/{debt_key}/signed", post(sign_debt))
        .route("/upload", post(upload))
        .route("/notification/events", get(events))
        .route("/test/{api_client_key}", get(test_get).post(test_post))
        .route_layer(middleware::from_fn_with_state(shared, authenticated));
    api.merge(Router::new().route("/_sandbox/qitech/debts", post(add_debt)).route("/_sandbox/qitech/scheme", axum::routing::put(set_scheme).get(get_scheme)))
}

struct Debt {
    signature: Option<Value>,
}

pub(crate) struct Store {
    debts: HashMap<String, Debt>,
    events: Vec<Value>,
    documents: HashMap<String, usize>,
}

impl Store {
    pub fn new(seed: bool) -> Store {
        let mut store = Store { debts: HashMap::new(), events: vec![], documents: HashMap::new() };
        if seed {
            store.debts.insert(demo::DEBT_OPEN.into(), Debt { signature: None });
            store.debts.insert(demo::DEBT_OPEN_2.into(), Debt { signature: None });
            store.debts.insert(demo::DEBT_SIGNED.into(), Debt { signature: Some(json!({ "seeded": true })) });
            store.events.push(event(demo::DEBT_SIGNED, "2026-01-05 14:02:11"));
        }
        store
    }
}

fn event(key: &str, at: &str) -> Value {
    json!({
        "key": key,
        "event_type": "signature_received",
        "status": "signature_received",
        "event_datetime": at,
        "webhook_type": "debt",
        "data": {},
    })
}

/// QI's error: `{"data": "<inner JSON>"}`, both layers written as the excerpt shows.
pub(crate) fn error(status: StatusCode, code: &str, title: &str, description: &str, translation: &str, extra_fields: Value) -> Response {
    let s = |t: &str| py_json(&Value::String(t.into()));
    let inner = format!(
        "{{\"title\": {}, \"description\": {}, \"translation\": {}, \"extra_fields\": {}, \"code\": {}}}",
        s(title),
        s(description),
        s(translation),
        py_json(&extra_fields),
        s(code)
    );
    let body = format!("{{\"data\": {}}}", s(&inner));
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// JSON with Python's `", "` / `": "` separators and UTF-8 left as is (the excerpt
/// shows "requisição" unescaped).
fn py_json(v: &Value) -> String {
    match v {
        Value::Array(items) => format!("[{}]", items.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", py_json(&Value::String(k.clone())), py_json(v))).collect();
            format!("{{{}}}", pairs.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

pub(crate) fn internal_error() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "SYS000500", "Internal Server Error", "An unexpected error occurred.", "Ocorreu um erro inesperado.", json!({}))
}

fn invalid_body(extra_fields: Value) -> Response {
    error(StatusCode::BAD_REQUEST, "LEG000069", "Bad Request", "Invalid request body.", "Corpo da requisição inválido.", extra_fields)
}

fn unauthorized(description: &str, extra_fields: Value) -> Response {
    error(StatusCode::UNAUTHORIZED, "AUT000001", "Unauthorized", description, "Não autorizado.", extra_fields)
}

/// Signs a response as QI does: an ES512 token over its body's MD5, the time, and
/// the request's method and URI.
pub(crate) async fn sign_response(s: &AppState, method: &str, uri: &str, resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let claims = RequestClaims::for_request(&bytes, method, uri, OffsetDateTime::now_utc());
    let token = jws::sign(&s.qi_server_key, &claims);
    parts.headers.insert("authorization", HeaderValue::from_str(&token).expect("a JWS is ASCII"));
    Response::from_parts(parts, Body::from(bytes))
}

async fn authenticated(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let uri = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).map(str::to_string);
    let qit_used = header("authorization").is_some_and(|a| a.starts_with("QIT "));
    let required = *lock(&s.qitech_scheme);
    if !qit_used {
        if required == SchemeCheck::EncodedBody {
            let resp = unauthorized(
                "This account signs with the api-auth gateway's scheme (Authorization: QIT, encoded_body).",
                json!({ "AUTHORIZATION": "expected QIT <key>:<token>" }),
            );
            return sign_response(&s, &method, &uri, resp).await;
        }
        let resp = match check_auth(&s, &parts.headers, &method, &uri, &bytes) {
            Ok(()) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
            Err(Refusal(description, extra_fields)) => unauthorized(description, extra_fields),
        };
        return sign_response(&s, &method, &uri, resp).await;
    }
    // The api-auth gateway's scheme: its refusals are its own, plain and unsigned.
    match header("api-client-key") {
        None => return gateway_error(StatusCode::BAD_REQUEST, "GDF000003", "No API Client Key received", "Send the API-CLIENT-KEY header."),
        Some(key) if key != QITECH_API_CLIENT_KEY => {
            return gateway_error(
                StatusCode::NOT_FOUND,
                "GDF000018",
                "No ClientIntegration found",
                &format!("No ClientIntegration found for api_client_key: {key}"),
            )
        }
        Some(_) => {}
    }
    if required == SchemeCheck::PayloadMd5 {
        return gateway_error(
            StatusCode::UNAUTHORIZED,
            "GDF000014",
            "QI Unauthenticated",
            "This account signs with an AUTHORIZATION token (payload_md5), not QIT.",
        );
    }
    let now = OffsetDateTime::now_utc() + time::Duration::seconds(s.faults().clock_offset_secs);
    let opened = qit::open(&s.qi_client_key, QITECH_API_CLIENT_KEY, header("authorization").as_deref(), &method, &uri, &bytes, now);
    let json = match opened {
        Ok(json) => json,
        Err(mismatch) => {
            return gateway_error(
                StatusCode::UNAUTHORIZED,
                "GDF000014",
                "QI Unauthenticated",
                &format!("Failed while decoding the authentication token: {mismatch}"),
            )
        }
    };
    // The handlers read the JSON the client signed (a multipart upload passes as sent).
    let inner = if qit::encoded_body(&bytes).is_some() { Bytes::from(json) } else { bytes };
    let resp = next.run(Request::from_parts(parts, Body::from(inner))).await;
    encode_response(&s, &method, &uri, resp).await
}

/// An answer in the gateway's scheme: the JSON as `{"encoded_body": <token>}`, and
/// `Authorization: QIT <key>:<token>` over the five lines, signed with QI's key.
async fn encode_response(s: &AppState, method: &str, uri: &str, resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let now = OffsetDateTime::now_utc() + time::Duration::seconds(s.faults().clock_offset_secs);
    let payload = if bytes.is_empty() { qit::Payload::None } else { qit::Payload::Json(&bytes) };
    let signed = qit::sign_request(&s.qi_server_key, QITECH_API_CLIENT_KEY, method, uri, payload, now);
    parts.headers.insert("authorization", HeaderValue::from_str(&signed.authorization).expect("ASCII"));
    parts.headers.insert("api-client-key", HeaderValue::from_static(QITECH_API_CLIENT_KEY));
    parts.headers.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(signed.body.unwrap_or_default()))
}

/// The gateway's own refusal: plain JSON, as its error catalogue shows.
fn gateway_error(status: StatusCode, code: &str, title: &str, description: &str) -> Response {
    (status, Json(json!({ "title": title, "description": description, "translation": "Não autenticado.", "code": code }))).into_response()
}

async fn set_scheme(State(s): State<AppState>, Json(body): Json<Value>) -> Response {
    match body.get("scheme").cloned().map(serde_json::from_value::<SchemeCheck>) {
        Some(Ok(scheme)) => {
            *lock(&s.qitech_scheme) = scheme;
            Json(json!({ "scheme": scheme })).into_response()
        }
        _ => crate::routes::plain_error(StatusCode::BAD_REQUEST, "give {\"scheme\": \"payload_md5\" | \"encoded_body\" | \"either\"}"),
    }
}

async fn get_scheme(State(s): State<AppState>) -> Response {
    Json(json!({ "scheme": *lock(&s.qitech_scheme) })).into_response()
}

async fn test_get(Path(api_client_key): Path<String>) -> Response {
    if api_client_key != QITECH_API_CLIENT_KEY {
        return gateway_error(
            StatusCode::NOT_FOUND,
            "GDF000018",
            "No ClientIntegration found",
            &format!("No ClientIntegration found for api_client_key: {api_client_key}"),
        );
    }
    Json(json!({ "success": "Your request was signed correctly.", "api_client_key": api_client_key })).into_response()
}

async fn test_post(body: Bytes) -> Response {
    let echo: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    (StatusCode::CREATED, Json(echo)).into_response()
}

/// Why a request's credentials were refused: a description, and the header or claim at fault.
struct Refusal(&'static str, Value);

fn check_auth(s: &AppState, headers: &axum::http::HeaderMap, method: &str, uri: &str, body: &[u8]) -> Result<(), Refusal> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if header("api-client-key") != Some(QITECH_API_CLIENT_KEY) {
        return Err(Refusal("Invalid API-CLIENT-KEY.", json!({ "API-CLIENT-KEY": "unknown client key" })));
    }
    let Some(token) = header("authorization") else {
        return Err(Refusal("Missing AUTHORIZATION token.", json!({ "AUTHORIZATION": "required" })));
    };
    let claims: RequestClaims =
        jws::verify(&s.qi_client_key, token).map_err(|e| Refusal("Invalid AUTHORIZATION token.", json!({ "AUTHORIZATION": e.to_string() })))?;
    let mismatch = |claim: &str, why: &str| Err(Refusal("The AUTHORIZATION token does not match the request.", json!({ claim: why })));
    // A request without a body is signed as `{}` (QI's sample for GET and DELETE).
    let hashed: &[u8] = if body.is_empty() { b"{}" } else { body };
    if claims.payload_md5 != jws::md5_hex(hashed) {
        return mismatch("payload_md5", "does not match the MD5 of the request body");
    }
    if !claims.method.eq_ignore_ascii_case(method) {
        return mismatch("method", &format!("is {}, the request is {method}", claims.method));
    }
    if claims.uri != uri {
        return mismatch("uri", &format!("is {}, the request is {uri}", claims.uri));
    }
    let Some(at) = OffsetDateTime::parse(&claims.timestamp, &Rfc3339).or_else(|_| OffsetDateTime::parse(&claims.timestamp, &Iso8601::DEFAULT)).ok() else {
        return mismatch("timestamp", "is not an ISO-8601 date and time");
    };
    let server_now = OffsetDateTime::now_utc() + time::Duration::seconds(s.faults().clock_offset_secs);
    if (server_now - at).whole_seconds().abs() > TIMESTAMP_WINDOW_SECS {
        return mismatch("timestamp", "is more than 300 seconds away from the server's clock");
    }
    Ok(())
}

async fn sign_debt(State(s): State<AppState>, Path(debt_key): Path<String>, body: Bytes) -> Response {
    if !lock(&s.qitech).debts.contains_key(&debt_key) {
        return error(StatusCode::NOT_FOUND, "LEG000404", "Not Found", "Debt not found.", "Dívida não encontrada.", json!({ "debt_key": debt_key }));
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return invalid_body(json!({ "body": "must be a JSON object" })),
    };
    let problems = check_signature_body(&body);
    if !problems.is_empty() {
        return invalid_body(json!(problems));
    }
    let mut store = lock(&s.qitech);
    let debt = store.debts.get_mut(&debt_key).expect("checked above");
    if debt.signature.is_some() {
        return error(StatusCode::CONFLICT, "LEG000409", "Conflict", "Debt already signed.", "Dívida já assinada.", json!({ "debt_key": debt_key }));
    }
    debt.signature = Some(body["signatures"].clone());
    let at = clock::qi_now();
    store.events.push(event(&debt_key, &at));
    Json(json!({
        "data": {},
        "event_datetime": at,
        "key": debt_key,
        "status": "signature_received",
        "webhook_type": "debt",
    }))
    .into_response()
}

/// Every problem with the body, keyed by the field's path.
fn check_signature_body(body: &Value) -> BTreeMap<String, String> {
    let mut problems = BTreeMap::new();
    let mut problem = |field: String, why: &str| {
        problems.insert(field, why.to_string());
    };
    if body.get("type").and_then(Value::as_str) != Some("data_signature") {
        problem("type".into(), "must be \"data_signature\"");
    }
    let signatures = match body.get("signatures") {
        Some(Value::Array(list)) if !list.is_empty() => list.as_slice(),
        _ => {
            problem("signatures".into(), "must be a non-empty list");
            &[]
        }
    };
    for (i, sig) in signatures.iter().enumerate() {
        let at = |path: &str| format!("signatures[{i}].{path}");
        let text = |path: &str| path.split('.').try_fold(sig, |v, key| v.get(key)).and_then(Value::as_str).filter(|t| !t.trim().is_empty());
        if text("signed_object.raw_text").is_none() {
            problem(at("signed_object.raw_text"), "required");
        }
        let opt_in = text("authentication_type") == Some("opt-in");
        if !opt_in {
            problem(at("authentication_type"), "must be \"opt-in\"");
        }
        match text("authenticity.timestamp") {
            None => problem(at("authenticity.timestamp"), "required"),
            Some(ts) if !is_qi_datetime(ts) => problem(at("authenticity.timestamp"), "must be YYYY-MM-DD HH:MM:SS"),
            _ => {}
        }
        // Required for opt-in (the only type accepted here).
        match text("authenticity.ip_address") {
            None => problem(at("authenticity.ip_address"), "required for opt-in"),
            Some(ip) if ip.parse::<IpAddr>().is_err() => problem(at("authenticity.ip_address"), "invalid IP address"),
            _ => {}
        }
        match text("authenticity.session_id") {
            None => problem(at("authenticity.session_id"), "required for opt-in"),
            Some(id) if signet_core::validate::uuid("session_id", id).is_err() => problem(at("authenticity.session_id"), "must be a UUID"),
            _ => {}
        }
        if sig.pointer("/authenticity/geolocation").is_some_and(|g| !g.is_object() && !g.is_null()) {
            problem(at("authenticity.geolocation"), "must be an object");
        }
        if text("signer.name").is_none() {
            problem(at("signer.name"), "required");
        }
        match text("signer.email") {
            Some(e) if e.contains('@') => {}
            Some(_) => problem(at("signer.email"), "invalid email"),
            None => problem(at("signer.email"), "required"),
        }
        // The phone is optional, but each of its parts is required when it is sent.
        if sig.pointer("/signer/phone").is_some_and(|p| !p.is_null()) {
            for (part, min, max, why) in [
                ("country_code", 3, 3, "must be exactly 3 digits"),
                ("area_code", 2, 2, "must be exactly 2 digits"),
                ("number", 1, 10, "must be 1 to 10 digits"),
            ] {
                let value = text(&format!("signer.phone.{part}")).unwrap_or_default();
                if !(min..=max).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
                    problem(at(&format!("signer.phone.{part}")), why);
                }
            }
        }
        match text("signer.document_number") {
            None => problem(at("signer.document_number"), "required"),
            Some(cpf) if !cpf.bytes().all(|b| b.is_ascii_digit()) || signet_core::validate::cpf("cpf", cpf).is_err() => {
                problem(at("signer.document_number"), "invalid CPF")
            }
            _ => {}
        }
    }
    problems
}

fn is_qi_datetime(ts: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    ts.len() == 19 && time::PrimitiveDateTime::parse(ts, format).is_ok()
}

async fn upload(State(s): State<AppState>, multipart: Result<Multipart, MultipartRejection>) -> Response {
    let Ok(mut multipart) = multipart else {
        return invalid_body(json!({ "file": "send the document as multipart/form-data in a field named file" }));
    };
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let Ok(bytes) = field.bytes().await else { return invalid_body(json!({ "file": "could not be read" })) };
                if bytes.is_empty() {
                    return invalid_body(json!({ "file": "is empty" }));
                }
                let key = uuid::Uuid::new_v4().to_string();
                lock(&s.qitech).documents.insert(key.clone(), bytes.len());
                return Json(json!({ "document_key": key, "document_md5": jws::md5_hex(&bytes) })).into_response();
            }
            Ok(Some(_)) => continue,
            Ok(None) => return invalid_body(json!({ "file": "required" })),
            Err(_) => return invalid_body(json!({ "file": "malformed multipart body" })),
        }
    }
}

async fn events(State(s): State<AppState>) -> Response {
    Json(json!({ "data": lock(&s.qitech).events })).into_response()
}

/// Sandbox-only: a new debt awaiting signature (what `POST /debt` would issue).
async fn add_debt(State(s): State<AppState>) -> Response {
    let key = uuid::Uuid::new_v4().to_string();
    lock(&s.qitech).debts.insert(key.clone(), Debt { signature: None });
    (StatusCode::CREATED, Json(json!({ "key": key }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_400_body_is_the_excerpts_to_the_byte() {
        let resp = invalid_body(json!({}));
        let body = axum::body::to_bytes(resp.into_body(), 4096).await.unwrap();
        let excerpt = r#"{"data": "{\"title\": \"Bad Request\", \"description\": \"Invalid request body.\", \"translation\": \"Corpo da requisição inválido.\", \"extra_fields\": {}, \"code\": \"LEG000069\"}"}"#;
        assert_eq!(std::str::from_utf8(&body).unwrap(), excerpt);
    }

    #[test]
    fn python_spacing_for_nested_values() {
        let v = json!({ "b": [1, "ç"], "a": { "x": null } });
        assert_eq!(py_json(&v), r#"{"a": {"x": null}, "b": [1, "ç"]}"#);
    }
}
