//! myKaarma e-signature capture: the signed document's link, recorded and sent.

use std::sync::Mutex;

use signet_providers::kpay::{CaptureReply, Kpay};

use crate::error::Result;
use crate::outbox::{self, NewOperation};
use crate::store::Store;
use crate::validate;

pub const AREA: &str = "signatures";

pub async fn capture(db: &Mutex<Store>, client: &Kpay, profile_id: &str, spi_request_uuid: &str, signed_document_url: &str) -> Result<(String, CaptureReply)> {
    let spi = validate::uuid("spi_request_uuid", spi_request_uuid)?;
    let url = validate::document_url("url", signed_document_url)?;
    let op = NewOperation {
        area: AREA,
        kind: "signature.capture",
        profile_id,
        subject: &spi,
        request: serde_json::json!({ "spiRequestUUID": spi, "signedDocumentUrl": url }),
    };
    let (spi, url) = (&spi, &url);
    outbox::run(db, op, |key| async move { client.capture_signature(spi, url, &key).await }).await
}
