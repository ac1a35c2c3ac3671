//! Signzy Contract360: initiate a contract for its signers, then pull its status.
//! The status document keeps the field names of Crego's `SignzyRefreshSigning`
//! excerpt, where counts and flags are strings. The two paths are not in the excerpt.

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::endpoint::join;
use crate::error::{ProviderError, Rejection, Result};
use crate::http::{Http, HttpConfig, Incoming, Outgoing, Repeat};

pub const PROVIDER: &str = "Signzy";
pub const INITIATE_PATH: &str = "/api/v3/contract/initiate";
pub const PULL_DATA_PATH: &str = "/api/v3/contract/pullData";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateContract {
    pub contract_name: String,
    pub contract_executer_name: String,
    pub contract_ttl: String,
    /// The PDF, base64.
    pub initial_contract: String,
    pub signers: Vec<NewSigner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewSigner {
    pub signer_name: String,
    pub signer_email: String,
    pub signer_mobile: String,
    pub signature_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InitiatedContract {
    pub contract_id: String,
    #[serde(default)]
    pub signerdetail: Vec<InitiatedSigner>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InitiatedSigner {
    pub signer_id: String,
    pub signer_name: String,
    pub signer_url: String,
}

/// The excerpt types every scalar as a string; a live service may send a number or a
/// boolean instead, which is read as its text rather than failing the whole status.
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

/// The `SignzyRefreshSigning` response, field for field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ContractStatus {
    pub contract_id: String,
    #[serde(deserialize_with = "lenient")]
    pub initial_signer_count: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub signed_signer_count: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub deleted_signer_count: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub contract_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub contract_executer_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub contract_ttl: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub final_signed_contract: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub final_signed_contract_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub initial_contract_hash: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub is_completed: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub contract_completion_time: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub contract_status: Option<String>,
    #[ts(type = "unknown")]
    pub estamp: Option<serde_json::Value>,
    /// `null` when the contract has no signers left (all deleted): read as none.
    #[serde(deserialize_with = "null_as_empty")]
    pub signerdetail: Vec<SignerDetail>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl ContractStatus {
    pub fn completed(&self) -> bool {
        self.is_completed.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct SignerDetail {
    #[serde(deserialize_with = "lenient")]
    pub signer_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub signer_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub signature_type: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub contract_last_sign_time: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub error_message: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub aadhaar_status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub aadhaar_error_message: Option<String>,
    /// This signer's signed copy (a link, or base64 when asked for) and its hash.
    #[serde(deserialize_with = "lenient")]
    pub signer_signed_contract: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub signer_signed_contract_hash: Option<String>,
    #[serde(rename = "signerIP")]
    #[serde(deserialize_with = "lenient")]
    pub signer_ip: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub no_of_successful_attempts: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub no_of_failure_attempts: Option<String>,
    #[ts(type = "unknown")]
    pub esign_attempts: Option<serde_json::Value>,
}

pub struct Signzy {
    http: Http,
    base_url: String,
    token: SecretString,
}

impl Signzy {
    pub fn new(base_url: &str, token: SecretString, config: HttpConfig) -> Self {
        Signzy { http: Http::new(PROVIDER, config), base_url: base_url.to_string(), token }
    }

    pub async fn initiate(&self, body: &InitiateContract, operation_key: &str) -> Result<InitiatedContract> {
        let resp = self.post(INITIATE_PATH, body, Repeat::Never { operation_key: operation_key.into() }).await?;
        decode(&resp)
    }

    /// The "refresh signing" read: safe to retry.
    pub async fn pull_data(&self, contract_id: &str, base64_encoded_output: bool) -> Result<ContractStatus> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            contract_id: &'a str,
            base64_encoded_output: bool,
        }
        let resp = self.post(PULL_DATA_PATH, &Body { contract_id, base64_encoded_output }, Repeat::Safe).await?;
        decode(&resp)
    }

    async fn post<B: Serialize>(&self, path: &str, body: &B, repeat: Repeat) -> Result<Incoming> {
        let url = join(&self.base_url, path)?;
        let bytes = serde_json::to_vec(body).expect("wire types serialize");
        self.http
            .send(repeat, || {
                let mut headers = HeaderMap::new();
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                let mut auth = HeaderValue::from_str(self.token.expose_secret())
                    .map_err(|_| ProviderError::invalid("signzy.access_token", "The access token contains characters HTTP cannot carry."))?;
                auth.set_sensitive(true);
                headers.insert(AUTHORIZATION, auth);
                Ok(Outgoing { method: Method::POST, url: url.clone(), headers, body: Some(bytes.clone()) })
            })
            .await
    }
}

pub(crate) fn decode<T: for<'de> Deserialize<'de>>(resp: &Incoming) -> Result<T> {
    if resp.status < 300 {
        return resp.json(PROVIDER);
    }
    // Signzy errors: {"error": {"message", "statusCode", ...}}.
    let err = serde_json::from_slice::<serde_json::Value>(&resp.body).ok().and_then(|v| v.get("error").cloned());
    let message = err.as_ref().and_then(|e| e.get("message")).and_then(|m| m.as_str()).unwrap_or_default().to_string();
    if resp.status == 401 || resp.status == 403 {
        return Err(ProviderError::Unauthorized {
            provider: PROVIDER,
            detail: if message.is_empty() { resp.body_excerpt() } else { message },
            clock_skew_secs: None,
        });
    }
    match err {
        Some(e) => Err(ProviderError::Rejected(Rejection {
            provider: PROVIDER,
            http_status: resp.status,
            code: e.get("statusCode").map(|c| c.to_string()).unwrap_or_else(|| resp.status.to_string()),
            title: message.clone(),
            message: String::new(),
            translation: None,
        })),
        None => Err(ProviderError::BadResponse { provider: PROVIDER, status: resp.status, reason: resp.body_excerpt() }),
    }
}
