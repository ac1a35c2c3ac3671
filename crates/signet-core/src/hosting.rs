//! Where KYC documents are put so DollarPe can fetch them: an S3-compatible bucket
//! with expiring presigned links (through `object_store`), or, for the Sandbox
//! profile, the Sandbox's own file endpoint. Object names are random: no customer
//! id, name or document number ever appears in them.

use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};
use secrecy::ExposeSecret;

use crate::access::ProviderAccess;
use crate::error::{CoreError, Result};
use crate::kyc_files::DocumentKind;

/// How long DollarPe's links work when the profile does not say.
const DEFAULT_LINK_MINUTES: u64 = 24 * 60;

pub fn check_link_minutes(field: &str, raw: &str) -> Result<String> {
    match raw.trim().parse::<u64>() {
        Ok(m) if (5..=10_080).contains(&m) => Ok(m.to_string()),
        _ => Err(CoreError::invalid_as(field, crate::error_words::LINK_MINUTES, &[])),
    }
}

/// A document put where DollarPe can fetch it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HostedDocument {
    /// The object's name in the bucket (random).
    pub key: String,
    /// The link DollarPe is given.
    pub url: String,
}

pub enum DocumentHost {
    /// The Sandbox's `/_sandbox/files/{key}` (the Sandbox profile).
    Sandbox {
        base_url: String,
        http: reqwest::Client,
    },
    S3 {
        store: AmazonS3,
        prefix: String,
        link_lifetime: Duration,
    },
}

impl DocumentHost {
    pub fn sandbox(base_url: &str) -> DocumentHost {
        DocumentHost::Sandbox { base_url: base_url.trim_end_matches('/').to_string(), http: reqwest::Client::new() }
    }

    /// Where a profile's documents go: the Sandbox for the built-in Sandbox profile
    /// (at `sandbox_url`), the profile's bucket otherwise.
    pub fn for_profile(profile_id: &str, sandbox_url: Option<&str>, dollarpe: &ProviderAccess) -> Result<DocumentHost> {
        match sandbox_url {
            Some(url) if profile_id == crate::settings::SANDBOX_PROFILE_ID => Ok(DocumentHost::sandbox(url)),
            _ => DocumentHost::s3(dollarpe),
        }
    }

    /// The bucket a DollarPe profile names; every missing setting is named.
    pub fn s3(access: &ProviderAccess) -> Result<DocumentHost> {
        let value = |k: &str| access.value(k).map(str::trim).filter(|v| !v.is_empty());
        let bucket = value("s3_bucket").ok_or_else(|| CoreError::invalid_as("dollarpe.s3_bucket", crate::error_words::BUCKET_NEEDED, &[]))?;
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(value("s3_region").unwrap_or("us-east-1"))
            .with_access_key_id(access.secret("s3_access_key_id")?.expose_secret())
            .with_secret_access_key(access.secret("s3_secret_access_key")?.expose_secret());
        if let Some(endpoint) = value("s3_endpoint") {
            let endpoint = crate::validate::base_url("dollarpe.s3_endpoint", endpoint)?;
            // Plain http passes the check only on this machine (a local test server).
            builder = builder.with_endpoint(&endpoint).with_allow_http(endpoint.starts_with("http://")).with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| CoreError::invalid("dollarpe.s3_bucket", format!("The bucket settings are not usable: {e}")))?;
        let minutes = value("s3_link_minutes").map(|m| check_link_minutes("dollarpe.s3_link_minutes", m)).transpose()?;
        let minutes = minutes.and_then(|m| m.parse().ok()).unwrap_or(DEFAULT_LINK_MINUTES);
        Ok(DocumentHost::S3 { store, prefix: value("s3_prefix").unwrap_or("").trim_matches('/').to_string(), link_lifetime: Duration::from_secs(minutes * 60) })
    }

    /// Puts a document and returns the link DollarPe will fetch. Putting the same
    /// random name again is harmless, so the stores' own retries are safe.
    pub async fn put(&self, kind: DocumentKind, bytes: Vec<u8>) -> Result<HostedDocument> {
        let name = format!("kyc/{}.{}", uuid::Uuid::new_v4(), kind.extension());
        match self {
            DocumentHost::Sandbox { base_url, http } => {
                let failed = |e: String| CoreError::Io { context: "cannot upload the document to the Sandbox".into(), source: std::io::Error::other(e) };
                let resp = http
                    .put(format!("{base_url}/_sandbox/files/{name}"))
                    .header(reqwest::header::CONTENT_TYPE, kind.content_type())
                    .body(bytes)
                    .send()
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                if !resp.status().is_success() {
                    return Err(failed(format!("it answered HTTP {}", resp.status())));
                }
                let body: serde_json::Value = resp.json().await.map_err(|e| failed(e.to_string()))?;
                let url = body["url"].as_str().ok_or_else(|| failed("its answer had no url".into()))?.to_string();
                Ok(HostedDocument { key: name, url })
            }
            DocumentHost::S3 { store, prefix, link_lifetime } => {
                let key = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
                let path = ObjectPath::from(key.as_str());
                let failed = |e: object_store::Error| CoreError::Io {
                    context: "cannot upload the document to the bucket".into(),
                    source: std::io::Error::other(e.to_string()),
                };
                let mut attributes = Attributes::new();
                attributes.insert(Attribute::ContentType, kind.content_type().into());
                store.put_opts(&path, PutPayload::from(bytes), PutOptions { attributes, ..Default::default() }).await.map_err(failed)?;
                let url = store.signed_url(reqwest::Method::GET, &path, *link_lifetime).await.map_err(failed)?;
                Ok(HostedDocument { key, url: url.to_string() })
            }
        }
    }
}
