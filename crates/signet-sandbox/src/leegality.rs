//! Leegality: signing requests made from a PDF, followed invitee by invitee, and
//! the signed document downloaded, under the v3 paths of Leegality's API reference
//! (the base URL is the sandbox's own address, standing for `.../api`).
//!
//! Assumptions where the public reference is silent or cut off:
//! - a wrong or missing `X-Auth-Token` is HTTP 401 with the envelope `{status: 0,
//!   messages: [{code: "auth.token.invalid"}]}`; every other refusal is HTTP 200 with
//!   `status: 0` and a dotted code (`profile.id.invalid`, `file.invalid`,
//!   `invitees.invalid`, `no.document.found`, `document.download.type`);
//! - the only published workflow (`profileId`) is `demo::LEEGALITY_WORKFLOW`; it takes
//!   any number of invitees, all active at once, with a 30-day expiry;
//! - `documentId` is a 26-character id (the form the 2026 reference shows); `signUrl`
//!   is a page of the sandbox; `expiryDate` is `dd-MM-yyyy HH:mm:ss`;
//! - `GET /v3.2/sign/request` answers the v3.0 shape (`data.requests[]` with
//!   `signed`/`rejected`/`expired`/`active`), `files` and `auditTrail` as sandbox links;
//! - `GET /v3.1/document/fetchDocument` answers the PDF for `DOCUMENT` at any stage
//!   (the original until every invitee signed, then the signed copy) and for
//!   `AUDIT_TRAIL` once complete; otherwise an envelope refusal;
//! - `GET /v3.0/sign/request/list?q=` matches the name, documentId or irn.
//!
//! Invitees sign (or reject) through the sandbox-only
//! `POST /_sandbox/leegality/{documentId}/invitees/{index}/sign` (body `{"action":
//! "reject"}` to reject) or by opening their `signUrl` and pressing the button.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};

use crate::credentials::LEEGALITY_TOKEN;
use crate::demo;
use crate::state::{lock, AppState};

pub(crate) fn routes(shared: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/v3.0/sign/request", post(create))
        .route("/v3.2/sign/request", get(status))
        .route("/v3.0/sign/request/list", get(list))
        .route("/v3.1/document/fetchDocument", get(fetch))
        .route_layer(middleware::from_fn_with_state(shared, token));
    let open = Router::new()
        .route("/leegality/sign/{sign_id}", get(sign_page).post(sign_by_page))
        .route("/_sandbox/leegality/{document_id}/invitees/{index}/sign", post(sign_by_admin));
    api.merge(open)
}

struct Invitee {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    sign_id: String,
    signed_at: Option<String>,
    rejected: bool,
}

struct Document {
    name: String,
    irn: Option<String>,
    pdf: Vec<u8>,
    invitees: Vec<Invitee>,
    expiry: String,
}

impl Document {
    fn completed(&self) -> bool {
        self.invitees.iter().all(|i| i.signed_at.is_some())
    }

    /// The "signed" PDF: the original with a trailer naming each signature.
    fn signed_pdf(&self) -> Vec<u8> {
        let mut pdf = self.pdf.clone();
        for i in &self.invitees {
            pdf.extend_from_slice(format!("\n% signed through Leegality by {} at {}", i.name, i.signed_at.as_deref().unwrap_or_default()).as_bytes());
        }
        pdf
    }

    fn audit_trail(&self, id: &str) -> Vec<u8> {
        let lines: Vec<String> = self.invitees.iter().map(|i| format!("{} signed at {}", i.name, i.signed_at.as_deref().unwrap_or_default())).collect();
        format!("%PDF-1.4\n% Leegality sandbox audit trail of {id}: {}\n%%EOF\n", lines.join("; ")).into_bytes()
    }
}

#[derive(Default)]
pub(crate) struct Store {
    documents: HashMap<String, Document>,
}

impl Store {
    pub fn new(_seed: bool) -> Store {
        Store::default()
    }
}

/// The envelope every answer is.
fn ok(data: Value) -> Response {
    Json(json!({ "status": 1, "messages": [], "data": data })).into_response()
}

/// A refusal: HTTP 200 with `status: 0`, as Leegality answers them.
fn refused(code: &str, message: &str) -> Response {
    Json(json!({ "status": 0, "messages": [{ "code": code, "message": message }], "data": null })).into_response()
}

/// Leegality's shape for an injected 500.
pub(crate) fn internal_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "status": 0, "messages": [{ "code": "internal.error", "message": "Something went wrong" }], "data": null })),
    )
        .into_response()
}

