//! DollarPe KYC: the customer's KYC configuration and document-info updates, behind
//! `X-API-KEY` / `X-TIMESTAMP` / `X-SIGNATURE` (HMAC-SHA256 over
//! `"{key}|{timestamp}|{body}"`, body as received, `{}` for a GET).
//!
//! Choices the excerpt leaves open, made here:
//! - The configuration reply is not documented; it is
//!   `{status, message, data: {customer_id, document_types[{document_type, name,
//!   requires_back, additional_data[{key, label, required, pattern}]}], kyc_status,
//!   updates_used, updates_allowed}}`.
//! - Auth failures are 401 `{status: false, message}`: "Invalid API key",
//!   "Invalid timestamp", "Request timestamp is outside the allowed window" (±300 s),
//!   "Invalid signature" (also when a strict `StyleCheck` finds the body was not
//!   written in that style, as a server re-serialising the body would).
//! - Validation failures are 400 `{status: false, message}` with a message naming
//!   the field. Failed updates do not count towards the limit of 3.
//! - Verification is simulated: `kyc_verify_after` after an update the status turns
//!   VERIFIED, or REJECTED when the document number starts with "REJ".

use std::collections::HashMap;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use signet_providers::canonical::{to_sorted_json, JsonStyle};
use signet_providers::dollarpe_sign::{self, EMPTY_BODY};

use crate::clock;
use crate::config::StyleCheck;
use crate::credentials::{DOLLARPE_API_KEY, DOLLARPE_API_SECRET};
use crate::demo;
use crate::server::MAX_BODY;
use crate::state::{lock, AppState};

const OUR_ORG: &str = "org_signet_demo";
const TIMESTAMP_WINDOW_SECS: i64 = 300;
const UPDATES_ALLOWED: u32 = 3;

pub(crate) fn routes(shared: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/cms/api/v1/kyc/configuration/{customer_id}", get(configuration))
        .route("/cms/api/v1/kyc/update-document-info", patch(update_document_info))
        .route_layer(middleware::from_fn_with_state(shared, signed));
    api.merge(Router::new().route("/_sandbox/dollarpe/customers", post(add_customer)))
}

struct Rule {
    key: &'static str,
    label: &'static str,
    required: bool,
    pattern: &'static str,
}

struct DocumentType {
    code: &'static str,
    name: &'static str,
    requires_back: bool,
    rules: &'static [Rule],
}

const COUNTRY: Rule = Rule { key: "issuing_country", label: "Issuing country", required: true, pattern: "^[A-Z]{2}$" };

const DOCUMENT_TYPES: [DocumentType; 3] = [
    DocumentType { code: "PASSPORT", name: "Passport", requires_back: false, rules: &[COUNTRY] },
    DocumentType {
        code: "NATIONAL_ID",
        name: "National identity card",
        requires_back: true,
        rules: &[COUNTRY, Rule { key: "expiry_date", label: "Expiry date", required: false, pattern: r"^\d{4}-\d{2}-\d{2}$" }],
    },
    DocumentType {
        code: "DRIVING_LICENSE",
        name: "Driving licence",
        requires_back: true,
        rules: &[COUNTRY, Rule { key: "license_class", label: "Licence class", required: false, pattern: "^[A-Z0-9]{1,3}$" }],
    },
];

struct Document {
    number: String,
}

struct Customer {
    org: &'static str,
    updates_used: u32,
    document: Option<Document>,
    /// Set by an update; the verdict is due `kyc_verify_after` later.
    submitted_at: Option<Instant>,
    /// A verdict reached before the sandbox started (seeded customers).
    settled: Option<&'static str>,
}

impl Customer {
    fn new(org: &'static str) -> Customer {
        Customer { org, updates_used: 0, document: None, submitted_at: None, settled: None }
    }

    /// Computed on read, so no timer is needed.
    fn kyc_status(&self, verify_after: std::time::Duration) -> &'static str {
        match (&self.document, self.submitted_at) {
            (_, None) => self.settled.unwrap_or("NOT_SUBMITTED"),
            (Some(doc), Some(at)) if at.elapsed() >= verify_after => {
                if doc.number.starts_with(demo::REJECT_PREFIX) {
                    "REJECTED"
                } else {
                    "VERIFIED"
                }
            }
            _ => "UNVERIFIED",
        }
    }
}

