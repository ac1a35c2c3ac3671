//! The few S3 calls the archive needs, signed by `rusty-s3` (SigV4, presigned) and
//! sent with reqwest: a locked write that never replaces, HEAD for the lock, GET,
//! and a listing. Object Lock headers are signed (S3 requires every x-amz-* header
//! to be); Content-MD5 is sent because S3 requires it on writes with a retention.

use std::time::Duration;

use base64::Engine;
use rusty_s3::{Bucket as S3Bucket, Credentials, S3Action, UrlStyle};

use crate::error::{CoreError, Result};

/// How long a signed request stays valid: it is sent at once.
const SIGNED_FOR: Duration = Duration::from_secs(300);
const LOCK_MODE: &str = "x-amz-object-lock-mode";
const RETAIN_UNTIL: &str = "x-amz-object-lock-retain-until-date";
const SHA256_META: &str = "x-amz-meta-sha256";

pub struct Bucket {
    bucket: S3Bucket,
    credentials: Credentials,
    http: reqwest::Client,
}

/// What HEAD says about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub lock_mode: Option<String>,
    pub retain_until: Option<String>,
    pub sha256: Option<String>,
    pub version_id: Option<String>,
}

/// What a locked write came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    New {
        version_id: Option<String>,
    },
    /// An object of that name was there already: nothing was replaced.
    AlreadyThere,
}

fn unreachable(what: &str, e: reqwest::Error) -> CoreError {
    CoreError::Archive(format!("the evidence archive could not be reached to {what} ({e})"))
}

/// S3's own code and message from an error body, for the operator.
fn refused(what: &str, status: reqwest::StatusCode, body: &str) -> CoreError {
    let field = |tag: &str| body.split(&format!("<{tag}>")).nth(1).and_then(|rest| rest.split(&format!("</{tag}>")).next()).unwrap_or("").to_string();
    let (code, message) = (field("Code"), field("Message"));
    let said = if code.is_empty() { format!("HTTP {status}") } else { format!("{code}: {message}") };
    CoreError::Archive(format!("the evidence archive refused to {what} ({said})"))
}

impl Bucket {
    pub fn new(endpoint: &str, name: &str, region: &str, access_key: &str, secret_key: &str) -> Result<Bucket> {
        let url = url::Url::parse(endpoint).map_err(|e| CoreError::invalid("archive.base_url", format!("The endpoint is not a URL ({e}).")))?;
        // Path style works with every S3-compatible store (AWS, MinIO, Ceph, moto).
        let bucket = S3Bucket::new(url, UrlStyle::Path, name.to_string(), region.to_string())
            .map_err(|e| CoreError::invalid("archive.bucket", format!("The bucket settings are not usable ({e}).")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| CoreError::Archive(format!("no HTTP client: {e}")))?;
        Ok(Bucket { bucket, credentials: Credentials::new(access_key, secret_key), http })
    }

    /// Writes `bytes` as `name` under COMPLIANCE retention until `retain_until`
    /// (RFC 3339), only if no object of that name exists (If-None-Match: *).
    pub async fn put_locked(&self, name: &str, bytes: &[u8], sha256: &str, retain_until: &str) -> Result<Written> {
        let mut action = self.bucket.put_object(Some(&self.credentials), name);
        action.headers_mut().insert(LOCK_MODE, "COMPLIANCE");
        action.headers_mut().insert(RETAIN_UNTIL, retain_until);
        action.headers_mut().insert(SHA256_META, sha256);
        let url = action.sign(SIGNED_FOR);
        let md5 = base64::engine::general_purpose::STANDARD.encode(<md5::Md5 as md5::Digest>::digest(bytes));
        let resp = self
            .http
            .put(url)
            .header(LOCK_MODE, "COMPLIANCE")
            .header(RETAIN_UNTIL, retain_until)
            .header(SHA256_META, sha256)
            .header("Content-MD5", md5)
            .header("If-None-Match", "*")
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| unreachable(&format!("write {name}"), e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::PRECONDITION_FAILED || status == reqwest::StatusCode::CONFLICT {
            return Ok(Written::AlreadyThere);
        }
        let version_id = resp.headers().get("x-amz-version-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            return Err(refused(&format!("write {name}"), status, &body));
        }
        Ok(Written::New { version_id })
    }

    /// The object's lock and checksum, or None if there is no such object.
    pub async fn head(&self, name: &str) -> Result<Option<Head>> {
        let url = self.bucket.head_object(Some(&self.credentials), name).sign(SIGNED_FOR);
        let resp = self.http.head(url).send().await.map_err(|e| unreachable(&format!("read {name}"), e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(refused(&format!("read {name}"), resp.status(), ""));
        }
        let header = |h: &str| resp.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(Some(Head { lock_mode: header(LOCK_MODE), retain_until: header(RETAIN_UNTIL), sha256: header(SHA256_META), version_id: header("x-amz-version-id") }))
    }

    /// The object's bytes, or None if there is no such object.
    pub async fn get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let url = self.bucket.get_object(Some(&self.credentials), name).sign(SIGNED_FOR);
        let resp = self.http.get(url).send().await.map_err(|e| unreachable(&format!("read {name}"), e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(refused(&format!("read {name}"), status, &body));
        }
        Ok(Some(resp.bytes().await.map_err(|e| unreachable(&format!("read {name}"), e))?.to_vec()))
    }

    /// Every object name under `prefix`, in the bucket's (lexical) order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = self.bucket.list_objects_v2(Some(&self.credentials));
            action.with_prefix(prefix);
            if let Some(t) = &token {
                action.with_continuation_token(t.clone());
            }
            let url = action.sign(SIGNED_FOR);
            let resp = self.http.get(url).send().await.map_err(|e| unreachable("list the archive", e))?;
            let status = resp.status();
            let body = resp.text().await.map_err(|e| unreachable("list the archive", e))?;
            if !status.is_success() {
                return Err(refused("list the archive", status, &body));
            }
            let page = rusty_s3::actions::ListObjectsV2::parse_response(&body)
                .map_err(|e| CoreError::Archive(format!("the archive's listing could not be read ({e})")))?;
            names.extend(page.contents.into_iter().map(|c| c.key));
            match page.next_continuation_token {
                Some(t) => token = Some(t),
                None => return Ok(names),
            }
        }
    }
}
