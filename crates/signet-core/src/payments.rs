//! myKaarma payment requests: checked, recorded in the outbox, sent, and looked up.

use std::sync::Mutex;

use serde::Serialize;
use signet_providers::kpay::{Kpay, PaymentRequest, PaymentRequestReply};

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation, SendChoice};
use crate::store::OperationStatus;
use crate::store::{OperationRecord, Store};
use crate::validate;

pub const AREA: &str = "payments";
pub const SEND_KIND: &str = "payment_request.send";

/// A myKaarma department the operator sends for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Department {
    pub name: String,
    pub uuid: String,
}

/// Reads "Name: UUID" lines (":" "," "=" or spaces between) into departments.
pub fn parse_departments(field: &str, raw: &str) -> Result<Vec<Department>> {
    let mut out: Vec<Department> = Vec::new();
    for (i, line) in raw.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()) {
        let Some((name, id)) = line.rsplit_once(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | '=')) else {
            return Err(CoreError::invalid_as(field, crate::error_words::DEPARTMENT_LINE, &[("line", (i + 1).to_string())]));
        };
        let uuid = validate::uuid(field, id)
            .map_err(|_| CoreError::invalid_as(field, crate::error_words::DEPARTMENT_UUID, &[("line", (i + 1).to_string()), ("value", id.to_string())]))?;
        let name = name.trim().trim_end_matches([':', ',', '=']).trim().to_string();
        if name.is_empty() {
            return Err(CoreError::invalid_as(field, crate::error_words::DEPARTMENT_NAME, &[("line", (i + 1).to_string())]));
        }
        if out.iter().any(|d| d.uuid == uuid) {
            return Err(CoreError::invalid_as(field, crate::error_words::DEPARTMENT_TWICE, &[("line", (i + 1).to_string())]));
        }
        out.push(Department { name, uuid });
    }
    Ok(out)
}

/// The settings form's check: the same lines, tidied to "Name: UUID".
pub fn normalise_departments(field: &str, raw: &str) -> Result<String> {
    Ok(parse_departments(field, raw)?.iter().map(|d| format!("{}: {}", d.name, d.uuid)).collect::<Vec<_>>().join("\n"))
}

/// What the result panel shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PaymentSentView {
    pub operation_key: String,
    pub payment_link: Option<String>,
    pub invoice_link: Option<String>,
    pub text_sent: Option<String>,
    pub email_sent: Option<String>,
    /// Channels asked for that failed: a half-success, with the link still usable.
    pub failed_channels: Vec<String>,
    pub warnings: Vec<String>,
    /// `errors[]` myKaarma sent beside a link: the request exists, but something
    /// asked for did not happen (e.g. the invoice could not be attached).
    pub errors: Vec<String>,
    /// Sent without KPay: the invoice link is what the customer gets, no payment link.
    pub without_kpay: bool,
}

impl From<&PaymentSent> for PaymentSentView {
    fn from(s: &PaymentSent) -> Self {
        let r = &s.reply;
        let error = |e: &signet_providers::kpay::KpayError| {
            let code = match &e.error_code {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(c) => format!("{c} "),
                other => format!("{other} "),
            };
            let text = [e.error_title.as_str(), e.error_message.as_str(), e.error_description.as_str()]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            format!("{code}{text}").trim().to_string()
        };
        let warning = |w: &signet_providers::kpay::KpayWarning| {
            [w.warning_title.as_deref(), w.warning_message.as_deref(), w.warning_description.as_deref()]
                .into_iter()
                .flatten()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(": ")
        };
        PaymentSentView {
            operation_key: s.operation_key.clone(),
            payment_link: r.payment_link.clone(),
            invoice_link: r.invoice_link.clone(),
            text_sent: r.text_sent.clone(),
            email_sent: r.email_sent.clone(),
            failed_channels: s.failed_channels.iter().map(|c| c.to_string()).collect(),
            warnings: r.warnings.iter().map(warning).collect(),
            errors: r.errors.iter().map(error).collect(),
            without_kpay: s.without_kpay,
        }
    }
}

/// A payment request the provider accepted; `failed_channels` makes a half-success visible.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSent {
    pub operation_key: String,
    pub reply: PaymentRequestReply,
    pub failed_channels: Vec<&'static str>,
    pub without_kpay: bool,
}

