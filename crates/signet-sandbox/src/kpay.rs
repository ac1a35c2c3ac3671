//! myKaarma KPay: payment requests and e-signature capture, behind HTTP Basic auth.
//!
//! Choices the excerpts leave open, made here:
//! - `textSent` / `emailSent` are always present, as the schema lists them on every
//!   200. A channel that was not requested is `FAILURE` (nothing was sent) with no
//!   warning; a requested channel the customer cannot receive (no mobile number or
//!   email address on file) is `FAILURE` with a warning saying why.
//! - Any well-formed invoice GUID is an invoice of the dealer system (so bulk runs can
//!   use fresh ones); the seeded demo invoices have names, amounts and gaps.
//! - "get SignatureRequest" has no documented path; it is served beside the capture
//!   path, at `GET /payment/kpayment/v1/esign/spiRequests/{spiRequestUUID}`, and its
//!   `documents[]` / `signers[]` items are shaped here (`documentName`/`documentUrl`,
//!   `signerName`/`signerEmail`/`signerPhone`/`isSigned`).
//! - Capture of an unknown or already-signed request is a 200 FAILURE with string
//!   codes `SPI_REQUEST_NOT_FOUND` / `SIGNATURE_ALREADY_CAPTURED`; a malformed body,
//!   URL or spiRequestUUID is a 400 in the `errors[]` shape.
//! - The payment request reply carries no spiRequestUUID (the docs list none); the
//!   sandbox-only `GET /_sandbox/kpay/signature-requests?invoiceGuid=` finds it.
//! - `sendWithoutKpay: true` shares the invoice with no way to pay through KPay: the
//!   reply's `paymentLink` is null, the invoice link and channels are as usual.
//! - `attachInvoice` on an invoice whose customer has no email (the attachment
//!   travels by email) still creates the request, with an `errors[]` entry beside
//!   the link (code 4010): the 200-with-errors the schema allows.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use signet_core::validate;

use crate::clock;
use crate::credentials::{KPAY_PASSWORD, KPAY_USERNAME};
use crate::demo;
use crate::state::{lock, AppState};

pub(crate) fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/payment/v4/departments/{department_uuid}/payment-requests", post(send_payment_request))
        .route("/payment/kpayment/v1/esign/spiRequests/{spi}", get(get_signature_request))
        .route("/payment/kpayment/v1/esign/spiRequests/{spi}/process/capture", put(capture))
        .route_layer(middleware::from_fn(basic_auth));
    let sandbox = Router::new()
        .route("/_sandbox/kpay/departments", post(add_department))
        .route("/_sandbox/kpay/payment-requests", get(list_payment_requests))
        .route("/_sandbox/kpay/signature-requests", get(list_signature_requests));
    api.merge(sandbox)
}

#[derive(Clone)]
pub(crate) struct Invoice {
    pub number: String,
    pub customer: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub amount: String,
    pub description: String,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentRequest {
    pub id: String,
    pub department_uuid: String,
    pub invoice_guid: String,
    pub created_at: String,
    pub send_without_kpay: bool,
    pub attach_invoice: bool,
    pub send_as_text: bool,
    pub send_as_email: bool,
    pub esign_required: bool,
    pub text_sent: &'static str,
    pub email_sent: &'static str,
    #[serde(rename = "spiRequestUUID")]
    pub spi_request_uuid: Option<String>,
}

pub(crate) struct SignatureRequest {
    pub spi: String,
    pub invoice_guid: String,
    pub payment_request_id: String,
    pub signed_document_url: Option<String>,
}

pub(crate) struct Store {
    departments: BTreeMap<String, String>,
    invoices: HashMap<String, Invoice>,
    payment_requests: Vec<PaymentRequest>,
    signature_requests: Vec<SignatureRequest>,
}

impl Store {
    pub fn new(seed: bool) -> Store {
        let mut store = Store { departments: BTreeMap::new(), invoices: HashMap::new(), payment_requests: vec![], signature_requests: vec![] };
        if seed {
            for (uuid, name) in demo::DEPARTMENTS {
                store.departments.insert(uuid.into(), name.into());
            }
            let invoice = |number: &str, customer: &str, mobile: Option<&str>, email: Option<&str>, amount: &str, description: &str| Invoice {
                number: number.into(),
                customer: customer.into(),
                mobile: mobile.map(Into::into),
                email: email.map(Into::into),
                amount: amount.into(),
                description: description.into(),
            };
            let seeded = [
                (
                    demo::INVOICE_BRAKES,
                    invoice("RO-10482", "Dana Whitfield", Some("+1 555 0100 482"), Some("dana.whitfield@example.com"), "412.50", "Front brake pads and rotors"),
                ),
                (demo::INVOICE_NO_MOBILE, invoice("RO-10483", "Marcus Okafor", None, Some("m.okafor@example.com"), "89.99", "Oil change and tyre rotation")),
                (demo::INVOICE_NO_EMAIL, invoice("RO-10484", "Lucia Ferreira", Some("+1 555 0100 484"), None, "1260.00", "Timing belt replacement")),
            ];
            for (guid, inv) in seeded {
                store.invoices.insert(guid.into(), inv);
            }
        }
        store
    }

