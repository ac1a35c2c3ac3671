//! myKaarma payment requests: checked, recorded in the outbox, sent, and looked up.

use std::sync::Mutex;

use serde::Serialize;
use signet_providers::kpay::{Kpay, PaymentRequest, PaymentRequestReply};

use crate::error::Result;
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
    let request = PaymentRequest { invoice_guid: validate::uuid("invoice", &request.invoice_guid)?, ..request.clone() };
    Ok((department, request))
}

pub async fn send(db: &Mutex<Store>, client: &Kpay, profile_id: &str, department: &str, request: &PaymentRequest) -> Result<PaymentSent> {
    let (department, request) = check(department, request)?;
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
