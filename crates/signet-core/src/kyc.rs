//! DollarPe KYC document updates: checked, recorded, sent. Each uses one of the
//! customer's few allowed updates, so it is never resent blindly.

use std::collections::BTreeMap;
use std::sync::Mutex;

use signet_providers::dollarpe::{DocumentDetails, DocumentUpdated, DollarPe, UpdateDocumentInfo};

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation};
use crate::store::{OperationRecord, OperationStatus, Store};
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

/// What DollarPe's configuration says about one customer: the document types it
/// accepts (with their extra fields) and how many updates are left.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KycConfiguration {
    pub customer_id: String,
    pub document_types: Vec<DocumentTypeRules>,
    pub kyc_status: Option<String>,
    /// DollarPe has decided (verified or rejected): nothing more to follow.
    pub settled: bool,
    pub updates_used: Option<u32>,
    pub updates_allowed: Option<u32>,
}

#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DocumentTypeRules {
    pub document_type: String,
    pub name: String,
    pub requires_back: bool,
    pub additional_data: Vec<FieldRule>,
}

#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldRule {
    pub key: String,
    pub label: String,
    pub required: bool,
    /// A regular expression the value must match in full, when DollarPe gives one.
    pub pattern: Option<String>,
}

impl KycConfiguration {
    /// Reads DollarPe's answer leniently: unknown fields are ignored, missing ones empty.
    pub fn from_answer(customer_id: &str, v: &serde_json::Value) -> KycConfiguration {
        let data = if v.get("data").is_some() { &v["data"] } else { v };
        let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string();
        let types = data["document_types"].as_array().cloned().unwrap_or_default();
        KycConfiguration {
            customer_id: customer_id.into(),
            document_types: types
                .iter()
                .map(|t| DocumentTypeRules {
                    document_type: text(t, "document_type"),
                    name: text(t, "name"),
                    requires_back: t["requires_back"].as_bool().unwrap_or(false),
                    additional_data: t["additional_data"]
                        .as_array()
                        .map(|rules| {
                            rules
                                .iter()
                                .map(|r| FieldRule {
                                    key: text(r, "key"),
                                    label: text(r, "label"),
                                    required: r["required"].as_bool().unwrap_or(false),
                                    pattern: r["pattern"].as_str().map(str::to_string),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .filter(|t| !t.document_type.is_empty())
                .collect(),
            settled: matches!(data["kyc_status"].as_str(), Some("VERIFIED" | "REJECTED")),
            kyc_status: data["kyc_status"].as_str().map(str::to_string),
            updates_used: data["updates_used"].as_u64().map(|n| n as u32),
            updates_allowed: data["updates_allowed"].as_u64().map(|n| n as u32),
        }
    }

    pub fn updates_left(&self) -> Option<u32> {
        Some(self.updates_allowed?.saturating_sub(self.updates_used?))
    }

    /// Checks the form against the rules of the chosen document type, naming the field.
    pub fn check(&self, input: &DocumentInput, has_back: bool) -> Result<()> {
        let rules = self.document_types.iter().find(|t| t.document_type == input.document_type.trim()).ok_or_else(|| {
            let offered: Vec<_> = self.document_types.iter().map(|t| t.document_type.as_str()).collect();
            CoreError::invalid_as("type", crate::error_words::KYC_TYPE, &[("value", input.document_type.trim().to_string()), ("offered", offered.join(", "))])
        })?;
        if rules.requires_back && !has_back {
            return Err(CoreError::invalid_as("back", crate::error_words::KYC_BACK, &[("document", rules.name.to_string())]));
        }
        for rule in &rules.additional_data {
            let value = input.additional_data.get(&rule.key).map(|v| v.trim()).unwrap_or_default();
            let field = format!("additional_data.{}", rule.key);
            if value.is_empty() {
                if rule.required {
                    return Err(CoreError::invalid_as(field, crate::error_words::KYC_FILL, &[("what", rule.label.to_string())]));
                }
                continue;
            }
            if let Some(pattern) = &rule.pattern {
                let whole = regex::Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|_| CoreError::invalid(field.clone(), format!("DollarPe's rule for {} cannot be read; contact support.", rule.label)))?;
                if !whole.is_match(value) {
                    return Err(CoreError::invalid_as(
                        field,
                        crate::error_words::KYC_PATTERN,
                        &[("what", rule.label.to_string()), ("pattern", pattern.to_string())],
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A document file to check, upload and send.
#[derive(Clone)]
pub struct DocumentFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A KYC update sent with its documents hosted.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KycSubmitted {
    pub operation_key: String,
    pub id: String,
    pub status: String,
    pub front: crate::hosting::HostedDocument,
    pub back: Option<crate::hosting::HostedDocument>,
}

/// Where a KYC submission is: told to the operator as it goes (the window shows it
/// in the desk's language, the command line in English).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum KycStep {
    /// Asking DollarPe which documents it takes for the customer.
    Asking,
    /// Uploading one of the files to the document host.
    Uploading { file: String },
    /// Sending the update to DollarPe.
    Sending,
}

impl std::fmt::Display for KycStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KycStep::Asking => f.write_str("Asking DollarPe which documents it takes"),
            KycStep::Uploading { file } => write!(f, "Uploading {file}"),
            KycStep::Sending => f.write_str("Sending the update to DollarPe"),
        }
    }
}

/// Checks the form against the customer's configuration and every file, uploads
/// the files, and sends the update with their links. Nothing leaves the machine
/// until every check has passed. `progress` hears each step.
pub async fn submit_files(
    db: &Mutex<Store>,
    client: &DollarPe,
    host: &crate::hosting::DocumentHost,
    profile_id: &str,
    input: &DocumentInput,
    front: DocumentFile,
    back: Option<DocumentFile>,
    limits: &crate::kyc_files::FileLimits,
    choice: outbox::SendChoice,
    mut progress: impl FnMut(&KycStep),
) -> Result<KycSubmitted> {
    let customer = validate::required("customer", &input.customer_id)?;
    validate::required("address", &input.full_address)?;
    validate::required("number", &input.document_number)?;
    let front_checked = crate::kyc_files::check("front", &front.name, &front.bytes, limits)?;
    let back_checked = back.as_ref().map(|b| crate::kyc_files::check("back", &b.name, &b.bytes, limits)).transpose()?;
    progress(&KycStep::Asking);
    let config = KycConfiguration::from_answer(&customer, &client.kyc_configuration(&customer).await?);
    config.check(input, back.is_some())?;
    if config.updates_left() == Some(0) {
        return Err(CoreError::Conflict(format!("Customer {customer} has used all {} document updates DollarPe allows.", config.updates_allowed.unwrap_or(0))));
    }
    progress(&KycStep::Uploading { file: front.name.clone() });
    let front_hosted = host.put(front_checked.kind, front.bytes).await?;
    let back_hosted = match (back, back_checked) {
        (Some(file), Some(checked)) => {
            progress(&KycStep::Uploading { file: file.name.clone() });
            Some(host.put(checked.kind, file.bytes).await?)
        }
        _ => None,
    };
    progress(&KycStep::Sending);
    let with_links = DocumentInput { front_url: front_hosted.url.clone(), back_url: back_hosted.as_ref().map(|b| b.url.clone()), ..input.clone() };
    let (operation_key, answer) = update(db, client, profile_id, &with_links, choice).await?;
    Ok(KycSubmitted { operation_key, id: answer.id, status: answer.status, front: front_hosted, back: back_hosted })
}

/// The kind of operation a KYC update is recorded as.
pub const UPDATE_KIND: &str = "kyc.update_document_info";

/// Records what DollarPe said of a customer's KYC (at `at`, RFC 3339); says whether
/// that is news the operator should hear: DollarPe has just decided (VERIFIED or
/// REJECTED, and not what was seen before).
pub fn note_status(store: &Store, profile_id: &str, config: &KycConfiguration, at: &str) -> Result<bool> {
    let Some(status) = &config.kyc_status else { return Ok(false) };
    let before = store.note_kyc_status(profile_id, &config.customer_id, status, config.settled, at)?;
    Ok(config.settled && before.is_none_or(|b| b.status != *status))
}

/// The KYC updates of `profile_id` sent since `since` that DollarPe has not decided
/// on since they were sent, the newest per customer, newest first: what Today lists
/// and what the desk keeps asking DollarPe about.
pub fn unsettled_updates(store: &Store, profile_id: &str, since: &str) -> Result<Vec<OperationRecord>> {
    let mut customers = std::collections::HashSet::new();
    let mut unsettled = Vec::new();
    for op in store.operations_since(UPDATE_KIND, since)? {
        if op.profile_id != profile_id || op.status != OperationStatus::Sent || !customers.insert(op.subject.clone()) {
            continue;
        }
        // A decision seen before this update was sent was about the earlier documents.
        let decided = store.kyc_status(profile_id, &op.subject)?.is_some_and(|seen| seen.settled && !earlier(&seen.checked_at, &op.updated_at));
        if !decided {
            unsettled.push(op);
        }
    }
    Ok(unsettled)
}

/// The customers of [`unsettled_updates`] to ask DollarPe about next, at most `limit`:
/// those asked about longest ago (or never) first, so none waits behind the others.
pub fn customers_to_follow(store: &Store, profile_id: &str, since: &str, limit: usize) -> Result<Vec<String>> {
    let mut customers: Vec<(Option<String>, String)> = Vec::new();
    for op in unsettled_updates(store, profile_id, since)? {
        let checked = store.kyc_status(profile_id, &op.subject)?.map(|seen| seen.checked_at);
        customers.push((checked, op.subject));
    }
    // Never asked (None) sorts first, then the oldest check.
    customers.sort_by(|a, b| match (&a.0, &b.0) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) if earlier(x, y) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) if earlier(y, x) => std::cmp::Ordering::Greater,
        _ => std::cmp::Ordering::Equal,
    });
    Ok(customers.into_iter().take(limit).map(|(_, customer)| customer).collect())
}

/// Whether RFC 3339 time `a` is before `b` (as times: their strings may differ in precision).
fn earlier(a: &str, b: &str) -> bool {
    let parse = |t: &str| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok();
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a < b,
        _ => a < b,
    }
}

pub async fn update(
    db: &Mutex<Store>,
    client: &DollarPe,
    profile_id: &str,
    input: &DocumentInput,
    choice: outbox::SendChoice,
) -> Result<(String, DocumentUpdated)> {
    let body = check(input)?;
    let op = NewOperation {
        area: AREA,
        kind: UPDATE_KIND,
        profile_id,
        subject: &body.customer_id,
        request: serde_json::to_value(&body).map_err(|e| CoreError::invalid("additional_data", e.to_string()))?,
        claim: None,
        unchecked: false,
    }
    .claiming("kyc_customer", &body.customer_id, choice);
    let body = &body;
    outbox::run(db, op, |key| async move { client.update_document_info(body, &key).await }).await
}
