//! myKaarma e-signatures: following signature requests (status, capture URL,
//! documents, signers) and capturing the signed document's link.

use std::sync::Mutex;

use serde::Serialize;
use signet_providers::kpay::{CaptureReply, Kpay, SignatureRequest};
use ts_rs::TS;

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation};
use crate::store::{OperationRecord, OperationStatus, Store, StoredTrackedSignature};
use crate::validate;

/// The longest label an operator can give a followed request.
pub const LABEL_MAX: usize = 80;

/// A signature request the operator follows, with what myKaarma last said of it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TrackedSignature {
    pub spi_request_uuid: String,
    /// The operator's note, e.g. the customer or invoice.
    pub label: String,
    pub added_at: String,
    /// When myKaarma was last asked, if ever.
    pub checked_at: Option<String>,
    pub request: Option<SignatureRequest>,
}

impl From<StoredTrackedSignature> for TrackedSignature {
    fn from(s: StoredTrackedSignature) -> Self {
        TrackedSignature {
            request: s.last_seen.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            spi_request_uuid: s.spi_request_uuid,
            label: s.label,
            added_at: s.added_at,
            checked_at: s.checked_at,
        }
    }
}

/// A capture myKaarma answered, with the operation that recorded it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CaptureSent {
    pub operation_key: String,
    pub reply: CaptureReply,
}

fn label(raw: &str) -> Result<String> {
    let label = raw.trim();
    if label.chars().count() > LABEL_MAX {
        return Err(CoreError::invalid_as("label", crate::error_words::LABEL_LONG, &[("max", LABEL_MAX.to_string())]));
    }
    if label.chars().any(char::is_control) {
        return Err(CoreError::invalid_as("label", crate::error_words::LABEL_CONTROL, &[]));
    }
    Ok(label.to_string())
}

/// Starts following a signature request (or relabels one already followed).
pub fn track(store: &Store, profile_id: &str, spi_request_uuid: &str, raw_label: &str) -> Result<TrackedSignature> {
    let spi = validate::uuid("spi_request_uuid", spi_request_uuid)?;
    let label = label(raw_label)?;
    store.track_signature(profile_id, &spi, &label, &outbox::now())?;
    find(store, profile_id, &spi)
}

pub fn untrack(store: &Store, profile_id: &str, spi_request_uuid: &str) -> Result<()> {
    let spi = validate::uuid("spi_request_uuid", spi_request_uuid)?;
    if !store.untrack_signature(profile_id, &spi)? {
        return Err(CoreError::not_found(format!("Followed signature request {spi}")));
    }
    Ok(())
}

/// The profile's followed signature requests, newest first, as last seen.
pub fn tracked(store: &Store, profile_id: &str) -> Result<Vec<TrackedSignature>> {
    Ok(store.tracked_signatures(profile_id)?.into_iter().map(TrackedSignature::from).collect())
}

fn find(store: &Store, profile_id: &str, spi: &str) -> Result<TrackedSignature> {
    tracked(store, profile_id)?.into_iter().find(|t| t.spi_request_uuid == spi).ok_or_else(|| CoreError::not_found(format!("Followed signature request {spi}")))
}

/// Asks myKaarma for a followed request's current state and keeps the answer.
pub async fn refresh(db: &Mutex<Store>, client: &Kpay, profile_id: &str, spi_request_uuid: &str) -> Result<TrackedSignature> {
    let spi = validate::uuid("spi_request_uuid", spi_request_uuid)?;
    find(&*outbox::lock(db)?, profile_id, &spi)?;
    let seen = client.get_signature_request(&spi).await?;
    let json = serde_json::to_string(&seen).unwrap_or_default();
    let store = outbox::lock(db)?;
    store.saw_signature(profile_id, &spi, &json, &outbox::now())?;
    find(&store, profile_id, &spi)
}

pub const AREA: &str = "signatures";
pub const CAPTURE_KIND: &str = "signature.capture";

