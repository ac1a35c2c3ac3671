//! Signzy Contract360 (as Crego's `SignzyRefreshSigning` node sees it): initiate a
//! contract for its signers, then pull its status. Auth is the `Authorization`
//! header carrying the access token as is.
//!
//! Assumptions (the excerpt has neither paths nor errors): the paths are
//! `POST /api/v3/contract/initiate` and `POST /api/v3/contract/pullData`; errors are
//! `{"error": {"message", "statusCode"}}` (401 "Unauthorized", 400, 404 "Contract
//! not found", 500). Ids are UUIDs. The status document keeps the excerpt's field
//! names and, as it does, types every scalar as a string (counts, `isCompleted`
//! "true"/"false"; `deletedsignerdetail` too, as ""). `contractStatus` is INITIATED,
//! PARTIALLY_SIGNED or COMPLETED; a signer's `status` is PENDING or SIGNED. Hashes are
//! SHA-256 hex. Without `base64EncodedOutput`, documents are links to the sandbox.
//! Signers sign through the sandbox-only
//! `POST /_sandbox/signzy/{contractId}/signers/{signerId}/sign`, whose optional body
//! `{"outcome": "failure"}` records a failed attempt instead.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::clock;
use crate::credentials::SIGNZY_TOKEN;
use crate::demo;
use crate::state::{lock, AppState};

pub(crate) fn routes(shared: AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/api/v3/contract/initiate", post(initiate))
        .route("/api/v3/contract/pullData", post(pull_data))
        .route_layer(middleware::from_fn_with_state(shared, token));
    let open = Router::new()
        .route("/signzy/contracts/{contract_id}/{document}", get(document))
        .route("/_sandbox/signzy/{contract_id}/signers/{signer_id}/sign", post(sign));
    api.merge(open)
}

pub(crate) struct Signer {
    pub id: String,
    pub name: String,
    pub signature_type: String,
    pub signed_at: Option<String>,
    ip: String,
    failures: u32,
    attempts: Vec<Value>,
}

pub(crate) struct Contract {
    pub name: String,
    executer: String,
    ttl: String,
    pdf: Vec<u8>,
    success_redirect: String,
    failure_redirect: String,
    callback: String,
    pub signers: Vec<Signer>,
    completed_at: Option<String>,
}

impl Contract {
    fn signed_count(&self) -> usize {
        self.signers.iter().filter(|s| s.signed_at.is_some()).count()
    }

    /// The "signed" PDF: the original with a trailer naming its signers.
    fn final_pdf(&self) -> Option<Vec<u8>> {
        self.completed_at.as_ref()?;
        let mut pdf = self.pdf.clone();
        for s in &self.signers {
            pdf.extend_from_slice(format!("\n% signed by {} at {}", s.name, s.signed_at.as_deref().unwrap_or_default()).as_bytes());
        }
        Some(pdf)
    }
}

pub(crate) struct Store {
    contracts: HashMap<String, Contract>,
}

/// A one-page PDF for the seeded contract.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

impl Store {
    pub fn new(seed: bool) -> Store {
        let mut contracts = HashMap::new();
        if seed {
            let signer = |id: &str, name: &str, signed_at: Option<&str>| Signer {
                id: id.into(),
                name: name.into(),
                signature_type: "AADHAARESIGN-OTP".into(),
                signed_at: signed_at.map(Into::into),
                ip: if signed_at.is_some() { "203.0.113.24".into() } else { String::new() },
                failures: 0,
                attempts: signed_at.map(|_| vec![attempt("", "SUCCESS")]).unwrap_or_default(),
            };
            contracts.insert(
                demo::CONTRACT_HALF_SIGNED.to_string(),
                Contract {
                    name: "Loan agreement LN-2291".into(),
                    executer: "Signet Demo Lending".into(),
                    ttl: "30".into(),
                    pdf: DEMO_PDF.to_vec(),
                    success_redirect: String::new(),
                    failure_redirect: String::new(),
                    callback: String::new(),
                    signers: vec![
                        signer(demo::CONTRACT_SIGNER_SIGNED, "Priya Raman", Some("2026-01-05T09:41:12.000Z")),
                        signer(demo::CONTRACT_SIGNER_PENDING, "Arjun Mehta", None),
                    ],
                    completed_at: None,
                },
            );
        }
        Store { contracts }
    }

    pub fn contract(&self, id: &str) -> Option<&Contract> {
        self.contracts.get(id)
    }
}

