//! Leegality signing requests: a PDF and its invitees, recorded and sent under the
//! outbox rules (the operation key travels as Leegality's `irn`, so a request whose
//! outcome is unknown can be looked for instead of sent twice), followed invitee by
//! invitee, and the signed document and audit trail kept once every invitee signed.

use std::path::Path;
use std::sync::Mutex;

use signet_providers::leegality::{CreateRequest, Created, DocumentFile, DocumentStatus, FileKind, Invitee, Leegality, MAX_PDF_BYTES};

use crate::error::{CoreError, Result};
use crate::evidence::ledger::sha256_hex;
use crate::outbox::{self, NewOperation};
use crate::signed_documents::{self, SignedDocument};
use crate::store::{OperationRecord, Store};
use crate::validate;

pub const AREA: &str = "leegality";
pub const CREATE_KIND: &str = "leegality.create";

/// One invitee as entered: a name, and an email or a 10-digit mobile (or both).
pub fn new_invitee(name: &str, email: &str, phone: &str) -> Result<Invitee> {
    let name = validate::required("invitee_name", name)?;
    let email = Some(email.trim()).filter(|e| !e.is_empty()).map(|e| validate::email("invitee_email", e)).transpose()?;
    let phone = Some(phone.trim()).filter(|p| !p.is_empty()).map(|p| validate::phone_part("invitee_phone", p, 10, 10, "9876543210")).transpose()?;
    if email.is_none() && phone.is_none() {
        return Err(CoreError::invalid_as("invitee_email", crate::error_words::INVITEE_CONTACT, &[("name", name.to_string())]));
    }
    Ok(Invitee { name, email, phone })
}

/// A signing request this desk created, from its recorded operation.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, rename = "LeegalityInitiated")]
pub struct InitiatedView {
    pub document_id: String,
    pub document_name: String,
    pub created_at: String,
    #[ts(type = "number")]
    pub invitees: u64,
    pub operation_key: String,
}

/// The profile's signing requests, newest first (those confirmed by a search too).
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
        .filter(|op| op.kind == CREATE_KIND && op.profile_id == profile_id)
        .filter_map(|op| {
            let response = op.response.as_ref()?;
            let document_id = response["documentId"].as_str().or_else(|| response["found"]["documentId"].as_str())?.to_string();
            Some(InitiatedView {
                document_id,
                document_name: op.subject.clone(),
                created_at: op.created_at.clone(),
                invitees: op.request["invitees"].as_array().map(|a| a.len() as u64).unwrap_or(0),
                operation_key: op.key.clone(),
            })
        })
        .collect())
}

/// Checks and sends a signing request for `pdf` to the profile's workflow.
#[allow(clippy::too_many_arguments)]
pub async fn initiate(
    db: &Mutex<Store>,
    client: &Leegality,
    profile_id: &str,
    workflow: &str,
    document_name: &str,
    pdf: &[u8],
    invitees: Vec<Invitee>,
    choice: outbox::SendChoice,
) -> Result<(String, Created)> {
    let workflow = validate::required("leegality.profile_id", workflow)
        .map_err(|_| CoreError::invalid_as("leegality.profile_id", crate::error_words::LEEGALITY_WORKFLOW, &[]))?;
    if !pdf.starts_with(b"%PDF-") {
        return Err(CoreError::invalid_as("pdf", crate::error_words::DOCUMENT_NOT_PDF, &[]));
    }
    if pdf.len() > MAX_PDF_BYTES {
        return Err(CoreError::invalid_as("pdf", crate::error_words::LEEGALITY_TOO_BIG, &[("size", format!("{:.1}", pdf.len() as f64 / 1_048_576.0))]));
    }
    if invitees.is_empty() {
        return Err(CoreError::invalid_as("invitee_name", crate::error_words::ADD_INVITEE, &[]));
    }
    let document_name = validate::required("document_name", document_name)?;
    let file_name = if document_name.to_ascii_lowercase().ends_with(".pdf") { document_name.clone() } else { format!("{document_name}.pdf") };
    // The PDF itself is not copied into the record: its size and hash are.
    let summary =
        serde_json::json!({ "documentName": document_name, "invitees": invitees, "pdfBytes": pdf.len(), "pdfSha256": sha256_hex(pdf), "profileId": workflow });
    let op = NewOperation { area: AREA, kind: CREATE_KIND, profile_id, subject: &document_name, request: summary, claim: None, unchecked: false }.claiming(
        "contract",
        &format!("leegality/{}", sha256_hex(pdf)),
        choice,
    );
    let file = DocumentFile::pdf(&file_name, pdf);
    let (file, invitees, workflow) = (&file, &invitees, &workflow);
    outbox::run(db, op, |key| async move {
        let body = CreateRequest { profile_id: workflow.clone(), file: file.clone(), invitees: invitees.clone(), irn: key.clone() };
        client.create(&body, &key).await
    })
    .await
}

/// Each invitee's state now. A read: nothing is recorded.
pub async fn status(client: &Leegality, document_id: &str) -> Result<DocumentStatus> {
    let id = validate::required("document_id", document_id)?;
    Ok(client.status(&id).await?)
}

/// Downloads and keeps the signed document (or the audit trail) in the data folder.
pub async fn download(client: &Leegality, data_dir: &Path, document_id: &str, kind: FileKind) -> Result<SignedDocument> {
    let id = validate::required("document_id", document_id)?;
    let bytes = client.fetch(&id, kind).await?;
    let name = match kind {
        FileKind::Document => "signed",
        FileKind::AuditTrail => "audit-trail",
    };
    // Leegality states no hash of its documents: the SHA-256 is ours.
    signed_documents::keep(data_dir, "leegality", &id, name, &bytes, None)
}

/// Settles a create whose outcome was unknown by looking for its `irn` (the
/// operation key) at Leegality: found, it was received (and its document is
/// followed from then on); not found, it was not.
pub async fn settle_by_search(db: &Mutex<Store>, client: &Leegality, key: &str) -> Result<OperationRecord> {
    let op = outbox::lock(db)?.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))?;
    if op.kind != CREATE_KIND {
        return Err(CoreError::Conflict("Leegality cannot be asked about this kind of operation.".into()));
    }
    let found = client.search(key).await?.into_iter().find(|d| d.irn.as_deref() == Some(key));
    let store = outbox::lock(db)?;
    match found {
        Some(document) => {
            outbox::resolve_with(&store, key, outbox::Resolution::Sent, "checked: Leegality has a document with this irn", Some(serde_json::json!(document)))
        }
        None => outbox::resolve_with(&store, key, outbox::Resolution::NotSent, "checked: Leegality has no document with this irn", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitee_needs_a_name_and_a_way_to_reach_them() {
        assert_eq!(new_invitee("Asha", "asha@example.com", "").unwrap().phone, None);
        assert_eq!(new_invitee("Asha", "", "9876543210").unwrap().phone.as_deref(), Some("9876543210"));
        assert_eq!(new_invitee("", "a@b.co", "").unwrap_err().body().field.as_deref(), Some("invitee_name"));
        assert_eq!(new_invitee("Asha", "", "").unwrap_err().body().field.as_deref(), Some("invitee_email"));
        assert_eq!(new_invitee("Asha", "", "98765").unwrap_err().body().field.as_deref(), Some("invitee_phone"));
        assert_eq!(new_invitee("Asha", "not-an-email", "").unwrap_err().body().field.as_deref(), Some("invitee_email"));
    }
}