/// Normalises and checks the ids; nothing is recorded or sent when they are wrong.
pub fn check(department: &str, request: &PaymentRequest) -> Result<(String, PaymentRequest)> {
    if let Some(first) = problems(department, request).into_iter().next() {
        return Err(first);
    }
    let department = validate::uuid("department", department)?;
    let request = PaymentRequest { invoice_guid: validate::uuid("invoice", &request.invoice_guid)?, ..request.clone() };
    Ok((department, request))
}

/// Every problem with a payment request at once, each naming its field: what the
/// desk shows as the operator types, and what `check` refuses before sending.
pub fn field_errors(department: &str, request: &PaymentRequest) -> Vec<crate::error::ErrorBody> {
    problems(department, request).iter().map(CoreError::body).collect()
}

fn problems(department: &str, request: &PaymentRequest) -> Vec<CoreError> {
    let mut found = Vec::new();
    if let Err(e) = validate::uuid("department", department) {
        found.push(e);
    }
    if !request.send_as_text && !request.send_as_email {
        found.push(CoreError::invalid_as("channels", crate::error_words::CHANNELS, &[]));
    }
    let invoice = request.invoice_guid.trim();
    if invoice.is_empty() {
        found.push(CoreError::invalid_as("invoice", crate::error_words::INVOICE_EMPTY, &[]));
    } else if validate::uuid("invoice", invoice).is_err() {
        found.push(CoreError::invalid_as("invoice", crate::error_words::INVOICE, &[("value", invoice.to_string())]));
    }
    found
}

/// The team-wide business key of a payment request: the department and the invoice.
pub const CLAIM_SCOPE: &str = "invoice";
pub fn claim_key(department: &str, invoice: &str) -> String {
    format!("{department}/{invoice}")
}

/// The invoice's latest payment request that was sent, is in flight, or may have
/// arrived: reason to ask before sending another.
pub fn earlier_request(store: &Store, invoice_guid: &str) -> Result<Option<OperationRecord>> {
    Ok(history(store, invoice_guid)?.into_iter().find(|op| op.status != OperationStatus::Failed))
}

pub async fn send(db: &Mutex<Store>, client: &Kpay, profile_id: &str, department: &str, request: &PaymentRequest, choice: SendChoice) -> Result<PaymentSent> {
    let (department, request) = check(department, request)?;
    // One still waiting for the network will go by itself: a second would double it.
    if let Some(waiting) = history(&*outbox::lock(db)?, &request.invoice_guid)?.into_iter().find(|op| op.status == OperationStatus::Waiting) {
        return Err(CoreError::Conflict(format!(
            "Invoice {} has a payment request waiting for the network (operation {}); Signet sends it by itself. To send a different one, cancel it in Activity first.",
            request.invoice_guid, waiting.key
        )));
    }
    if !choice.again {
        let earlier = earlier_request(&*outbox::lock(db)?, &request.invoice_guid)?;
        if let Some(op) = earlier {
            return Err(CoreError::Duplicate {
                message: format!(
                    "Invoice {} already has a payment request ({}, {}, operation {}). Check it, then send again only if the customer needs another.",
                    request.invoice_guid,
                    outbox::status_word(op.status),
                    op.created_at,
                    op.key
                ),
                earlier: Box::new(op),
            });
        }
    }
    let op = NewOperation {
        area: AREA,
        kind: SEND_KIND,
        profile_id,
        subject: &request.invoice_guid,
        request: serde_json::json!({ "departmentUuid": department, "body": request }),
        claim: None,
        unchecked: false,
    }
    .claiming(CLAIM_SCOPE, &claim_key(&department, &request.invoice_guid), choice);
    let (d, r) = (&department, &request);
    let (operation_key, reply) = outbox::run_or_wait(db, op, |key| async move { client.send_payment_request(d, r, &key).await }).await?;
    let failed_channels = reply.failed_channels(&request);
    Ok(PaymentSent { operation_key, reply, failed_channels, without_kpay: request.send_without_kpay })
}

