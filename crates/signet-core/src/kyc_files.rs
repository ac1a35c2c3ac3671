//! The checks every identity document passes before it leaves the machine: its
//! real type by magic bytes (JPG, PNG or PDF, whatever its name says), its size,
//! an image that decodes and is large enough to read, a PDF that parses and has
//! pages. Each refusal names the file and the fix. The bytes stay in Rust.

use base64::Engine as _;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{CoreError, Result};
use crate::evidence::ledger::sha256_hex;
use crate::untrusted::{self, Failure, ImageFormat, Job, Reply};

/// How large and how small a document may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimits {
    pub max_bytes: u64,
    /// Below this an ID photo cannot be read by the person verifying it.
    pub min_width: u32,
    pub min_height: u32,
}

impl Default for FileLimits {
    fn default() -> Self {
        // DollarPe fetches the file; 10 MB is a phone photo with room to spare.
        FileLimits { max_bytes: 10 * 1024 * 1024, min_width: 600, min_height: 400 }
    }
}

impl FileLimits {
    /// The limits a DollarPe profile sets (its `max_document_mb`), or the defaults.
    pub fn for_profile(dollarpe: &crate::access::ProviderAccess) -> FileLimits {
        let mb = dollarpe.value("max_document_mb").and_then(|v| check_max_mb("max_document_mb", v).ok()).and_then(|v| v.parse::<u64>().ok());
        FileLimits { max_bytes: mb.map(|m| m * 1024 * 1024).unwrap_or(FileLimits::default().max_bytes), ..FileLimits::default() }
    }
}

pub fn check_max_mb(field: &str, raw: &str) -> Result<String> {
    match raw.trim().parse::<u64>() {
        Ok(mb) if (1..=50).contains(&mb) => Ok(mb.to_string()),
        _ => Err(CoreError::invalid_as(field, crate::error_words::DOCUMENT_MB, &[])),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DocumentKind {
    Jpeg,
    Png,
    Pdf,
}

impl DocumentKind {
    pub fn extension(self) -> &'static str {
        match self {
            DocumentKind::Jpeg => "jpg",
            DocumentKind::Png => "png",
            DocumentKind::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            DocumentKind::Jpeg => "image/jpeg",
            DocumentKind::Png => "image/png",
            DocumentKind::Pdf => "application/pdf",
        }
    }
}

/// A document that passed every check, as the operator's screen shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CheckedDocument {
    pub name: String,
    pub kind: DocumentKind,
    #[ts(type = "number")]
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub pages: Option<u32>,
    pub sha256: String,
    /// A small PNG of an image (data: URL), or the start of a PDF's first page text.
    pub preview: String,
    /// Something worth knowing that is not a refusal (e.g. a misleading extension).
    pub note: Option<String>,
}

/// Refuses a file by its size alone, before it is read.
pub fn check_size(field: &str, name: &str, size: u64, limits: &FileLimits) -> Result<()> {
    if size > limits.max_bytes {
        let (size, max) = (format!("{:.1}", size as f64 / 1_048_576.0), format!("{:.0}", limits.max_bytes as f64 / 1_048_576.0));
        return Err(CoreError::invalid_as(field, crate::error_words::FILE_TOO_BIG, &[("name", name.into()), ("size", size), ("max", max)]));
    }
    Ok(())
}

