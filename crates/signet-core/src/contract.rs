//! The contract an opt-in signer reads: loaded from a PDF or a text file, its text
//! extracted in Rust, and the SHA-256 of the file and of the exact text computed.
//! The text shown on the signer's screen, hashed and sent as `raw_text` is one and
//! the same string.

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use crate::error::{CoreError, Result};
use crate::evidence::ledger::sha256_hex;

/// Contracts are a few MB at most; this keeps a wrong pick from filling memory.
pub const MAX_BYTES: usize = 50 * 1024 * 1024;
/// Fewer letters than this and the PDF is taken for a scan: nothing to sign.
const MIN_LETTERS: usize = 20;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Contract {
    /// The file's name, without its folder.
    pub source_name: String,
    /// Pages, for a PDF.
    pub pages: Option<u32>,
    pub text: String,
    pub pdf_sha256: Option<String>,
    pub text_sha256: String,
    #[serde(skip)]
    #[ts(skip)]
    pub pdf: Option<Vec<u8>>,
}

/// Reads and extracts a contract file chosen by the operator.
pub fn load(path: &Path) -> Result<Contract> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "contract".into());
    let size = std::fs::metadata(path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?.len();
    if size > MAX_BYTES as u64 {
        return Err(CoreError::invalid_as(
            "contract",
            crate::error_words::CONTRACT_TOO_BIG,
            &[("name", name.to_string()), ("size", (size / 1_048_576).to_string()), ("max", (MAX_BYTES / 1_048_576).to_string())],
        ));
    }
    let bytes = std::fs::read(path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?;
    from_bytes(&name, bytes)
}

pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Contract> {
    if bytes.len() > MAX_BYTES {
        return Err(CoreError::invalid_as(
            "contract",
            crate::error_words::CONTRACT_LARGER,
            &[("name", name.to_string()), ("max", (MAX_BYTES / 1_048_576).to_string())],
        ));
    }
    let (text, pages, pdf) = if bytes.starts_with(b"%PDF-") {
        let (text, pages) = pdf_text(name, &bytes)?;
        (text, Some(pages), Some(bytes))
    } else {
        let raw =
            String::from_utf8(bytes).map_err(|_| CoreError::invalid_as("contract", crate::error_words::CONTRACT_NOT_TEXT, &[("name", name.to_string())]))?;
        (tidy(raw.trim_start_matches('\u{feff}')), None, None)
    };
    if text.chars().filter(|c| c.is_alphabetic()).count() < MIN_LETTERS {
        let words = if pdf.is_some() { crate::error_words::CONTRACT_SCAN } else { crate::error_words::CONTRACT_NO_TEXT };
        return Err(CoreError::invalid_as("contract", words, &[("name", name.to_string())]));
    }
    Ok(Contract { source_name: name.into(), pages, text_sha256: sha256_hex(text.as_bytes()), pdf_sha256: pdf.as_deref().map(sha256_hex), text, pdf })
}

/// The text of every page, in order, pages separated by a blank line, extracted by
/// the confined reader process (a customer's PDF is never parsed in ours).
fn pdf_text(name: &str, bytes: &[u8]) -> Result<(String, u32)> {
    use crate::untrusted::{self, Failure, Job, Reply};
    let pages = match untrusted::read(&Job::ContractPages, bytes) {
        Ok(Reply::Pages(pages)) => pages,
        Ok(other) => return Err(untrusted::refusal("contract", name, Failure::Unsafe(format!("the reader answered {other:?}")))),
        Err(Failure::Refused(why)) => {
            return Err(CoreError::invalid_as("contract", crate::error_words::CONTRACT_BAD_PDF, &[("name", name.to_string()), ("reason", why.to_string())]))
        }
        Err(unsafe_file) => return Err(untrusted::refusal("contract", name, unsafe_file)),
    };
    let count = pages.len() as u32;
    let text = pages.iter().map(|p| tidy(p)).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n");
    Ok((text, count))
}

/// Line ends as \n, no trailing spaces, at most one blank line in a row, no blank
/// lines at either end: layout noise removed, every word and character kept.
fn tidy(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_files_are_tidied_and_hashed_as_shown() {
        let c = from_bytes("c.txt", "\u{feff}CONTRATO  \r\n\r\n\r\nCláusula única: ação e opção.\r\n".as_bytes().to_vec()).unwrap();
        assert_eq!(c.text, "CONTRATO\n\nCláusula única: ação e opção.");
        assert_eq!(c.text_sha256, sha256_hex(c.text.as_bytes()));
        assert_eq!((c.pdf_sha256, c.pages), (None, None));
    }

    #[test]
    fn empty_binary_and_tiny_files_are_refused_by_name() {
        for (name, bytes) in [("a.txt", b"   \n".to_vec()), ("b.docx", vec![0xff, 0xfe, 0x00, 0x81]), ("c.txt", b"Sim".to_vec())] {
            let e = from_bytes(name, bytes).unwrap_err();
            assert_eq!(e.body().field.as_deref(), Some("contract"));
            assert!(e.to_string().contains(name), "{e}");
        }
        let e = from_bytes("broken.pdf", b"%PDF-1.7\nnot really".to_vec()).unwrap_err();
        assert!(e.to_string().contains("cannot be read as a PDF"), "{e}");
    }
}
