//! myKaarma payment requests: checked, recorded in the outbox, sent, and looked up.

use std::sync::Mutex;

use serde::Serialize;
use signet_providers::kpay::{Kpay, PaymentRequest, PaymentRequestReply};

use crate::error::{CoreError, Result};
use crate::store::OperationStatus;
use crate::outbox::{self, NewOperation};
use crate::store::{OperationRecord, Store};
use crate::validate;

pub const AREA: &str = "payments";

/// A payment request the provider accepted; `failed_channels` makes a half-success visible.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSent {
    pub operation_key: String,
    pub reply: PaymentRequestReply,
    pub failed_channels: Vec<&'static str>,
}

/// Normalises and checks the ids; nothing is recorded or sent when they are wrong.
pub fn check(department: &str, request: &PaymentRequest) -> Result<(String, PaymentRequest)> {
    let department = validate::uuid("department", department)?;
    if !request.send_as_text && !request.send_as_email {
        return Err(CoreError::invalid("channels", "Choose how the customer hears of it: by text, by email, or both."));
    }
    let request = PaymentRequest { invoice_guid: validate::uuid("invoice", &request.invoice_guid)?, ..request.clone() };
    Ok((department, request))
}

/// Whether to send even though the invoice already has a payment request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Refuse if the invoice has one sent, in flight or of unknown outcome.
    IfNone,
    /// The operator has seen the earlier one and asked to send again.
    Again,
}

/// The invoice's latest payment request that was sent, is in flight, or may have
/// arrived: reason to ask before sending another.
pub fn earlier_request(store: &Store, invoice_guid: &str) -> Result<Option<OperationRecord>> {
    Ok(history(store, invoice_guid)?.into_iter().find(|op| op.status != OperationStatus::Failed))
}

pub async fn send(
    db: &Mutex<Store>,
    client: &Kpay,
    profile_id: &str,
    department: &str,
    request: &PaymentRequest,
    repeat: Repeat,
) -> Result<PaymentSent> {
    let (department, request) = check(department, request)?;
    if repeat == Repeat::IfNone {
        let earlier = earlier_request(&*outbox::lock(db)?, &request.invoice_guid)?;
        if let Some(op) = earlier {
            return Err(CoreError::Duplicate {
                message: format!(
                    "Invoice {} already has a payment request ({}, {}, operation {}). Check it, then send again only if the customer needs another.",
                    request.invoice_guid,
                    match op.status {
                        OperationStatus::Sent => "sent",
                        OperationStatus::Pending => "being sent",
                        _ => "outcome unknown",
                    },
                    op.created_at,
                    op.key
                ),
                earlier: Box::new(op),
            });
        }
    }
    let op = NewOperation {
        area: AREA,
        kind: "payment_request.send",
        profile_id,
        subject: &request.invoice_guid,
        request: serde_json::json!({ "departmentUuid": department, "body": request }),
    };
    let (d, r) = (&department, &request);
    let (operation_key, reply) = outbox::run(db, op, |key| async move { client.send_payment_request(d, r, &key).await }).await?;
    let failed_channels = reply.failed_channels(&request);
    Ok(PaymentSent { operation_key, reply, failed_channels })
}

/// Every payment request recorded for an invoice, newest first.
pub fn history(store: &Store, invoice_guid: &str) -> Result<Vec<OperationRecord>> {
    let invoice = validate::uuid("invoice", invoice_guid)?;
    store.operations_about(AREA, &invoice)
}