fn attempt(error: &str, aadhaar_status: &str) -> Value {
    let dsc = [
        "state",
        "pincode",
        "dnQualifier",
        "yob",
        "gender",
        "uidLastFourDigits",
        "x500UniqueIdentifier",
        "aadhaarToken",
        "pseudonym",
        "aadhaarType",
        "country",
        "name",
    ];
    let dsc: serde_json::Map<String, Value> = dsc.iter().map(|k| (k.to_string(), json!(""))).collect();
    json!({ "errorMessage": error, "aadhaarStatus": aadhaar_status, "aadhaarErrorMessage": error, "signerDscData": dsc })
}

/// Signzy's error shape.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message, "statusCode": status.as_u16() } }))).into_response()
}

async fn token(req: Request, next: Next) -> Response {
    let given = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::trim);
    if given != Some(SIGNZY_TOKEN) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    next.run(req).await
}

fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

async fn initiate(State(s): State<AppState>, body: Bytes) -> Response {
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return error(StatusCode::BAD_REQUEST, "Request body must be a JSON object"),
    };
    match new_contract(&body) {
        Ok(contract) => {
            let id = uuid::Uuid::new_v4().to_string();
            let signers: Vec<Value> = contract
                .signers
                .iter()
                .map(|x| json!({ "signerId": x.id, "signerName": x.name, "signerUrl": format!("{}/signzy/sign/{id}/{}", s.base_url, x.id) }))
                .collect();
            lock(&s.signzy).contracts.insert(id.clone(), contract);
            Json(json!({ "contractId": id, "signerdetail": signers })).into_response()
        }
        Err(message) => error(StatusCode::BAD_REQUEST, &message),
    }
}

fn new_contract(body: &Value) -> Result<Contract, String> {
    let required = |field: &str| text(body, field).ok_or_else(|| format!("{field} is required"));
    let name = required("contractName")?;
    let executer = required("contractExecuterName")?;
    // The excerpt types it as a string; a number is accepted too.
    let ttl = match body.get("contractTtl") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(t)) => t.trim().to_string(),
        _ => return Err("contractTtl is required".into()),
    };
    if !ttl.parse::<u32>().is_ok_and(|d| d > 0) {
        return Err("contractTtl must be a positive whole number".into());
    }
    let pdf = B64.decode(required("initialContract")?).map_err(|_| "initialContract must be base64".to_string())?;
    if !pdf.starts_with(b"%PDF-") {
        return Err("initialContract must be a base64-encoded PDF".into());
    }
    let list = match body.get("signers") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        _ => return Err("signers must be a non-empty list".into()),
    };
    let mut signers = Vec::new();
    for (i, x) in list.iter().enumerate() {
        let field = |f: &str| text(x, f).ok_or_else(|| format!("signers[{i}].{f} is required"));
        let (name, email, _mobile, signature_type) = (field("signerName")?, field("signerEmail")?, field("signerMobile")?, field("signatureType")?);
        if !email.contains('@') {
            return Err(format!("signers[{i}].signerEmail is not an email address"));
        }
        signers.push(Signer { id: uuid::Uuid::new_v4().to_string(), name, signature_type, signed_at: None, ip: String::new(), failures: 0, attempts: vec![] });
    }
    let url = |field: &str| -> Result<String, String> {
        match text(body, field) {
            Some(u) if !u.starts_with("https://") && !u.starts_with("http://") => Err(format!("{field} must be an http(s) URL")),
            other => Ok(other.unwrap_or_default()),
        }
    };
    Ok(Contract {
        name,
        executer,
        ttl,
        pdf,
        success_redirect: url("successRedirectUrl")?,
        failure_redirect: url("failureRedirectUrl")?,
        callback: url("callbackUrl")?,
        signers,
        completed_at: None,
    })
}

async fn pull_data(State(s): State<AppState>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Request body must be a JSON object");
    };
    let Some(id) = text(&body, "contractId") else { return error(StatusCode::BAD_REQUEST, "contractId is required") };
    let base64 = body.get("base64EncodedOutput").and_then(Value::as_bool).unwrap_or(false);
    let store = lock(&s.signzy);
    let Some(c) = store.contract(&id) else { return error(StatusCode::NOT_FOUND, "Contract not found") };
    Json(status_document(&s.base_url, &id, c, base64)).into_response()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The `SignzyRefreshSigning` response, field for field.
