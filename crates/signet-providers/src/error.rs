//! What can go wrong talking to a provider, kept apart by what the operator can do
//! about it. Provider rejections keep the provider's own code, title and message.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rejection {
    pub provider: &'static str,
    pub http_status: u16,
    /// The provider's own code (`LEG000069`, `401`, ...), as a string.
    pub code: String,
    pub title: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translation: Option<String>,
}

/// "QI Tech refused the request (LEG000069): Bad Request: Invalid request body.
/// (Corpo da requisição inválido.)": code, title, message and the provider's own
/// translation when it gives one.
fn rejection_text(r: &Rejection) -> String {
    let mut text = format!("{} refused the request ({}): {}", r.provider, r.code, r.title);
    if !r.message.is_empty() && r.message != r.title {
        text.push_str(&format!(": {}", r.message));
    }
    if let Some(t) = r.translation.as_deref().filter(|t| !t.is_empty()) {
        text.push_str(&format!(" ({t})"));
    }
    text
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Refused before anything was sent.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The provider answered and said no.
    #[error("{}", rejection_text(.0))]
    Rejected(Rejection),
    /// Credentials or signature refused; `clock_skew_secs` is set when the provider's
    /// clock differs enough from ours to explain it.
    #[error("{provider} did not accept the credentials ({detail}){}", skew_hint(*clock_skew_secs))]
    Unauthorized { provider: &'static str, detail: String, clock_skew_secs: Option<i64> },
    /// A request that must not be repeated may or may not have been acted on.
    #[error("{provider} may or may not have received the request ({reason}). It was not sent again: check its status before sending it again (operation {operation_key}).")]
    OutcomeUnknown { provider: &'static str, operation_key: String, reason: String },
    /// Nothing reached the provider (no connection, DNS, TLS).
    #[error("could not reach {provider}: {reason}. Nothing was sent; check the base URL and the network, then try again.")]
    Unreachable { provider: &'static str, reason: String },
    /// The provider answered in a way its documentation does not describe.
    #[error("{provider} answered HTTP {status} in an unexpected form: {reason}")]
    BadResponse { provider: &'static str, status: u16, reason: String },
    /// A signed response did not verify against the provider's public key.
    #[error("{provider}'s response signature did not verify: {reason}. Treat the response as untrusted.")]
    ResponseSignature { provider: &'static str, reason: String },
}

fn skew_hint(skew: Option<i64>) -> String {
    match skew {
        Some(s) if s > 0 => format!(". Your clock is {s} s behind the provider's: set the date and time automatically, then try again."),
        Some(s) => format!(". Your clock is {} s ahead of the provider's: set the date and time automatically, then try again.", -s),
        None => String::new(),
    }
}

impl ProviderError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError::Invalid { field: field.into(), message: message.into() }
    }

    /// Stable codes shared with the desk's IPC errors and the CLI's `--json`.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::Invalid { .. } => "invalid_input",
            ProviderError::Rejected(_) => "provider_rejected",
            ProviderError::Unauthorized { .. } => "provider_auth",
            ProviderError::OutcomeUnknown { .. } => "outcome_unknown",
            ProviderError::Unreachable { .. } => "transport",
            ProviderError::BadResponse { .. } | ProviderError::ResponseSignature { .. } => "provider_response",
        }
    }
}

pub type Result<T, E = ProviderError> = std::result::Result<T, E>;
