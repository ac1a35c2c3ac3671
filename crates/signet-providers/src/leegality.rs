//! Leegality (India): a signing request made from a PDF for its invitees, followed
//! invitee by invitee, and the signed document downloaded. From Leegality's public
//! API reference (v3): each endpoint carries its own version in the path, under a
//! base URL ending in `/api` (`https://app1.leegality.com/api`, sandbox
//! `https://sandbox.leegality.com/api`); every call carries `X-Auth-Token`.
//!
//! - `POST /v3.0/sign/request` `{profileId, file: {name, file: <base64 PDF>},
//!   invitees: [{name, email, phone}], irn}` answers `{status, messages, data:
//!   {documentId, irn, invitees: [{name, email, phone, signUrl, active, expiryDate}]}}`.
//!   There is no idempotency key: a create whose outcome is unknown is looked for by
//!   its `irn` (`GET /v3.0/sign/request/list?q=<irn>`), never resent.
//! - `GET /v3.2/sign/request?documentId=` answers each invitee's request
//!   (`signed`, `rejected`, `expired`, `active`) in `data.requests`.
//! - `GET /v3.1/document/fetchDocument?documentId=&documentDownloadType=DOCUMENT`
//!   (or `AUDIT_TRAIL`) answers the PDF itself.
//! - Every JSON answer is an envelope whose `status` is 1 for success and 0 for a
//!   refusal, even with HTTP 200; `messages[].code` names the reason
//!   (`no.document.found`, ...).
//! - A body is sent with `Content-Type: application/json`; a GET carries none (a
//!   client reported that Leegality then ignores the query string).

use base64::Engine;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::endpoint::join;
use crate::error::{ProviderError, Rejection, Result};
use crate::http::{Http, HttpConfig, Incoming, Outgoing, Repeat};

pub const PROVIDER: &str = "Leegality";
pub const CREATE_PATH: &str = "/v3.0/sign/request";
pub const STATUS_PATH: &str = "/v3.2/sign/request";
pub const LIST_PATH: &str = "/v3.0/sign/request/list";
pub const FETCH_PATH: &str = "/v3.1/document/fetchDocument";

/// What Leegality takes per signing request.
pub const MAX_PDF_BYTES: usize = 15 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRequest {
    /// The published workflow (sign type, order, expiry are set on it).
    pub profile_id: String,
    pub file: DocumentFile,
    pub invitees: Vec<Invitee>,
    /// Our own reference, searchable at Leegality: the operation key.
    pub irn: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentFile {
    pub name: String,
    /// The PDF, base64 (no data: prefix).
    pub file: String,
}

impl DocumentFile {
    pub fn pdf(name: &str, bytes: &[u8]) -> DocumentFile {
        DocumentFile { name: name.into(), file: base64::engine::general_purpose::STANDARD.encode(bytes) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "LeegalityInvitee")]
pub struct Invitee {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A 10-digit mobile number, no country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Every JSON answer: `status` 1 or 0, `messages`, and the data.
#[derive(Debug, Clone, Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    status: i64,
    #[serde(default)]
    messages: Vec<Message>,
    data: Option<T>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
#[ts(export, rename = "LeegalityMessage")]
pub struct Message {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, rename = "LeegalityCreated")]
pub struct Created {
    pub document_id: String,
    pub irn: Option<String>,
    /// `invitees` in v3; v2.1 called them `invitations`.
    #[serde(alias = "invitations")]
    pub invitees: Vec<InvitationLink>,
    /// Warnings that came with a success (e.g. an unstamped document).
    #[serde(skip_deserializing)]
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, rename = "LeegalityInvitationLink")]
pub struct InvitationLink {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub sign_url: String,
    pub active: bool,
    pub expiry_date: Option<String>,
}

/// One invitee's state, as `data.requests` gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, rename = "LeegalityRequest")]
pub struct InviteeState {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub sign_url: Option<String>,
    pub active: bool,
    pub signed: bool,
    pub rejected: bool,
    pub expired: bool,
    pub expiry_date: Option<String>,
    pub sign_type: Option<String>,
    /// `state()` in words, filled in when read (for the desk).
    #[serde(skip_deserializing)]
    pub summary: String,
    /// `stage()`, filled in when read: the desk words it in its language.
    #[serde(skip_deserializing)]
    pub stage: String,
}

impl InviteeState {
    /// Where the invitee is: signed, rejected, expired, waiting (for their
    /// signature) or turn (waiting for their turn in the signing order).
    pub fn stage(&self) -> &'static str {
        if self.signed {
            "signed"
        } else if self.rejected {
            "rejected"
        } else if self.expired {
            "expired"
        } else if self.active {
            "waiting"
        } else {
            "turn"
        }
    }

    /// `stage()` in English words.
    pub fn state(&self) -> &'static str {
        match self.stage() {
            "waiting" => "waiting for signature",
            "turn" => "waiting for their turn",
            done => done,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, rename = "LeegalityStatus")]
