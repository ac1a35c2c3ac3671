//! myKaarma KPay: payment requests and e-signature capture, with HTTP Basic auth.
//! Replies come in two error shapes: `errors[]` (integer codes) on 400/401/500, and
//! `error{}` (string code) inside a 200 whose `status` is FAILURE. Neither a FAILURE
//! status nor a failed channel is reported as plain success.

use base64::Engine;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::endpoint::{join, segment};
use crate::error::{ProviderError, Rejection, Result};
use crate::http::{Http, HttpConfig, Incoming, Outgoing, Repeat};

pub const PROVIDER: &str = "myKaarma";

/// The request body; also the desk's compose form (its TypeScript twin is generated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PaymentRequest {
    pub invoice_guid: String,
    pub send_without_kpay: bool,
    pub attach_invoice: bool,
    pub send_as_text: bool,
    pub send_as_email: bool,
    pub esign_required: bool,
}

/// `errors[]` entries: integer code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KpayError {
    pub error_code: serde_json::Value,
    pub error_title: String,
    pub error_message: String,
    pub error_description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KpayWarning {
    pub warning_code: serde_json::Value,
    pub warning_title: Option<String>,
    pub warning_message: Option<String>,
    pub warning_description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PaymentRequestReply {
    /// The 200-with-FAILURE shape some KPay replies use; accepted here too.
    pub error: Option<CaptureError>,
    pub status: Option<String>,
    pub errors: Vec<KpayError>,
    pub warnings: Vec<KpayWarning>,
    pub payment_link: Option<String>,
    pub invoice_link: Option<String>,
    pub text_sent: Option<String>,
    pub email_sent: Option<String>,
}

impl PaymentRequestReply {
    /// Channels that were asked for and reported FAILURE: a half-success.
    pub fn failed_channels(&self, asked: &PaymentRequest) -> Vec<&'static str> {
        let mut failed = Vec::new();
        if asked.send_as_text && self.text_sent.as_deref() != Some("SUCCESS") {
            failed.push("text");
        }
        if asked.send_as_email && self.email_sent.as_deref() != Some("SUCCESS") {
            failed.push("email");
        }
        failed
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct SignatureRequest {
    #[serde(rename = "spiRequestUUID")]
    pub spi_request_uuid: String,
    pub signature_capture_url: Option<String>,
    pub signed_document_url: Option<String>,
    pub is_signed: bool,
    /// Free-form objects (e.g. documentName, documentUrl), shown as given.
    #[ts(type = "Array<Record<string, unknown>>")]
    pub documents: Vec<serde_json::Value>,
    /// Free-form objects (e.g. signerName, isSigned), shown as given.
    #[ts(type = "Array<Record<string, unknown>>")]
    pub signers: Vec<serde_json::Value>,
    #[ts(type = "number | null")]
    pub renew_count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct CaptureError {
    pub error_code: Option<String>,
    pub error_description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct CaptureReply {
    pub error: Option<CaptureError>,
    #[ts(type = "Array<unknown>")]
    pub warnings: Vec<serde_json::Value>,
    #[serde(rename = "requestUUID")]
    pub request_uuid: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ErrorsBody {
    errors: Vec<KpayError>,
}

pub struct Kpay {
    http: Http,
    base_url: String,
    username: String,
    password: SecretString,
}

impl Kpay {
    pub fn new(base_url: &str, username: &str, password: SecretString, config: HttpConfig) -> Self {
        Kpay { http: Http::new(PROVIDER, config), base_url: base_url.to_string(), username: username.to_string(), password }
    }

    /// `POST /payment/v4/departments/{departmentUuid}/payment-requests`. No
    /// idempotency key exists, so an unknown outcome is reported, never resent.
    pub async fn send_payment_request(&self, department_uuid: &str, body: &PaymentRequest, operation_key: &str) -> Result<PaymentRequestReply> {
        let path = format!("/payment/v4/departments/{}/payment-requests", segment(department_uuid));
        // The excerpt's own request accepts anything back (`Accept: */*`).
        let resp = self.call(Method::POST, &path, Some(body), "*/*", Repeat::Never { operation_key: operation_key.into() }).await?;
        payment_reply(&resp, body)
    }

    /// "get SignatureRequest". The excerpt names the operation but not its path; this
    /// one sits beside the documented capture path.
    pub async fn get_signature_request(&self, spi_request_uuid: &str) -> Result<SignatureRequest> {
        let path = format!("/payment/kpayment/v1/esign/spiRequests/{}", segment(spi_request_uuid));
        let resp = self.call::<()>(Method::GET, &path, None, "application/json", Repeat::Safe).await?;
        decode_ok(&resp)
    }

    /// `PUT .../spiRequests/{spiRequestUUID}/process/capture` with the signed document URL.
    pub async fn capture_signature(&self, spi_request_uuid: &str, signed_document_url: &str, operation_key: &str) -> Result<CaptureReply> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            signed_document_url: &'a str,
        }
        let path = format!("/payment/kpayment/v1/esign/spiRequests/{}/process/capture", segment(spi_request_uuid));
        let body = Body { signed_document_url };
        let resp = self.call(Method::PUT, &path, Some(&body), "application/json", Repeat::Never { operation_key: operation_key.into() }).await?;
        capture_reply(&resp)
    }

    async fn call<B: Serialize>(&self, method: Method, path: &str, body: Option<&B>, accept: &'static str, repeat: Repeat) -> Result<Incoming> {
        let url = join(&self.base_url, path)?;
        let bytes = body.map(|b| serde_json::to_vec(b).expect("wire types serialize"));
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.username, self.password.expose_secret()));
        let resp = self
            .http
            .send(repeat, || {
                let mut headers = HeaderMap::new();
                let mut auth = HeaderValue::from_str(&format!("Basic {basic}"))
                    .map_err(|_| ProviderError::invalid("mykaarma.username", "The username or password contains characters HTTP cannot carry."))?;
                auth.set_sensitive(true);
                headers.insert(AUTHORIZATION, auth);
                headers.insert(ACCEPT, HeaderValue::from_static(accept));
                if bytes.is_some() {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                }
                Ok(Outgoing { method: method.clone(), url: url.clone(), headers, body: bytes.clone() })
            })
            .await?;
        Ok(resp)
    }
}

/// A payment request's answer: the reply with its link (and any `errors[]` beside
/// it, kept for the operator), or the refusal it holds, or "no link and no error"
/// (accepted with nothing to show: the operator checks). A request sent without
/// KPay rightly has no payment link: its invoice link is what it has to show.
pub(crate) fn payment_reply(resp: &Incoming, asked: &PaymentRequest) -> Result<PaymentRequestReply> {
    let reply: PaymentRequestReply = decode_ok(resp)?;
    let has_link = reply.payment_link.is_some() || (asked.send_without_kpay && reply.invoice_link.is_some());
    if !has_link {
        if let Some(first) = reply.errors.first() {
            return Err(rejected(resp.status, first));
        }
        if reply.status.as_deref() == Some("FAILURE") || reply.error.is_some() {
            return Err(failure(resp.status, reply.error.as_ref(), "Payment request failed"));
        }
        // Accepted, but with nothing to show for it: the operator must check.
        return Err(ProviderError::BadResponse {
            provider: PROVIDER,
            status: resp.status,
            reason: format!("no paymentLink and no error in the reply: {}", resp.body_excerpt()),
        });
    }
    Ok(reply)
}

/// A capture's answer: SUCCESS, or the refusal it holds.
pub(crate) fn capture_reply(resp: &Incoming) -> Result<CaptureReply> {
    let reply: CaptureReply = decode_ok(resp)?;
    if reply.status.as_deref() != Some("SUCCESS") {
        return Err(failure(resp.status, reply.error.as_ref(), "Signature capture failed"));
    }
    Ok(reply)
}

/// The 200-with-FAILURE shape: a refusal, with the code and description it carries.
fn failure(http_status: u16, error: Option<&CaptureError>, title: &str) -> ProviderError {
    let err = error.cloned().unwrap_or_default();
    ProviderError::Rejected(Rejection {
        provider: PROVIDER,
        http_status,
        code: err.error_code.unwrap_or_else(|| "FAILURE".into()),
        title: title.into(),
        message: err.error_description.unwrap_or_default(),
        translation: None,
    })
}

/// A 2xx body as `T`, or the `errors[]` shape turned into the right error.
pub(crate) fn decode_ok<T: for<'de> Deserialize<'de>>(resp: &Incoming) -> Result<T> {
    if resp.status == 401 || resp.status == 403 {
        let detail = serde_json::from_slice::<ErrorsBody>(&resp.body)
            .ok()
            .and_then(|b| b.errors.into_iter().next())
            .map(|e| if e.error_message.is_empty() { e.error_title } else { e.error_message })
            .unwrap_or_else(|| resp.body_excerpt());
        return Err(ProviderError::Unauthorized { provider: PROVIDER, detail, clock_skew_secs: None });
    }
    if resp.status >= 300 {
        return match serde_json::from_slice::<ErrorsBody>(&resp.body) {
            Ok(b) if !b.errors.is_empty() => Err(rejected(resp.status, &b.errors[0])),
            _ => Err(ProviderError::BadResponse { provider: PROVIDER, status: resp.status, reason: resp.body_excerpt() }),
        };
    }
    resp.json(PROVIDER)
}

fn rejected(status: u16, e: &KpayError) -> ProviderError {
    let code = match &e.error_code {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => status.to_string(),
        other => other.to_string(),
    };
    let message = if e.error_message.is_empty() { e.error_description.clone() } else { e.error_message.clone() };
    ProviderError::Rejected(Rejection { provider: PROVIDER, http_status: status, code, title: e.error_title.clone(), message, translation: None })
}