async fn token(req: Request, next: Next) -> Response {
    let given = req.headers().get("x-auth-token").and_then(|v| v.to_str().ok()).map(str::trim);
    if given != Some(LEEGALITY_TOKEN) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "status": 0, "messages": [{ "code": "auth.token.invalid", "message": "Invalid X-Auth-Token" }], "data": null })),
        )
            .into_response();
    }
    next.run(req).await
}

fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

/// A 26-character id in Crockford's alphabet, like the reference's examples.
fn document_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut n = u128::from_be_bytes(bytes);
    (0..26)
        .map(|_| {
            let c = ALPHABET[(n % 32) as usize] as char;
            n /= 32;
            c
        })
        .collect()
}

fn expiry_in_30_days() -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    at.format(time::macros::format_description!("[day]-[month]-[year] [hour]:[minute]:[second]")).expect("formats")
}

async fn create(State(s): State<AppState>, body: Bytes) -> Response {
    let Ok(body @ Value::Object(_)) = serde_json::from_slice::<Value>(&body) else {
        return refused("request.invalid", "The request body must be a JSON object.");
    };
    if text(&body, "profileId").as_deref() != Some(demo::LEEGALITY_WORKFLOW) {
        return refused("profile.id.invalid", "No published workflow has this profileId.");
    }
    let Some(file) = body.get("file") else { return refused("file.invalid", "file is required.") };
    let name = text(file, "name").unwrap_or_else(|| "document.pdf".into());
    let Some(pdf) = text(file, "file").and_then(|b| B64.decode(b).ok()) else {
        return refused("file.invalid", "file.file must be the base64 of a PDF.");
    };
    if !pdf.starts_with(b"%PDF-") {
        return refused("file.invalid", "file.file must be the base64 of a PDF.");
    }
    if pdf.len() > 15 * 1024 * 1024 {
        return refused("file.size.exceeded", "The document may be at most 15 MB.");
    }
    let Some(Value::Array(list)) = body.get("invitees").filter(|v| v.as_array().is_some_and(|a| !a.is_empty())) else {
        return refused("invitees.invalid", "invitees must be a non-empty list.");
    };
    let mut invitees = Vec::new();
    for (i, x) in list.iter().enumerate() {
        let Some(invitee_name) = text(x, "name") else { return refused("invitees.invalid", &format!("invitees[{i}].name is required.")) };
        let (email, phone) = (text(x, "email"), text(x, "phone"));
        if email.is_none() && phone.is_none() {
            return refused("invitees.invalid", &format!("invitees[{i}]: either email or phone is required."));
        }
        if email.as_deref().is_some_and(|e| !e.contains('@')) {
            return refused("invitees.invalid", &format!("invitees[{i}].email is not an email address."));
        }
        if phone.as_deref().is_some_and(|p| p.len() != 10 || !p.bytes().all(|b| b.is_ascii_digit())) {
            return refused("invitees.invalid", &format!("invitees[{i}].phone must be a valid 10 digit mobile number."));
        }
        invitees.push(Invitee { name: invitee_name, email, phone, sign_id: uuid::Uuid::new_v4().to_string(), signed_at: None, rejected: false });
    }
    if let Some(irn) = text(&body, "irn") {
        if irn.len() > 255 {
            return refused("irn.length.invalid", "irn may be at most 255 characters.");
        }
    }
    let id = document_id();
    let document = Document { name, irn: text(&body, "irn"), pdf, invitees, expiry: expiry_in_30_days() };
    let links: Vec<Value> = document
        .invitees
        .iter()
        .map(|i| json!({ "name": i.name, "email": i.email, "phone": i.phone, "signUrl": format!("{}/leegality/sign/{}", s.base_url, i.sign_id), "active": true, "expiryDate": document.expiry }))
        .collect();
    let irn = document.irn.clone();
    lock(&s.leegality).documents.insert(id.clone(), document);
    ok(json!({ "documentId": id, "irn": irn, "invitees": links }))
}

fn requests(s: &AppState, d: &Document) -> Vec<Value> {
    d.invitees
        .iter()
        .map(|i| {
            json!({
                "name": i.name, "email": i.email, "phone": i.phone,
                "signUrl": format!("{}/leegality/sign/{}", s.base_url, i.sign_id),
                "active": i.signed_at.is_none() && !i.rejected,
                "signed": i.signed_at.is_some(), "rejected": i.rejected, "expired": false,
                "expiryDate": d.expiry, "signType": if i.signed_at.is_some() { json!("VIRTUAL_SIGN") } else { Value::Null },
            })
        })
        .collect()
}