pub struct DocumentStatus {
    pub document_id: String,
    pub irn: Option<String>,
    pub requests: Vec<InviteeState>,
    /// `completed()`, filled in when read (for the desk).
    #[serde(skip_deserializing)]
    pub all_signed: bool,
}

impl DocumentStatus {
    /// Every invitee signed: the document is complete and can be downloaded.
    pub fn completed(&self) -> bool {
        !self.requests.is_empty() && self.requests.iter().all(|r| r.signed)
    }

    /// Someone refused or let the invitation lapse: it will not complete as it is.
    pub fn stopped(&self) -> bool {
        self.requests.iter().any(|r| r.rejected || r.expired)
    }
}

/// A document found by the list/search call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, rename = "LeegalityListed")]
pub struct Listed {
    pub document_id: String,
    pub irn: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ListData {
    documents: Vec<Listed>,
}

/// Which file of a completed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export, rename = "LeegalityFileKind")]
pub enum FileKind {
    /// The signed document.
    Document,
    /// Leegality's audit trail of the signing.
    AuditTrail,
}

impl FileKind {
    fn wire(self) -> &'static str {
        match self {
            FileKind::Document => "DOCUMENT",
            FileKind::AuditTrail => "AUDIT_TRAIL",
        }
    }
}

pub struct Leegality {
    http: Http,
    base_url: String,
    token: SecretString,
}

impl Leegality {
    pub fn new(base_url: &str, token: SecretString, config: HttpConfig) -> Self {
        Leegality { http: Http::new(PROVIDER, config), base_url: base_url.to_string(), token }
    }

    /// Creates the signing request. Never resent once it may have arrived.
    pub async fn create(&self, body: &CreateRequest, operation_key: &str) -> Result<Created> {
        let bytes = serde_json::to_vec(body).expect("wire types serialize");
        let resp = self.send(Method::POST, CREATE_PATH, &[], Some(bytes), Repeat::Never { operation_key: operation_key.into() }).await?;
        let (mut created, messages) = open_envelope::<Created>(&resp)?;
        created.messages = messages;
        Ok(created)
    }

    /// Each invitee's state. A read: retried.
    pub async fn status(&self, document_id: &str) -> Result<DocumentStatus> {
        let resp = self.send(Method::GET, STATUS_PATH, &[("documentId", document_id)], None, Repeat::Safe).await?;
        let mut status = open_envelope::<DocumentStatus>(&resp)?.0;
        for r in &mut status.requests {
            r.summary = r.state().to_string();
            r.stage = r.stage().to_string();
        }
        status.all_signed = status.completed();
        Ok(status)
    }

    /// Documents whose name, id or irn match `query` (at most 40).
    pub async fn search(&self, query: &str) -> Result<Vec<Listed>> {
        let resp = self.send(Method::GET, LIST_PATH, &[("q", query), ("max", "40")], None, Repeat::Safe).await?;
        Ok(open_envelope::<ListData>(&resp)?.0.documents)
    }

    /// A harmless read that proves the token: the first page of the document list.
    pub async fn test_connection(&self) -> Result<usize> {
        let resp = self.send(Method::GET, LIST_PATH, &[("max", "1")], None, Repeat::Safe).await?;
        Ok(open_envelope::<ListData>(&resp)?.0.documents.len())
    }

    /// The signed PDF (or the audit trail) of a completed document, as bytes.
    pub async fn fetch(&self, document_id: &str, kind: FileKind) -> Result<Vec<u8>> {
        let resp = self.send(Method::GET, FETCH_PATH, &[("documentId", document_id), ("documentDownloadType", kind.wire())], None, Repeat::Safe).await?;
        // A refusal still comes as a JSON envelope, often with HTTP 200.
        if !resp.body.starts_with(b"%PDF-") {
            open_envelope::<serde_json::Value>(&resp)?;
            return Err(ProviderError::BadResponse {
                provider: PROVIDER,
                status: resp.status,
                reason: format!("the answer is not a PDF: {}", resp.body_excerpt()),
            });
        }
        Ok(resp.body)
    }