fn status_document(base: &str, id: &str, c: &Contract, base64: bool) -> Value {
    let doc = |name: &str, bytes: &[u8]| if base64 { B64.encode(bytes) } else { format!("{base}/signzy/contracts/{id}/{name}") };
    let final_pdf = c.final_pdf();
    let signed = c.signed_count();
    let signers: Vec<Value> = c
        .signers
        .iter()
        .map(|x| {
            let done = x.signed_at.is_some();
            json!({
                "signerName": x.name, "signerGender": "", "signerYearOfBirth": "", "signerId": x.id,
                "signatureType": x.signature_type,
                "contractLastSignTime": x.signed_at.clone().unwrap_or_default(),
                "status": if done { "SIGNED" } else { "PENDING" },
                "errorMessage": "",
                "aadhaarStatus": if done { "SUCCESS" } else if x.failures > 0 { "FAILED" } else { "" },
                "aadhaarErrorMessage": "",
                "matchScoreResult": {},
                "signerIP": x.ip,
                "noOfSuccessfulAttempts": (done as u32).to_string(),
                "noOfFailureAttempts": x.failures.to_string(),
                "signerSignedContract": if done { doc("initial.pdf", &c.pdf) } else { String::new() },
                "signerSignedContractHash": if done { sha256_hex(&c.pdf) } else { String::new() },
                "esignAttempts": x.attempts,
            })
        })
        .collect();
    json!({
        "contractId": id,
        "initialSignerCount": c.signers.len().to_string(),
        "signedSignerCount": signed.to_string(),
        "deletedSignerCount": "0",
        "contractName": c.name,
        "contractExecuterName": c.executer,
        "successRedirectUrl": c.success_redirect,
        "failureRedirectUrl": c.failure_redirect,
        "callbackUrl": c.callback,
        "signerCallbackUrl": "",
        "contractTtl": c.ttl,
        "initialContract": doc("initial.pdf", &c.pdf),
        "initialContractHash": sha256_hex(&c.pdf),
        "finalSignedContract": final_pdf.as_ref().map(|p| doc("final.pdf", p)).unwrap_or_default(),
        "finalSignedContractHash": final_pdf.as_ref().map(|p| sha256_hex(p)).unwrap_or_default(),
        "isCompleted": c.completed_at.is_some().to_string(),
        "contractCompletionTime": c.completed_at.clone().unwrap_or_default(),
        "contractStatus": match signed { 0 => "INITIATED", n if n < c.signers.len() => "PARTIALLY_SIGNED", _ => "COMPLETED" },
        "customerMailList": "",
        "customerMailListVisibility": "",
        "callbackStatus": "",
        "estamp": { "transactionId": "", "estampStatus": "", "transactionResult": { "challanNo": "", "challanSubNo": "", "eStampedFile": "" } },
        "signerdetail": signers,
        "deletedsignerdetail": "",
    })
}

/// The contract's PDFs, for status documents pulled without base64.
async fn document(State(s): State<AppState>, Path((id, name)): Path<(String, String)>) -> Response {
    let store = lock(&s.signzy);
    let pdf = store.contract(&id).and_then(|c| match name.as_str() {
        "initial.pdf" => Some(c.pdf.clone()),
        "final.pdf" => c.final_pdf(),
        _ => None,
    });
    match pdf {
        Some(pdf) => ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response(),
        None => error(StatusCode::NOT_FOUND, "Document not found"),
    }
}

/// Sandbox-only: a signer signs (or fails an attempt); the contract completes when
/// every signer has signed.
async fn sign(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path((id, signer_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let failed = text(&body, "outcome").as_deref() == Some("failure");
    let mut store = lock(&s.signzy);
    let Some(c) = store.contracts.get_mut(&id) else { return error(StatusCode::NOT_FOUND, "Contract not found") };
    let Some(x) = c.signers.iter_mut().find(|x| x.id == signer_id) else {
        return error(StatusCode::NOT_FOUND, "Signer not found");
    };
    if x.signed_at.is_some() {
        return error(StatusCode::CONFLICT, "Signer has already signed");
    }
    if failed {
        x.failures += 1;
        x.attempts.push(attempt("OTP verification failed", "FAILED"));
    } else {
        x.signed_at = Some(clock::rfc3339_now());
        x.ip = text(&body, "signerIP").unwrap_or_else(|| peer.ip().to_string());
        x.attempts.push(attempt("", "SUCCESS"));
    }
    let status = if x.signed_at.is_some() { "SIGNED" } else { "PENDING" };
    if c.signed_count() == c.signers.len() {
        c.completed_at = Some(clock::rfc3339_now());
    }
    Json(json!({ "contractId": id, "signerId": signer_id, "status": status, "isCompleted": c.completed_at.is_some().to_string() })).into_response()
}
