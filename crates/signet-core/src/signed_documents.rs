//! Signed documents a provider hands back (Signzy's final contract, each signer's
//! copy, Leegality's signed PDF and audit trail): kept in the data folder under
//! names without personal data, with their SHA-256, checked against the hash the
//! provider stated where it states one. The desk opens them with the system's
//! viewer; their bytes never cross to the window.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::error::{CoreError, Result};
use crate::evidence::ledger::sha256_hex;

/// The folder inside the data folder.
pub const FOLDER: &str = "signed-documents";

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignedDocument {
    /// The file's name inside the signed-documents folder (what "open" takes).
    pub file_name: String,
    /// Its full path, to copy.
    pub path: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub sha256: String,
    /// The hash the provider stated for it, if it states one.
    pub stated_hash: Option<String>,
    /// Whether that hash is this file's SHA-256; `None` when there is nothing to compare.
    pub hash_matches: Option<bool>,
}

/// Keeps `bytes` as `<provider>-<reference>-<kind>.pdf` (the reference is the
/// provider's id of the contract, never a name) and says whether the stated hash holds.
pub fn keep(data_dir: &Path, provider: &str, reference: &str, kind: &str, bytes: &[u8], stated_hash: Option<&str>) -> Result<SignedDocument> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(CoreError::Conflict(format!("{provider} sent a {kind} document that is not a PDF; nothing was kept.")));
    }
    let safe = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect::<String>();
    let file_name = format!("{}-{}-{}.pdf", safe(provider), safe(reference), safe(kind));
    let dir = data_dir.join(FOLDER);
    let io = |context: String| move |source| CoreError::Io { context, source };
    std::fs::create_dir_all(&dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let path = dir.join(&file_name);
    // Written beside, then renamed: a file that is there is whole.
    let partial = dir.join(format!(".{file_name}.partial"));
    std::fs::write(&partial, bytes).map_err(io(format!("cannot write {}", partial.display())))?;
    std::fs::rename(&partial, &path).map_err(io(format!("cannot write {}", path.display())))?;
    let sha256 = sha256_hex(bytes);
    let stated_hash = stated_hash.map(str::trim).filter(|h| !h.is_empty()).map(str::to_string);
    let hash_matches = stated_hash.as_deref().filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).map(|h| h.eq_ignore_ascii_case(&sha256));
    Ok(SignedDocument { file_name, path: path.display().to_string(), bytes: bytes.len() as u64, sha256, stated_hash, hash_matches })
}

/// The path of a kept document by its file name; refuses anything that is not one.
pub fn path_of(data_dir: &Path, file_name: &str) -> Result<PathBuf> {
    let valid = !file_name.is_empty()
        && file_name.ends_with(".pdf")
        && !file_name.starts_with('.')
        && file_name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let path = data_dir.join(FOLDER).join(file_name);
    if !valid || !path.is_file() {
        return Err(CoreError::not_found(format!("The signed document {file_name}")));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_with_a_safe_name_and_the_stated_hash_checked() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = b"%PDF-1.4 signed";
        let good = keep(dir.path(), "signzy", "c-1/../x", "final", pdf, Some(&sha256_hex(pdf).to_uppercase())).unwrap();
        assert_eq!(good.file_name, "signzy-c-1____x-final.pdf");
        assert_eq!(good.hash_matches, Some(true));
        assert_eq!(std::fs::read(&good.path).unwrap(), pdf);
        let bad = keep(dir.path(), "signzy", "c-1", "final", pdf, Some(&"0".repeat(64))).unwrap();
        assert_eq!(bad.hash_matches, Some(false));
        assert_eq!(keep(dir.path(), "leegality", "D1", "signed", pdf, None).unwrap().hash_matches, None);
        assert!(keep(dir.path(), "leegality", "D1", "signed", b"<html>", None).is_err());
        assert!(path_of(dir.path(), "signzy-c-1-final.pdf").is_ok());
        assert!(path_of(dir.path(), "../signet.sqlite3").is_err());
    }
}