/// Checks one document; `field` names the form field (front, back) for errors.
pub fn check(field: &str, name: &str, bytes: &[u8], limits: &FileLimits) -> Result<CheckedDocument> {
    let named = |more: &[(&'static str, String)]| [&[("name", name.to_string())], more].concat();
    if bytes.is_empty() {
        return Err(CoreError::invalid_as(field, crate::error_words::FILE_EMPTY, &named(&[])));
    }
    check_size(field, name, bytes.len() as u64, limits)?;
    let kind = match infer::get(bytes).map(|t| t.mime_type()) {
        Some("image/jpeg") => DocumentKind::Jpeg,
        Some("image/png") => DocumentKind::Png,
        Some("application/pdf") => DocumentKind::Pdf,
        Some(other) => return Err(CoreError::invalid_as(field, crate::error_words::FILE_OTHER_KIND, &named(&[("kind", other.into())]))),
        None => return Err(CoreError::invalid_as(field, crate::error_words::FILE_UNKNOWN_KIND, &named(&[]))),
    };
    let note = misleading_extension(name, kind);
    let (width, height, pages, preview) = match kind {
        DocumentKind::Pdf => {
            let (pages, first_page) = pdf_facts(bytes).map_err(|f| untrusted::refusal(field, name, f))?;
            (None, None, Some(pages), first_page)
        }
        _ => {
            let (w, h, thumb) = image_facts(bytes, kind).map_err(|f| untrusted::refusal(field, name, f))?;
            if w < limits.min_width || h < limits.min_height {
                let size = [
                    ("width", w.to_string()),
                    ("height", h.to_string()),
                    ("min_width", limits.min_width.to_string()),
                    ("min_height", limits.min_height.to_string()),
                ];
                return Err(CoreError::invalid_as(field, crate::error_words::IMAGE_TOO_SMALL, &named(&size)));
            }
            (Some(w), Some(h), None, thumb)
        }
    };
    Ok(CheckedDocument { name: name.into(), kind, bytes: bytes.len() as u64, width, height, pages, sha256: sha256_hex(bytes), preview, note })
}

fn misleading_extension(name: &str, kind: DocumentKind) -> Option<String> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    let matches = match kind {
        DocumentKind::Jpeg => ext == "jpg" || ext == "jpeg",
        DocumentKind::Png => ext == "png",
        DocumentKind::Pdf => ext == "pdf",
    };
    (!matches).then(|| format!("Named .{ext}, but it is a {} file; it is sent as {}.", kind.extension().to_uppercase(), kind.extension().to_uppercase()))
}

/// A JPEG whose last scan never reaches its end marker was cut short; decoders
/// tolerate that (they paint the rest grey), the person verifying it would not.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    last_scan.is_some_and(|at| bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]))
}

/// Decodes the whole image (a damaged file fails here) and makes a thumbnail, in
/// the confined reader process.
fn image_facts(bytes: &[u8], kind: DocumentKind) -> std::result::Result<(u32, u32, String), Failure> {
    if kind == DocumentKind::Jpeg && !jpeg_is_whole(bytes) {
        return Err(Failure::Refused("the image is truncated: it ends before its last part. Copy or export it again.".into()));
    }
    let format = if kind == DocumentKind::Png { ImageFormat::Png } else { ImageFormat::Jpeg };
    match untrusted::read(&Job::ImageFacts(format), bytes)? {
        Reply::Image { width, height, thumbnail_png } => {
            Ok((width, height, format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(thumbnail_png))))
        }
        other => Err(Failure::Unsafe(format!("the reader answered {other:?}"))),
    }
}

/// The page count, and the start of the first page's text as its preview, from the
/// confined reader process.
fn pdf_facts(bytes: &[u8]) -> std::result::Result<(u32, String), Failure> {
    let (pages, encrypted, first_page_text) = match untrusted::read(&Job::PdfFacts, bytes)? {
        Reply::Pdf { pages, encrypted, first_page_text } => (pages, encrypted, first_page_text),
        other => return Err(Failure::Unsafe(format!("the reader answered {other:?}"))),
    };
    if encrypted {
        return Err(Failure::Refused("the PDF is password-protected; DollarPe cannot open it. Save an unprotected copy.".into()));
    }
    if pages == 0 {
        return Err(Failure::Refused("the PDF has no pages.".into()));
    }
    Ok((pages, first_page_text.unwrap_or_else(|| "(the first page holds no text: a scan)".into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::ProviderAccess;
    use crate::catalog::ProviderId;

    #[test]
    fn the_profile_sets_the_size_limit_within_bounds() {
        let mut access = ProviderAccess {
            provider: ProviderId::Dollarpe,
            base_url: String::new(),
            values: Default::default(),
            secrets: Default::default(),
            keyring_problem: None,
        };
        assert_eq!(FileLimits::for_profile(&access), FileLimits::default());
        access.values.insert("max_document_mb".into(), "2".into());
        assert_eq!(FileLimits::for_profile(&access).max_bytes, 2 * 1024 * 1024);
        access.values.insert("max_document_mb".into(), "500".into());
        assert_eq!(FileLimits::for_profile(&access), FileLimits::default(), "out of bounds falls back to the default");
        assert_eq!(check_max_mb("max_document_mb", "0").unwrap_err().body().field.as_deref(), Some("max_document_mb"));
    }
}