/// `choice`: the operator's answer to the team guard (another desk captured it, or
/// the team store cannot be reached).
/// What is wrong with a spiRequestUUID the operator typed, if anything: shown as
/// they type, and refused before anything is asked of myKaarma.
pub fn spi_errors(spi_request_uuid: &str) -> Vec<crate::error::ErrorBody> {
    let spi = spi_request_uuid.trim();
    let problem = if spi.is_empty() {
        Some(CoreError::invalid_as("spi_request_uuid", crate::error_words::SPI_EMPTY, &[]))
    } else if validate::uuid("spi_request_uuid", spi).is_err() {
        Some(CoreError::invalid_as("spi_request_uuid", crate::error_words::SPI, &[("value", spi.to_string())]))
    } else {
        None
    };
    problem.iter().map(CoreError::body).collect()
}

pub async fn capture(
    db: &Mutex<Store>,
    client: &Kpay,
    profile_id: &str,
    spi_request_uuid: &str,
    signed_document_url: &str,
    choice: outbox::SendChoice,
) -> Result<CaptureSent> {
    let spi = validate::uuid("spi_request_uuid", spi_request_uuid)?;
    let url = validate::document_url("url", signed_document_url)?;
    let in_flight =
        outbox::lock(db)?.operations_about(AREA, &spi)?.into_iter().find(|op| matches!(op.status, OperationStatus::Waiting | OperationStatus::Pending));
    if let Some(op) = in_flight {
        return Err(CoreError::Conflict(format!(
            "A capture for {spi} is already {} (operation {}); wait for it, or cancel it in Activity.",
            outbox::status_word(op.status),
            op.key
        )));
    }
    let op = NewOperation {
        area: AREA,
        kind: CAPTURE_KIND,
        profile_id,
        subject: &spi,
        request: serde_json::json!({ "spiRequestUUID": spi, "signedDocumentUrl": url }),
        claim: None,
        unchecked: false,
    }
    .claiming("capture", &spi, choice);
    let (spi, url) = (&spi, &url);
    let (operation_key, reply) = outbox::run_or_wait(db, op, |key| async move { client.capture_signature(spi, url, &key).await }).await?;
    Ok(CaptureSent { operation_key, reply })
}

/// Sends a capture that waited for the network, as it was recorded.
pub async fn retry_waiting(db: &Mutex<Store>, client: &Kpay, op: &OperationRecord) -> Result<bool> {
    let (Some(spi), Some(url)) = (op.request["spiRequestUUID"].as_str(), op.request["signedDocumentUrl"].as_str()) else {
        return Err(CoreError::Conflict(format!("the recorded capture of operation {} cannot be read back", op.key)));
    };
    Ok(outbox::retry(db, op, |key| async move { client.capture_signature(spi, url, &key).await }).await?.is_some())
}

/// Settles a capture whose outcome was unknown by asking myKaarma whether the
/// signature request is now signed.
pub async fn settle_by_check(db: &Mutex<Store>, client: &Kpay, key: &str) -> Result<OperationRecord> {
    let op = outbox::lock(db)?.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))?;
    if op.kind != CAPTURE_KIND {
        return Err(CoreError::Conflict("myKaarma cannot be asked about this kind of operation: confirm it with the customer, then mark it.".into()));
    }
    let request = client.get_signature_request(&op.subject).await?;
    let (resolution, note) = if request.is_signed {
        (outbox::Resolution::Sent, "checked: the signature request is signed")
    } else {
        (outbox::Resolution::NotSent, "checked: the signature request is not signed")
    };
    outbox::resolve(&*outbox::lock(db)?, key, resolution, note)
}

#[cfg(test)]
mod form_tests {
    #[test]
    fn a_spi_request_uuid_is_asked_for_then_checked() {
        assert!(super::spi_errors("")[0].message.contains("Enter the spiRequestUUID"));
        let bad = super::spi_errors("not-a-uuid");
        assert_eq!((bad[0].field.as_deref(), bad[0].message.contains("spiRequestUUID")), (Some("spi_request_uuid"), true));
        assert!(super::spi_errors("5a1c3e2b-8d7f-4e6a-9b0c-1d2e3f4a5b6c").is_empty());
    }
}