    /// A seeded invoice, or the dealer system's stand-in for any other GUID.
    pub fn invoice(&self, guid: &str) -> Invoice {
        if let Some(inv) = self.invoices.get(guid) {
            return inv.clone();
        }
        // Derived from the GUID so the same invoice always shows the same amount.
        let cents = guid.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 90_000 + 1_000;
        Invoice {
            number: format!("RO-{}", guid[..8].to_ascii_uppercase()),
            customer: "Sandbox Customer".into(),
            mobile: Some("+1 555 0100 000".into()),
            email: Some("customer@example.com".into()),
            amount: format!("{}.{:02}", cents / 100, cents % 100),
            description: "Service visit".into(),
        }
    }

    pub fn payment_request(&self, id: &str) -> Option<&PaymentRequest> {
        self.payment_requests.iter().find(|p| p.id == id)
    }

    pub fn signature_request(&self, spi: &str) -> Option<&SignatureRequest> {
        self.signature_requests.iter().find(|r| r.spi == spi)
    }

    /// "get SignatureRequest" as served.
    pub fn signature_view(&self, base: &str, r: &SignatureRequest) -> Value {
        let inv = self.invoice(&r.invoice_guid);
        let signed = r.signed_document_url.is_some();
        json!({
            "spiRequestUUID": r.spi,
            "signatureCaptureUrl": format!("{base}/sign/{}", r.spi),
            "signedDocumentUrl": r.signed_document_url,
            "isSigned": signed,
            "documents": [{ "documentName": format!("Invoice {}", inv.number), "documentUrl": format!("{base}/invoice/{}", r.invoice_guid) }],
            "signers": [{ "signerName": inv.customer, "signerEmail": inv.email, "signerPhone": inv.mobile, "isSigned": signed }],
            "renewCount": 0,
        })
    }
}

/// myKaarma's 4xx/5xx shape: `errors[]` with an integer code.
pub(crate) fn errors(status: StatusCode, title: &str, message: &str, description: &str) -> Response {
    let body = json!({
        "errors": [{ "errorCode": status.as_u16(), "errorTitle": title, "errorMessage": message, "errorDescription": description }],
        "warnings": [],
    });
    (status, Json(body)).into_response()
}

fn bad_request(message: &str, description: &str) -> Response {
    errors(StatusCode::BAD_REQUEST, "Bad Request", message, description)
}

async fn basic_auth(req: Request, next: Next) -> Response {
    match credentials_in(req.headers()) {
        Some((user, pass)) if user == KPAY_USERNAME && pass == KPAY_PASSWORD => next.run(req).await,
        found => {
            let message = if found.is_some() { "Bad credentials" } else { "Missing credentials" };
            let mut resp = errors(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                message,
                "Full authentication is required: send HTTP Basic credentials of a service subscriber.",
            );
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic realm=\"myKaarma\""));
            resp
        }
    }
}

