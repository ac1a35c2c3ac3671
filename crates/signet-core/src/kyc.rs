//! DollarPe KYC document updates: checked, recorded, sent. Each uses one of the
//! customer's few allowed updates, so it is never resent blindly.

use std::collections::BTreeMap;
use std::sync::Mutex;

use signet_providers::dollarpe::{DocumentDetails, DocumentUpdated, DollarPe, UpdateDocumentInfo};

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation};
use crate::store::Store;
use crate::validate;

pub const AREA: &str = "kyc";

/// What the operator enters for one update.
#[derive(Debug, Clone, Default)]
pub struct DocumentInput {
    pub customer_id: String,
    pub document_type: String,
    pub full_address: String,
    pub document_number: String,
    pub front_url: String,
    pub back_url: Option<String>,
    pub additional_data: BTreeMap<String, String>,
}

pub fn check(input: &DocumentInput) -> Result<UpdateDocumentInfo> {
    Ok(UpdateDocumentInfo {
        customer_id: validate::required("customer", &input.customer_id)?,
        full_address: validate::required("address", &input.full_address)?,
        document_type: validate::required("type", &input.document_type)?,
        document_front_image_url: validate::document_url("front", &input.front_url)?,
        document_back_image_url: input.back_url.as_deref().map(|b| validate::document_url("back", b)).transpose()?,
        document_details: DocumentDetails {
            document_number: validate::required("number", &input.document_number)?,
            additional_data: input.additional_data.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect(),
        },
    })
}

pub async fn update(db: &Mutex<Store>, client: &DollarPe, profile_id: &str, input: &DocumentInput) -> Result<(String, DocumentUpdated)> {
    let body = check(input)?;
    let op = NewOperation {
        area: AREA,
        kind: "kyc.update_document_info",
        profile_id,
        subject: &body.customer_id,
        request: serde_json::to_value(&body).map_err(|e| CoreError::invalid("additional_data", e.to_string()))?,
    };
    let body = &body;
    outbox::run(db, op, |key| async move { client.update_document_info(body, &key).await }).await
}
