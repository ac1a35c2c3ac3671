//! DollarPe KYC: read a customer's KYC configuration and update their document info.
//! Every request is signed (see `dollarpe_sign`); the body sent is the sorted JSON
//! text that was signed, in the profile's chosen style.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::canonical::{to_sorted_json, JsonStyle};
use crate::dollarpe_sign::{signature, EMPTY_BODY};
use crate::endpoint::{join, segment};
use crate::error::{ProviderError, Rejection, Result};
use crate::http::{Http, HttpConfig, Incoming, Outgoing, Repeat};

pub const PROVIDER: &str = "DollarPe";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateDocumentInfo {
    pub customer_id: String,
    pub full_address: String,
    pub document_type: String,
    pub document_front_image_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_back_image_url: Option<String>,
    pub document_details: DocumentDetails,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentDetails {
    pub document_number: String,
    #[serde(default)]
    pub additional_data: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentUpdated {
    pub id: String,
    pub status: String,
}

/// DollarPe's reply envelope: `{status, message, data}`.
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    status: bool,
    #[serde(default)]
    message: String,
    data: Option<T>,
}

pub struct DollarPe {
    http: Http,
    base_url: String,
    api_key: SecretString,
    api_secret: SecretString,
    style: JsonStyle,
}

impl DollarPe {
    pub fn new(base_url: &str, api_key: SecretString, api_secret: SecretString, style: JsonStyle, config: HttpConfig) -> Self {
        DollarPe { http: Http::new(PROVIDER, config), base_url: base_url.to_string(), api_key, api_secret, style }
    }

    /// `GET /cms/api/v1/kyc/configuration/{customer_id}`: accepted document types and rules.
    pub async fn kyc_configuration(&self, customer_id: &str) -> Result<serde_json::Value> {
        let url = join(&self.base_url, &format!("/cms/api/v1/kyc/configuration/{}", segment(customer_id)))?;
        let resp = self.http.send(Repeat::Safe, || Ok(self.signed(Method::GET, url.clone(), None))).await?;
        self.decode(resp)
    }

    /// `PATCH /cms/api/v1/kyc/update-document-info`. Uses one of the customer's
    /// limited updates, so it is never resent once it may have arrived.
    pub async fn update_document_info(&self, body: &UpdateDocumentInfo, operation_key: &str) -> Result<DocumentUpdated> {
        let url = join(&self.base_url, "/cms/api/v1/kyc/update-document-info")?;
        let text = self.body_text(body);
        let repeat = Repeat::Never { operation_key: operation_key.to_string() };
        let resp = self.http.send(repeat, || Ok(self.signed(Method::PATCH, url.clone(), Some(text.clone())))).await?;
        self.decode(resp)
    }

    /// The exact bytes sent and signed for `body`.
    pub fn body_text<T: Serialize>(&self, body: &T) -> String {
        to_sorted_json(&serde_json::to_value(body).expect("wire types serialize"), self.style)
    }

    /// One attempt: a fresh timestamp and signature every time.
    fn signed(&self, method: Method, url: url::Url, body: Option<String>) -> Outgoing {
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signed_text = body.as_deref().unwrap_or(EMPTY_BODY);
        let sig = signature(self.api_key.expose_secret(), self.api_secret.expose_secret(), timestamp, signed_text);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert("X-API-KEY", header_value(self.api_key.expose_secret()));
        headers.insert("X-TIMESTAMP", HeaderValue::from(timestamp));
        headers.insert("X-SIGNATURE", header_value(&sig));
        Outgoing { method, url, headers, body: body.map(String::into_bytes) }
    }

    pub(crate) fn decode<T: for<'de> Deserialize<'de>>(&self, resp: Incoming) -> Result<T> {
        let envelope: Option<Envelope<T>> = serde_json::from_slice(&resp.body).ok();
        match (resp.status, envelope) {
            (200..=299, Some(Envelope { status: true, data: Some(data), .. })) => Ok(data),
            (401 | 403, env) => Err(ProviderError::Unauthorized {
                provider: PROVIDER,
                detail: env.map(|e| e.message).unwrap_or_else(|| resp.body_excerpt()),
                clock_skew_secs: resp.clock_skew_secs().filter(|s| s.abs() > 60),
            }),
            (status, Some(env)) if !env.status || status >= 400 => Err(ProviderError::Rejected(Rejection {
                provider: PROVIDER,
                http_status: status,
                code: status.to_string(),
                title: env.message.clone(),
                message: what_to_do(&env.message).to_string(),
                translation: None,
            })),
            (status, _) => Err(ProviderError::BadResponse {
                provider: PROVIDER,
                status,
                reason: format!("expected {{status, message, data}}, got: {}", resp.body_excerpt()),
            }),
        }
    }
}

/// The documented errors, with what the operator can do about each.
fn what_to_do(message: &str) -> &'static str {
    match message {
        "Customer not found or access denied" => "Check the customer id; the customer must belong to your organisation.",
        "KYC already in use" => "This document is already registered for another customer; check the document number.",
        "Internal Server Error" => "DollarPe failed on its side; try again later.",
        _ => "",
    }
}

/// Credential-bearing header values, marked sensitive so no debug output shows them.
fn header_value(v: &str) -> HeaderValue {
    let mut value = HeaderValue::from_str(v).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    value.set_sensitive(true);
    value
}