fn credentials_in(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let (user, pass) = String::from_utf8(decoded).ok()?.split_once(':').map(|(u, p)| (u.to_string(), p.to_string()))?;
    Some((user, pass))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendBody {
    invoice_guid: Option<String>,
    // Undocumented defaults: an omitted flag is false.
    #[serde(default)]
    send_without_kpay: bool,
    #[serde(default)]
    attach_invoice: bool,
    #[serde(default)]
    send_as_text: bool,
    #[serde(default)]
    send_as_email: bool,
    #[serde(default)]
    esign_required: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Warning {
    warning_code: u32,
    warning_title: &'static str,
    warning_message: String,
    warning_description: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendReply {
    errors: Vec<Value>,
    warnings: Vec<Warning>,
    /// None (null) when the request was sent without KPay: there is nothing to pay through.
    payment_link: Option<String>,
    invoice_link: String,
    text_sent: &'static str,
    email_sent: &'static str,
}

async fn send_payment_request(State(s): State<AppState>, Path(department): Path<String>, body: Bytes) -> Response {
    let Ok(department) = validate::uuid("departmentUuid", &department) else {
        return bad_request("Invalid departmentUuid", &format!("\"{department}\" is not a UUID."));
    };
    let body: SendBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request("Malformed request body", &e.to_string()),
    };
    let Some(raw_guid) = body.invoice_guid.as_deref().filter(|g| !g.trim().is_empty()) else {
        return bad_request("invoiceGuid is required", "Send the GUID of the invoice to request payment for.");
    };
    let Ok(invoice_guid) = validate::uuid("invoiceGuid", raw_guid) else {
        return bad_request("Invalid invoiceGuid", &format!("\"{raw_guid}\" is not a GUID."));
    };

    let mut store = lock(&s.kpay);
    if !store.departments.contains_key(&department) {
        return bad_request("Department not found", &format!("No department {department} for this service subscriber."));
    }
    let invoice = store.invoice(&invoice_guid);
    let mut warnings = Vec::new();
    let text_sent = channel(
        body.send_as_text,
        invoice.mobile.is_some(),
        || Warning {
            warning_code: 4001,
            warning_title: "Text not sent",
            warning_message: format!("{} has no mobile number on file.", invoice.customer),
            warning_description: "Add a mobile number to the customer, or send by email.",
        },
        &mut warnings,
    );
    let email_sent = channel(
        body.send_as_email,
        invoice.email.is_some(),
        || Warning {
            warning_code: 4002,
            warning_title: "Email not sent",
            warning_message: format!("{} has no email address on file.", invoice.customer),
            warning_description: "Add an email address to the customer, or send by text.",
        },
        &mut warnings,
    );

    let id = uuid::Uuid::new_v4().to_string();
    let spi = body.esign_required.then(|| uuid::Uuid::new_v4().to_string());
    if let Some(spi) = &spi {
        store.signature_requests.push(SignatureRequest {
            spi: spi.clone(),
            invoice_guid: invoice_guid.clone(),
            payment_request_id: id.clone(),
            signed_document_url: None,
        });
    }
    // No idempotency key exists: a repeated POST is another payment request.
    store.payment_requests.push(PaymentRequest {
        id: id.clone(),
        department_uuid: department,
        invoice_guid: invoice_guid.clone(),
        created_at: clock::rfc3339_now(),
        send_without_kpay: body.send_without_kpay,
        attach_invoice: body.attach_invoice,
        send_as_text: body.send_as_text,
        send_as_email: body.send_as_email,
        esign_required: body.esign_required,
        text_sent,
        email_sent,
        spi_request_uuid: spi,
    });
    // The invoice travels as an email attachment: with no email on file it cannot be
    // attached, and the request goes out without it (an error beside the link).
    let mut errors = Vec::new();
    if body.attach_invoice && invoice.email.is_none() {
        errors.push(json!({
            "errorCode": 4010,
            "errorTitle": "Invoice not attached",
            "errorMessage": format!("The invoice is attached to the email, and {} has no email address on file.", invoice.customer),
            "errorDescription": "Add an email address to the customer, or send the invoice link by text.",
        }));
    }
    Json(SendReply {
        errors,
        warnings,
        payment_link: (!body.send_without_kpay).then(|| format!("{}/pay/{id}", s.base_url)),
        invoice_link: format!("{}/invoice/{invoice_guid}", s.base_url),
        text_sent,
        email_sent,
    })
    .into_response()
}

fn channel(requested: bool, reachable: bool, warning: impl FnOnce() -> Warning, warnings: &mut Vec<Warning>) -> &'static str {
    match (requested, reachable) {
        (true, true) => "SUCCESS",
        (true, false) => {
            warnings.push(warning());
            "FAILURE"
        }
        (false, _) => "FAILURE",
    }
}

async fn get_signature_request(State(s): State<AppState>, Path(spi): Path<String>) -> Response {
    let store = lock(&s.kpay);
    match validate::uuid("spiRequestUUID", &spi).ok().and_then(|spi| store.signature_request(&spi)) {
        Some(r) => Json(store.signature_view(&s.base_url, r)).into_response(),
        None => bad_request("Signature request not found", &format!("No signature request {spi}.")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaptureBody {
    signed_document_url: Option<String>,
}

async fn capture(State(s): State<AppState>, Path(spi): Path<String>, body: Bytes) -> Response {
    let body: CaptureBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request("Malformed request body", &e.to_string()),
    };
    let Some(url) = body.signed_document_url.filter(|u| !u.trim().is_empty()) else {
        return bad_request("signedDocumentUrl is required", "Send the URL of the signed document.");
    };
    if let Err(why) = check_document_url(&url) {
        return bad_request("Invalid signedDocumentUrl", &why);
    }
    let Ok(spi) = validate::uuid("spiRequestUUID", &spi) else {
        return bad_request("Invalid spiRequestUUID", &format!("\"{spi}\" is not a UUID."));
    };
    let mut store = lock(&s.kpay);
    let outcome = match store.signature_requests.iter_mut().find(|r| r.spi == spi) {
        None => Some(("SPI_REQUEST_NOT_FOUND", format!("No signature request {spi}."))),
        Some(r) if r.signed_document_url.is_some() => Some(("SIGNATURE_ALREADY_CAPTURED", format!("Signature request {spi} is already signed."))),
        Some(r) => {
            r.signed_document_url = Some(url);
            None
        }
    };
    let body = json!({
        "error": outcome.as_ref().map(|(code, description)| json!({ "errorCode": code, "errorDescription": description })),
        "warnings": [],
        "requestUUID": spi,
        "status": if outcome.is_some() { "FAILURE" } else { "SUCCESS" },
    });
    Json(body).into_response()
}

/// https anywhere, or http on this machine (documents the sandbox hosts itself).
fn check_document_url(raw: &str) -> Result<(), String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("\"{raw}\" is not a URL ({e})."))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(format!("\"{raw}\" has no host.")),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        other => Err(format!("\"{raw}\" must be an https URL, not {other}.")),
    }
}