    async fn send(&self, method: Method, path: &str, query: &[(&str, &str)], body: Option<Vec<u8>>, repeat: Repeat) -> Result<Incoming> {
        let mut url = join(&self.base_url, path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.http
            .send(repeat, || {
                let mut headers = HeaderMap::new();
                let mut token = HeaderValue::from_str(self.token.expose_secret())
                    .map_err(|_| ProviderError::invalid("leegality.auth_token", "The auth token contains characters HTTP cannot carry."))?;
                token.set_sensitive(true);
                headers.insert("X-Auth-Token", token);
                headers.insert(ACCEPT, HeaderValue::from_static("application/json, application/pdf"));
                if body.is_some() {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                }
                Ok(Outgoing { method: method.clone(), url: url.clone(), headers, body: body.clone() })
            })
            .await
    }
}

/// The data of a successful envelope, with the messages that came with it; a
/// `status: 0` is Leegality's refusal whatever the HTTP status.
pub(crate) fn open_envelope<T: for<'de> Deserialize<'de>>(resp: &Incoming) -> Result<(T, Vec<Message>)> {
    let envelope: Option<Envelope<serde_json::Value>> = serde_json::from_slice(&resp.body).ok();
    if resp.status == 401 || resp.status == 403 {
        let detail = envelope.as_ref().and_then(|e| e.messages.first()).map(|m| format!("{}: {}", m.code, m.message)).unwrap_or_else(|| resp.body_excerpt());
        return Err(ProviderError::Unauthorized { provider: PROVIDER, detail, clock_skew_secs: None });
    }
    let Some(envelope) = envelope else {
        return Err(ProviderError::BadResponse { provider: PROVIDER, status: resp.status, reason: resp.body_excerpt() });
    };
    if resp.status >= 300 || envelope.status != 1 {
        let first = envelope.messages.first().cloned().unwrap_or_default();
        if resp.status >= 500 && first.code.is_empty() {
            return Err(ProviderError::BadResponse { provider: PROVIDER, status: resp.status, reason: resp.body_excerpt() });
        }
        let rest: Vec<String> = envelope.messages.iter().skip(1).map(|m| format!("{} ({})", m.message, m.code)).collect();
        return Err(ProviderError::Rejected(Rejection {
            provider: PROVIDER,
            http_status: resp.status,
            code: if first.code.is_empty() { "status 0".into() } else { first.code.clone() },
            title: first.message.clone(),
            message: rest.join("; "),
            translation: None,
        }));
    }
    let data = envelope.data.unwrap_or(serde_json::Value::Null);
    let data = serde_json::from_value(data).map_err(|e| ProviderError::BadResponse {
        provider: PROVIDER,
        status: resp.status,
        reason: format!("{e}: {}", resp.body_excerpt()),
    })?;
    Ok((data, envelope.messages))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Incoming {
        Incoming { status, headers: HeaderMap::new(), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn a_status_0_is_a_refusal_even_with_http_200() {
        let e = open_envelope::<DocumentStatus>(&answer(
            200,
            r#"{"status":0,"messages":[{"code":"no.document.found","message":"No document found"}],"data":null}"#,
        ))
        .unwrap_err();
        match e {
            ProviderError::Rejected(r) => assert_eq!((r.code.as_str(), r.title.as_str()), ("no.document.found", "No document found")),
            other => panic!("{other:?}"),
        }
        let e = open_envelope::<DocumentStatus>(&answer(401, r#"{"status":0,"messages":[{"code":"auth.invalid","message":"Invalid token"}]}"#)).unwrap_err();
        assert_eq!(e.code(), "provider_auth");
    }

    #[test]
    fn v2_invitations_and_v3_invitees_both_decode_with_their_messages() {
        let (created, messages) = open_envelope::<Created>(&answer(
            200,
            r#"{"status":1,"messages":[{"code":"workflow.stamp.warning","message":"Not stamped"}],"data":{"documentId":"D1","invitations":[{"name":"A","signUrl":"https://s/1","active":true}]}}"#,
        ))
        .unwrap();
        assert_eq!((created.document_id.as_str(), created.invitees[0].sign_url.as_str()), ("D1", "https://s/1"));
        assert_eq!(messages[0].code, "workflow.stamp.warning");
    }

    #[test]
    fn a_document_is_complete_when_every_invitee_signed() {
        let signed = InviteeState { signed: true, ..Default::default() };
        let waiting = InviteeState { active: true, ..Default::default() };
        assert!(DocumentStatus { requests: vec![signed.clone(), signed.clone()], ..Default::default() }.completed());
        assert!(!DocumentStatus { requests: vec![signed.clone(), waiting.clone()], ..Default::default() }.completed());
        assert!(!DocumentStatus::default().completed());
        assert_eq!(waiting.state(), "waiting for signature");
        assert!(DocumentStatus { requests: vec![InviteeState { rejected: true, ..Default::default() }], ..Default::default() }.stopped());
    }
}
