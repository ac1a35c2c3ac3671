//! Signzy contracts: a PDF and its signers, recorded and sent.

use std::sync::Mutex;

use base64::Engine;
use signet_providers::signzy::{InitiateContract, InitiatedContract, NewSigner, Signzy};

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation};
use crate::store::Store;
use crate::validate;

pub const AREA: &str = "signzy";

pub async fn initiate(
    db: &Mutex<Store>,
    client: &Signzy,
    profile_id: &str,
    name: &str,
    executer: &str,
    pdf: &[u8],
    signers: Vec<NewSigner>,
    ttl_days: u32,
) -> Result<(String, InitiatedContract)> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(CoreError::invalid("pdf", "The contract file is not a PDF."));
    }
    if signers.is_empty() {
        return Err(CoreError::invalid("signer", "Add at least one signer."));
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
    let op = NewOperation { area: AREA, kind: "signzy.initiate", profile_id, subject: &body.contract_name, request: summary };
    let body = &body;
    outbox::run(db, op, |key| async move { client.initiate(body, &key).await }).await
}