#[derive(Deserialize)]
struct DepartmentBody {
    name: String,
}

/// Sandbox-only: add a department (useful with `seed_demo_data: false`).
async fn add_department(State(s): State<AppState>, Json(body): Json<DepartmentBody>) -> Response {
    let uuid = uuid::Uuid::new_v4().to_string();
    lock(&s.kpay).departments.insert(uuid.clone(), body.name.clone());
    (StatusCode::CREATED, Json(json!({ "departmentUuid": uuid, "name": body.name }))).into_response()
}

fn invoice_filter(q: &HashMap<String, String>) -> Option<String> {
    q.get("invoiceGuid").map(|g| g.trim().to_ascii_lowercase())
}

/// Sandbox-only: payment requests, optionally of one invoice.
async fn list_payment_requests(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let store = lock(&s.kpay);
    let wanted = invoice_filter(&q);
    let list: Vec<&PaymentRequest> = store.payment_requests.iter().filter(|p| wanted.as_ref().is_none_or(|g| &p.invoice_guid == g)).collect();
    Json(json!(list)).into_response()
}

/// Sandbox-only: signature requests (as "get SignatureRequest" serves them, plus
/// their invoice and payment request), optionally of one invoice.
async fn list_signature_requests(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let store = lock(&s.kpay);
    let wanted = invoice_filter(&q);
    let list: Vec<Value> = store
        .signature_requests
        .iter()
        .filter(|r| wanted.as_ref().is_none_or(|g| &r.invoice_guid == g))
        .map(|r| {
            let mut v = store.signature_view(&s.base_url, r);
            v["invoiceGuid"] = json!(r.invoice_guid);
            v["paymentRequestId"] = json!(r.payment_request_id);
            v
        })
        .collect();
    Json(list).into_response()
}
