//! Signzy contracts: a PDF and its signers, recorded and sent.

use std::sync::Mutex;

use base64::Engine;
use signet_providers::signzy::{InitiateContract, InitiatedContract, NewSigner, Signzy};

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation};
use crate::store::Store;
use crate::validate;

pub const AREA: &str = "signzy";
pub const INITIATE_KIND: &str = "signzy.initiate";

/// How signers sign when nothing else is said.
pub const DEFAULT_SIGNATURE_TYPE: &str = "AADHAAR";

/// One signer as entered: name, email and a 10-digit mobile number.
pub fn new_signer(name: &str, email: &str, mobile: &str, signature_type: Option<&str>) -> Result<NewSigner> {
    Ok(NewSigner {
        signer_name: validate::required("signer_name", name)?,
        signer_email: validate::email("signer_email", email)?,
        signer_mobile: validate::phone_part("signer_mobile", mobile, 10, 10, "9876543210")?,
        signature_type: signature_type.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(DEFAULT_SIGNATURE_TYPE).to_string(),
    })
}

/// A contract this desk initiated, from its recorded operation.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InitiatedView {
    pub contract_id: String,
    pub contract_name: String,
    pub initiated_at: String,
    #[ts(type = "number")]
    pub signers: u64,
}

/// The profile's initiated contracts, newest first.
pub fn initiated(store: &Store, profile_id: &str) -> Result<Vec<InitiatedView>> {
    let page = store.operations_page(&crate::store::OperationQuery {
        area: Some(AREA.into()),
        status: Some(crate::store::OperationStatus::Sent),
        text: None,
        offset: 0,
        limit: 500,
    })?;
    Ok(page
        .items
        .into_iter()
        .filter(|op| op.kind == INITIATE_KIND && op.profile_id == profile_id)
        .filter_map(|op| {
            let response = op.response?;
            Some(InitiatedView {
                contract_id: response["contractId"].as_str()?.to_string(),
                contract_name: op.subject,
                initiated_at: op.created_at,
                signers: op.request["signers"].as_array().map(|a| a.len() as u64).unwrap_or(0),
            })
        })
        .collect())
}

pub async fn initiate(
    db: &Mutex<Store>,
    client: &Signzy,
    profile_id: &str,
    name: &str,
    executer: &str,
    pdf: &[u8],
    signers: Vec<NewSigner>,
    ttl_days: u32,
    choice: outbox::SendChoice,
) -> Result<(String, InitiatedContract)> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(CoreError::invalid_as("pdf", crate::error_words::CONTRACT_NOT_PDF, &[]));
    }
    if signers.is_empty() {
        return Err(CoreError::invalid_as("signer", crate::error_words::ADD_SIGNER, &[]));
    }
    let body = InitiateContract {
        contract_name: validate::required("name", name)?,
        contract_executer_name: validate::required("executer", executer)?,
        contract_ttl: ttl_days.to_string(),
        initial_contract: base64::engine::general_purpose::STANDARD.encode(pdf),
        signers,
        callback_url: None,
    };
    // The PDF itself is not copied into the record; its size is.
    let summary = serde_json::json!({ "contractName": body.contract_name, "signers": body.signers, "pdfBytes": pdf.len() });
    let op = NewOperation { area: AREA, kind: INITIATE_KIND, profile_id, subject: &body.contract_name, request: summary, claim: None, unchecked: false }
        .claiming("contract", &format!("signzy/{}", crate::evidence::ledger::sha256_hex(pdf)), choice);
    let body = &body;
    outbox::run(db, op, |key| async move { client.initiate(body, &key).await }).await
}

/// Downloads and keeps Signzy's signed copy of a contract: the final one, or one
/// signer's (`signer_id`), with the hash Signzy states for it checked.
pub async fn signed_copy(
    client: &Signzy,
    data_dir: &std::path::Path,
    contract_id: &str,
    signer_id: Option<&str>,
) -> Result<crate::signed_documents::SignedDocument> {
    let id = validate::required("contract_id", contract_id)?;
    let status = client.pull_data(&id, true).await?;
    let (document, hash, kind) = match signer_id {
        None => (status.final_signed_contract.clone(), status.final_signed_contract_hash.clone(), "final".to_string()),
        Some(signer) => {
            let detail = status
                .signerdetail
                .iter()
                .find(|d| d.signer_id.as_deref() == Some(signer))
                .ok_or_else(|| CoreError::not_found(format!("Signer {signer} of contract {id}")))?;
            (detail.signer_signed_contract.clone(), detail.signer_signed_contract_hash.clone(), format!("signer-{signer}"))
        }
    };
    let Some(encoded) = document.filter(|d| !d.trim().is_empty()) else {
        return Err(CoreError::Conflict(format!("Signzy has no signed copy of contract {id} yet: it is signed when every signer has signed.")));
    };
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|e| {
        CoreError::Provider(signet_providers::ProviderError::BadResponse {
            provider: signet_providers::signzy::PROVIDER,
            status: 200,
            reason: format!("the signed contract is not base64: {e}"),
        })
    })?;
    crate::signed_documents::keep(data_dir, "signzy", &id, &kind, &bytes, hash.as_deref())
}
