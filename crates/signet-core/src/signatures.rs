//! myKaarma e-signature capture: the signed document's link, recorded and sent.

use std::sync::Mutex;

use signet_providers::kpay::{CaptureReply, Kpay};

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation};
use crate::store::{OperationRecord, Store};
use crate::validate;

pub const AREA: &str = "signatures";
pub const CAPTURE_KIND: &str = "signature.capture";

pub async fn capture(db: &Mutex<Store>, client: &Kpay, profile_id: &str, spi_request_uuid: &str, signed_document_url: &str) -> Result<(String, CaptureReply)> {
    let spi = validate::uuid("spi_request_uuid", spi_request_uuid)?;
    let url = validate::document_url("url", signed_document_url)?;
    let op = NewOperation {
        area: AREA,
        kind: CAPTURE_KIND,
        profile_id,
        subject: &spi,
        request: serde_json::json!({ "spiRequestUUID": spi, "signedDocumentUrl": url }),
    };
    let (spi, url) = (&spi, &url);
    outbox::run_or_wait(db, op, |key| async move { client.capture_signature(spi, url, &key).await }).await
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
        return Err(CoreError::Conflict(
            "myKaarma cannot be asked about this kind of operation: confirm it with the customer, then mark it.".into(),
        ));
    }
    let request = client.get_signature_request(&op.subject).await?;
    let (resolution, note) = if request.is_signed {
        (outbox::Resolution::Sent, "checked: the signature request is signed")
    } else {
        (outbox::Resolution::NotSent, "checked: the signature request is not signed")
    };
    outbox::resolve(&*outbox::lock(db)?, key, resolution, note)
}
