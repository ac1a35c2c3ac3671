//! The evidence archive: every ledger record, kept contract file, session dossier
//! and a signed checkpoint of the ledger's head, written to an S3 bucket under
//! Object Lock in COMPLIANCE mode, so that the evidence outlives the PC and nobody
//! can delete or replace it before its retention date.
//!
//! Object names carry no personal data: under `<prefix>/signet-evidence/<installation>/`
//! (the installation is a fingerprint of its evidence public key, so whoever has the
//! public key finds its archive) come `records/<position>.json`, `files/<sha256>`,
//! `dossiers/<session id>/<position>.zip` and `checkpoints/<position>.json`.

pub mod archiver;
pub mod check;
pub mod s3;

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::access::ProviderAccess;
use crate::error::{CoreError, Result};

/// QI Tech requires opt-in evidence to stay available at least five years.
pub const MIN_RETENTION_YEARS: u32 = 5;

/// Where one installation's evidence lives in a bucket.
pub struct Archive {
    pub bucket: s3::Bucket,
    /// `<prefix>/signet-evidence/`, ending with a slash (or just `signet-evidence/`).
    base: String,
    pub retention_years: u32,
}

/// The retention setting: whole years, five or more.
pub fn check_retention_years(field: &str, raw: &str) -> Result<String> {
    match raw.trim().parse::<u32>() {
        Ok(y) if (MIN_RETENTION_YEARS..=100).contains(&y) => Ok(y.to_string()),
        _ => Err(CoreError::invalid(
            field,
            format!("Give the retention in whole years, from {MIN_RETENTION_YEARS} (QI Tech's minimum for opt-in evidence) to 100."),
        )),
    }
}

/// An installation's folder name: the first 32 hex digits of SHA-256 over its
/// evidence public key (base64, as dossiers print it).
pub fn installation_id(public_key: &str) -> String {
    hex::encode(Sha256::digest(public_key.trim().as_bytes()))[..32].to_string()
}

impl Archive {
    /// The archive a profile's settings describe; every missing setting is named.
    pub fn from_access(access: &ProviderAccess) -> Result<Archive> {
        let value = |k: &str| access.value(k).map(str::trim).filter(|v| !v.is_empty());
        let bucket = value("bucket").ok_or_else(|| CoreError::invalid("archive.bucket", "Name the bucket (created with Object Lock on)."))?;
        let endpoint = crate::validate::base_url("archive.base_url", &access.base_url)?;
        let years = value("retention_years").map(|y| check_retention_years("archive.retention_years", y)).transpose()?;
        let retention_years = years.and_then(|y| y.parse().ok()).unwrap_or(MIN_RETENTION_YEARS);
        let bucket = s3::Bucket::new(
            &endpoint,
            bucket,
            value("region").unwrap_or("us-east-1"),
            access.secret("access_key_id")?.expose_secret(),
            access.secret("secret_access_key")?.expose_secret(),
        )?;
        let prefix = value("prefix").unwrap_or("").trim_matches('/');
        let base = if prefix.is_empty() { "signet-evidence/".to_string() } else { format!("{prefix}/signet-evidence/") };
        Ok(Archive { bucket, base, retention_years })
    }

    /// The folder of the installation whose evidence key is `public_key`.
    pub fn root(&self, public_key: &str) -> String {
        format!("{}{}/", self.base, installation_id(public_key))
    }

    /// Until when an object written now is locked.
    pub fn retain_until(&self) -> String {
        let until =
            time::OffsetDateTime::now_utc().saturating_add(time::Duration::days(365 * self.retention_years as i64 + (self.retention_years as i64) / 4 + 1));
        rfc3339(until)
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Test connection: a small object written with a one-day COMPLIANCE lock must
/// come back with that lock and a version id (Object Lock needs versioning), and
/// the same name must refuse a second write.
pub async fn test_connection(access: &ProviderAccess) -> Result<String> {
    let archive = Archive::from_access(access)?;
    let name = format!("{}connection-tests/{}.txt", archive.base, uuid::Uuid::new_v4());
    let until = rfc3339(time::OffsetDateTime::now_utc() + time::Duration::days(1));
    let body = b"Signet checked that this bucket locks what it is given.\n";
    let sha = crate::evidence::ledger::sha256_hex(body);
    match archive.bucket.put_locked(&name, body, &sha, &until).await {
        Ok(s3::Written::New { .. }) => {}
        Ok(s3::Written::AlreadyThere) => return Err(CoreError::Archive("the test object's new name was already taken; try again".into())),
        // S3's words for a bucket made without Object Lock.
        Err(CoreError::Archive(why)) if why.contains("ObjectLockConfiguration") || why.contains("Object Lock") => {
            return Err(CoreError::Archive(format!(
                "this bucket has no Object Lock, so evidence could be deleted: create a bucket with Object Lock enabled ({why})"
            )))
        }
        Err(e) => return Err(e),
    }
    let head = archive.bucket.head(&name).await?.ok_or_else(|| CoreError::Archive("the test object was written but cannot be read back".into()))?;
    if head.lock_mode.as_deref() != Some("COMPLIANCE") {
        return Err(CoreError::Archive(format!(
            "the bucket did not lock the test object in COMPLIANCE mode (it reports {}): create the bucket with Object Lock enabled",
            head.lock_mode.as_deref().unwrap_or("no lock")
        )));
    }
    let kept_until = head.retain_until.as_deref().and_then(|d| time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok());
    let asked = time::OffsetDateTime::parse(&until, &time::format_description::well_known::Rfc3339).ok();
    if kept_until.is_none() || kept_until < asked {
        return Err(CoreError::Archive(format!(
            "the bucket keeps the test object until {}, not {until} as asked",
            head.retain_until.as_deref().unwrap_or("no date")
        )));
    }
    if head.version_id.is_none() {
        return Err(CoreError::Archive("the bucket gives no version ids: turn versioning on (Object Lock needs it)".into()));
    }
    if archive.bucket.put_locked(&name, b"replaced", &sha, &until).await? != s3::Written::AlreadyThere {
        return Err(CoreError::Archive("the bucket let the test object be replaced: it does not honour If-None-Match".into()));
    }
    Ok(format!(
        "The bucket locks objects in COMPLIANCE mode with versioning on, and refuses to replace them. Evidence will be kept {} years.",
        archive.retention_years
    ))
}