async fn status(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let store = lock(&s.leegality);
    let Some((id, d)) = q.get("documentId").and_then(|id| store.documents.get_key_value(id.trim())) else {
        return refused("no.document.found", "No document found for this documentId.");
    };
    let done = d.completed();
    ok(json!({
        "documentId": id,
        "irn": d.irn,
        "requests": requests(&s, d),
        "files": [format!("{}/v3.1/document/fetchDocument?documentId={id}&documentDownloadType=DOCUMENT", s.base_url)],
        "auditTrail": if done { json!(format!("{}/v3.1/document/fetchDocument?documentId={id}&documentDownloadType=AUDIT_TRAIL", s.base_url)) } else { Value::Null },
    }))
}

async fn list(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let wanted = q.get("q").map(|t| t.trim().to_string()).unwrap_or_default();
    let max = q.get("max").and_then(|m| m.parse::<usize>().ok()).unwrap_or(20).min(40);
    let store = lock(&s.leegality);
    let documents: Vec<Value> = store
        .documents
        .iter()
        .filter(|(id, d)| wanted.is_empty() || id.contains(&wanted) || d.name.contains(&wanted) || d.irn.as_deref().is_some_and(|irn| irn.contains(&wanted)))
        .take(max)
        .map(|(id, d)| json!({ "documentId": id, "irn": d.irn, "name": d.name, "status": if d.completed() { "COMPLETED" } else { "SENT" } }))
        .collect();
    ok(json!({ "total": documents.len(), "documents": documents }))
}

async fn fetch(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let store = lock(&s.leegality);
    let Some((id, d)) = q.get("documentId").and_then(|id| store.documents.get_key_value(id.trim())) else {
        return refused("no.document.found", "No document found for this documentId.");
    };
    let pdf = match q.get("documentDownloadType").map(String::as_str) {
        Some("DOCUMENT") if d.completed() => d.signed_pdf(),
        Some("DOCUMENT") => d.pdf.clone(),
        Some("AUDIT_TRAIL") if d.completed() => d.audit_trail(id),
        Some("AUDIT_TRAIL") => return refused("no.document.found", "The audit trail exists once every invitee has signed."),
        _ => return refused("document.download.type", "documentDownloadType must be one of DOCUMENT, AUDIT_TRAIL, ATTACHMENT, SUPPORTING_DOCUMENT."),
    };
    ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response()
}

/// Records an invitee's signature (or rejection); `None` if there is no such invitee.
fn act(s: &AppState, find: impl Fn(&str, usize, &Invitee) -> bool, reject: bool) -> Option<String> {
    let mut store = lock(&s.leegality);
    for (id, d) in store.documents.iter_mut() {
        for (n, i) in d.invitees.iter_mut().enumerate() {
            if find(id, n, i) {
                if i.signed_at.is_none() && !i.rejected {
                    if reject {
                        i.rejected = true;
                    } else {
                        i.signed_at = Some(crate::clock::rfc3339_now());
                    }
                }
                return Some(id.clone());
            }
        }
    }
    None
}

async fn sign_by_admin(State(s): State<AppState>, Path((document_id, index)): Path<(String, usize)>, body: Bytes) -> Response {
    let reject = serde_json::from_slice::<Value>(&body).ok().and_then(|b| text(&b, "action")).as_deref() == Some("reject");
    match act(&s, |id, n, _| id == document_id && n == index, reject) {
        Some(_) => Json(json!({ "documentId": document_id, "invitee": index, "action": if reject { "rejected" } else { "signed" } })).into_response(),
        None => crate::routes::plain_error(StatusCode::NOT_FOUND, "no such document or invitee"),
    }
}

async fn sign_page(State(s): State<AppState>, Path(sign_id): Path<String>) -> Response {
    let store = lock(&s.leegality);
    let found = store.documents.values().find_map(|d| d.invitees.iter().find(|i| i.sign_id == sign_id).map(|i| (d, i)));
    let Some((d, i)) = found else { return crate::routes::plain_error(StatusCode::NOT_FOUND, "no such invitation") };
    let state = if i.signed_at.is_some() {
        "signed"
    } else if i.rejected {
        "rejected"
    } else {
        "waiting"
    };
    let name = crate::pages::escape(&i.name);
    let doc = crate::pages::escape(&d.name);
    Html(format!(
        "<!doctype html><title>Leegality sandbox</title><h1>{doc}</h1><p>{name}: {state}</p>\
         <form method=post><button name=action value=sign>Sign</button> <button name=action value=reject>Reject</button></form>"
    ))
    .into_response()
}

async fn sign_by_page(State(s): State<AppState>, Path(sign_id): Path<String>, body: Bytes) -> Response {
    let reject = String::from_utf8_lossy(&body).contains("action=reject");
    match act(&s, |_, _, i| i.sign_id == sign_id, reject) {
        Some(_) => Html(format!("<!doctype html><p>{}. You can close this page.</p>", if reject { "Rejected" } else { "Signed" })).into_response(),
        None => crate::routes::plain_error(StatusCode::NOT_FOUND, "no such invitation"),
    }
}