pub(crate) struct Store {
    customers: HashMap<String, Customer>,
}

impl Store {
    pub fn new(seed: bool) -> Store {
        let mut customers = HashMap::new();
        if seed {
            customers.insert(demo::CUSTOMER_NEW.to_string(), Customer::new(OUR_ORG));
            customers.insert(demo::CUSTOMER_SECOND.to_string(), Customer::new(OUR_ORG));
            customers.insert(demo::CUSTOMER_OTHER_ORG.to_string(), Customer::new("org_someone_else"));
            let mut verified = Customer::new(OUR_ORG);
            verified.updates_used = 1;
            verified.document = Some(Document { number: demo::DOCUMENT_IN_USE.into() });
            verified.settled = Some("VERIFIED");
            customers.insert(demo::CUSTOMER_VERIFIED.to_string(), verified);
        }
        Store { customers }
    }

    /// Only customers of the caller's organisation are visible.
    fn ours(&mut self, id: &str) -> Option<&mut Customer> {
        self.customers.get_mut(id).filter(|c| c.org == OUR_ORG)
    }
}

/// DollarPe's error shape.
pub(crate) fn failure(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "status": false, "message": message }))).into_response()
}

fn success(data: Value) -> Response {
    Json(json!({ "status": true, "message": "Success", "data": data })).into_response()
}

const NOT_FOUND: &str = "Customer not found or access denied";

