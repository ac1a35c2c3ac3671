//! Evidence of opt-in signatures that must hold up for years: an append-only,
//! hash-chained ledger in SQLite whose head is signed with a per-installation
//! Ed25519 key kept in the OS keyring, and dossiers that prove one signature offline.

pub mod certificate;
pub mod dossier;
pub mod key;
pub mod ledger;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What was captured when the signer accepted: the body of an `acceptance` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AcceptanceEvidence {
    pub session_id: String,
    pub debt_key: String,
    pub signer: SignerEvidence,
    /// RFC 3339, UTC with its offset.
    pub accepted_at: String,
    /// The same instant in the provider's `YYYY-MM-DD HH:MM:SS` (UTC) form, as sent.
    pub provider_timestamp: String,
    pub public_ip: String,
    pub local_ip: Option<String>,
    pub local_port: Option<u16>,
    pub app_version: String,
    pub os: String,
    pub device_name: String,
    /// Only if the operator entered it with the signer's consent.
    pub geolocation: Option<Geolocation>,
    pub contract: ContractEvidence,
    pub consent: ConsentEvidence,
    pub reading: ReadingEvidence,
    pub operator: OperatorEvidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignerEvidence {
    pub name: String,
    pub email: String,
    pub phone_country_code: String,
    pub phone_area_code: String,
    pub phone_number: String,
    /// Digits only.
    pub cpf: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Geolocation {
    pub latitude: f64,
    pub longitude: f64,
}

impl Geolocation {
    /// A place on Earth: latitude -90 to 90, longitude -180 to 180, both finite.
    pub fn check(&self) -> crate::error::Result<()> {
        if !(-90.0..=90.0).contains(&self.latitude) || !(-180.0..=180.0).contains(&self.longitude) {
            return Err(crate::error::CoreError::invalid_as("geolocation", crate::error_words::LOCATION_BOUNDS, &[]));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ContractEvidence {
    /// The file's name as loaded (no folder).
    pub source_name: String,
    /// SHA-256 (hex) of the PDF's bytes; none for a text file.
    pub pdf_sha256: Option<String>,
    /// SHA-256 (hex) of the exact text shown and sent as `raw_text`.
    pub text_sha256: String,
    #[ts(type = "number")]
    pub text_chars: u64,
    /// Pages of the PDF (records written before this was kept have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pages: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConsentEvidence {
    pub wording: String,
    pub version: String,
    /// The language the signer's screen showed (pt-BR, en).
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReadingEvidence {
    /// When the contract was put on the signer's screen.
    pub opened_at: String,
    pub seconds_open: f64,
    /// The text was scrolled to its end before the accept button could be used.
    pub scrolled_to_end: bool,
    /// What the signer read on: the PDF's pages as typeset, or the extracted text
    /// (the text is what is sent and hashed either way). None for older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub view: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OperatorEvidence {
    pub profile_id: String,
    pub profile_name: String,
    /// The operating system account running the desk.
    pub os_user: String,
}