/// Sends again a payment request whose earlier attempt failed or whose outcome the
/// operator has decided was not received. An unknown one is first marked as not
/// received, with a note naming the new operation's reason.
pub async fn send_again(db: &Mutex<Store>, client: &Kpay, profile_id: &str, key: &str) -> Result<PaymentSent> {
    let op = outbox::lock(db)?.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))?;
    if op.kind != SEND_KIND {
        return Err(CoreError::Conflict(format!("Operation {key} is not a payment request.")));
    }
    let (department, request) = recorded_request(&op)?;
    match op.status {
        OperationStatus::Failed => {}
        OperationStatus::Unknown => {
            outbox::resolve(&*outbox::lock(db)?, key, outbox::Resolution::NotSent, "the operator sent it again")?;
        }
        _ => return Err(CoreError::Conflict(format!("Operation {key} is {:?}: it does not need sending again.", op.status).to_lowercase())),
    }
    send(db, client, profile_id, &department, &request, SendChoice { again: true, unchecked: false }).await
}

/// The department and request a recorded payment request operation sent.
fn recorded_request(op: &OperationRecord) -> Result<(String, PaymentRequest)> {
    let department = op.request["departmentUuid"].as_str().unwrap_or_default().to_string();
    let request: PaymentRequest = serde_json::from_value(op.request["body"].clone())
        .map_err(|e| CoreError::Conflict(format!("the recorded request of operation {} cannot be read back: {e}", op.key)))?;
    Ok((department, request))
}

/// Sends a payment request that waited for the network, as it was recorded.
pub async fn retry_waiting(db: &Mutex<Store>, client: &Kpay, op: &OperationRecord) -> Result<bool> {
    let (department, request) = recorded_request(op)?;
    let (d, r) = (&department, &request);
    Ok(outbox::retry(db, op, |key| async move { client.send_payment_request(d, r, &key).await }).await?.is_some())
}

/// Every payment request recorded for an invoice, newest first.
pub fn history(store: &Store, invoice_guid: &str) -> Result<Vec<OperationRecord>> {
    let invoice = validate::uuid("invoice", invoice_guid)?;
    store.operations_about(AREA, &invoice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments_are_read_from_lines() {
        let got =
            parse_departments("d", "Service: 3B0F6A52-1C4E-4D8A-9B7E-5F2A6C8D1E01\n\n  Parts and Accessories 3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e02 ").unwrap();
        assert_eq!(got[0], Department { name: "Service".into(), uuid: "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01".into() });
        assert_eq!(got[1].name, "Parts and Accessories");
        for bad in [
            "Service",
            "Service: nope",
            "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01",
            "A: 3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01\nB: 3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01",
        ] {
            assert!(parse_departments("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_request_needs_a_channel_and_real_ids() {
        let req = PaymentRequest { invoice_guid: "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01".into(), send_as_email: true, ..Default::default() };
        assert!(check("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01", &req).is_ok());
        let silent = PaymentRequest { send_as_email: false, ..req.clone() };
        assert_eq!(check("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01", &silent).unwrap_err().body().field.as_deref(), Some("channels"));
        assert_eq!(check("x", &req).unwrap_err().body().field.as_deref(), Some("department"));
    }
}

#[cfg(test)]
mod form_tests {
    use super::*;

    const DEPT: &str = "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01";

    #[test]
    fn every_problem_of_the_form_names_its_field_and_check_refuses_the_first() {
        let fields = |d: &str, r: &PaymentRequest| field_errors(d, r).into_iter().map(|e| e.field.unwrap_or_default()).collect::<Vec<_>>();
        let empty = PaymentRequest::default();
        assert_eq!(fields("", &empty), ["department", "channels", "invoice"]);
        let typed = PaymentRequest { invoice_guid: "9d4e2f10-not-a-guid".into(), send_as_email: true, ..Default::default() };
        let errors = field_errors(DEPT, &typed);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("invoice GUID") && errors[0].message.contains("9d4e2f10-not-a-guid"), "{}", errors[0].message);
        assert_eq!(check(DEPT, &typed).unwrap_err().body().field.as_deref(), Some("invoice"));
        let good = PaymentRequest { invoice_guid: " 9D4E2F10-7A3B-4C5D-8E6F-0A1B2C3D4E01 ".into(), ..typed };
        assert!(field_errors(DEPT, &good).is_empty());
        assert_eq!(check(DEPT, &good).unwrap().1.invoice_guid, "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01");
    }
}