async fn signed(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return failure(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large");
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if header("x-api-key") != Some(DOLLARPE_API_KEY) {
        return failure(StatusCode::UNAUTHORIZED, "Invalid API key");
    }
    let Some(timestamp) = header("x-timestamp").and_then(|t| t.parse::<i64>().ok()) else {
        return failure(StatusCode::UNAUTHORIZED, "Invalid timestamp");
    };
    if (clock::unix_now() + s.faults().clock_offset_secs - timestamp).abs() > TIMESTAMP_WINDOW_SECS {
        return failure(StatusCode::UNAUTHORIZED, "Request timestamp is outside the allowed window");
    }
    let text = String::from_utf8_lossy(&bytes);
    let signed_text = if parts.method == Method::GET { EMPTY_BODY } else { text.as_ref() };
    let signature = header("x-signature").unwrap_or_default();
    let verified = dollarpe_sign::verify(DOLLARPE_API_KEY, DOLLARPE_API_SECRET, timestamp, signed_text, signature);
    if !verified || !in_style(s.style, &parts.method, signed_text) {
        return failure(StatusCode::UNAUTHORIZED, "Invalid signature");
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// With a strict style, the body must be exactly its sorted JSON in that style.
fn in_style(check: StyleCheck, method: &Method, body: &str) -> bool {
    let style = match check {
        StyleCheck::Either => return true,
        StyleCheck::Python => JsonStyle::Python,
        StyleCheck::Compact => JsonStyle::Compact,
    };
    if *method == Method::GET {
        return true;
    }
    // A body that is not JSON is refused by the handler, with a clearer message.
    serde_json::from_str::<Value>(body).map_or(true, |v| to_sorted_json(&v, style) == body)
}

async fn configuration(State(s): State<AppState>, Path(customer_id): Path<String>) -> Response {
    let mut store = lock(&s.dollarpe);
    let Some(customer) = store.ours(&customer_id) else { return failure(StatusCode::BAD_REQUEST, NOT_FOUND) };
    let types: Vec<Value> = DOCUMENT_TYPES
        .iter()
        .map(|t| {
            let rules: Vec<Value> = t.rules.iter().map(|r| json!({ "key": r.key, "label": r.label, "required": r.required, "pattern": r.pattern })).collect();
            json!({ "document_type": t.code, "name": t.name, "requires_back": t.requires_back, "additional_data": rules })
        })
        .collect();
    success(json!({
        "customer_id": customer_id,
        "document_types": types,
        "kyc_status": customer.kyc_status(s.kyc_verify_after),
        "updates_used": customer.updates_used,
        "updates_allowed": UPDATES_ALLOWED,
    }))
}

async fn update_document_info(State(s): State<AppState>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return failure(StatusCode::BAD_REQUEST, "Request body must be a JSON object");
    };
    let text = |v: &Value, field: &str| v.get(field).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let required = |v: &Value, field: &str, name: &str| text(v, field).ok_or_else(|| format!("{name} is required"));
    let details = body.get("document_details").cloned().unwrap_or(Value::Null);
    let fields = (|| {
        Ok::<_, String>((
            required(&body, "customer_id", "customer_id")?,
            required(&body, "full_address", "full_address")?,
            required(&body, "document_type", "document_type")?,
            required(&body, "document_front_image_url", "document_front_image_url")?,
            required(&details, "document_number", "document_details.document_number")?,
        ))
    })();
    let (customer_id, _address, document_type, front, number) = match fields {
        Ok(f) => f,
        Err(message) => return failure(StatusCode::BAD_REQUEST, &message),
    };
    let back = text(&body, "document_back_image_url");

    let mut store = lock(&s.dollarpe);
    let Some(customer) = store.ours(&customer_id) else { return failure(StatusCode::BAD_REQUEST, NOT_FOUND) };
    if customer.updates_used >= UPDATES_ALLOWED {
        return failure(StatusCode::BAD_REQUEST, "Document info can be updated at most 3 times");
    }
    if let Err(message) = check_document(&document_type, &front, back.as_deref(), details.get("additional_data")) {
        return failure(StatusCode::BAD_REQUEST, &message);
    }
    let in_use = store.customers.iter().any(|(id, c)| *id != customer_id && c.document.as_ref().is_some_and(|d| d.number.eq_ignore_ascii_case(&number)));
    if in_use {
        return failure(StatusCode::BAD_REQUEST, "KYC already in use");
    }
    let customer = store.ours(&customer_id).expect("found above");
    customer.updates_used += 1;
    customer.document = Some(Document { number });
    customer.submitted_at = Some(Instant::now());
    success(json!({ "id": uuid::Uuid::new_v4().to_string(), "status": "UNVERIFIED" }))
}

fn check_document(code: &str, front: &str, back: Option<&str>, additional: Option<&Value>) -> Result<(), String> {
    let Some(kind) = DOCUMENT_TYPES.iter().find(|t| t.code == code) else {
        let known: Vec<&str> = DOCUMENT_TYPES.iter().map(|t| t.code).collect();
        return Err(format!("Unsupported document_type \"{code}\"; use one of {}", known.join(", ")));
    };
    check_image_url("document_front_image_url", front)?;
    match back {
        Some(url) => check_image_url("document_back_image_url", url)?,
        None if kind.requires_back => return Err(format!("document_back_image_url is required for {code}")),
        None => {}
    }
    let additional = match additional {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("document_details.additional_data must be an object".into()),
    };
    for rule in kind.rules {
        let field = format!("document_details.additional_data.{}", rule.key);
        match additional.get(rule.key) {
            None | Some(Value::Null) if rule.required => return Err(format!("{field} ({}) is required for {code}", rule.label)),
            None | Some(Value::Null) => {}
            Some(Value::String(v)) => {
                let pattern = regex::Regex::new(rule.pattern).expect("patterns are valid");
                if !pattern.is_match(v) {
                    return Err(format!("{field} \"{v}\" does not match {}", rule.pattern));
                }
            }
            Some(_) => return Err(format!("{field} must be a string")),
        }
    }
    Ok(())
}

/// "Accepts JPG, JPEG, PNG and PDF links": an http(s) URL whose path has one of those extensions.
fn check_image_url(field: &str, raw: &str) -> Result<(), String> {
    let url = url::Url::parse(raw).map_err(|_| format!("{field} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("{field} must be an http(s) URL"));
    }
    let path = url.path().to_ascii_lowercase();
    if ![".jpg", ".jpeg", ".png", ".pdf"].iter().any(|ext| path.ends_with(ext)) {
        return Err(format!("{field} must link to a JPG, JPEG, PNG or PDF file"));
    }
    Ok(())
}

/// Sandbox-only: a fresh customer of the demo organisation (for bulk runs).
async fn add_customer(State(s): State<AppState>) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    lock(&s.dollarpe).customers.insert(id.clone(), Customer::new(OUR_ORG));
    (StatusCode::CREATED, Json(json!({ "customer_id": id }))).into_response()
}
