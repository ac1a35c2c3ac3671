//! Contract text extraction on real PDFs with embedded subset TrueType fonts and
//! ToUnicode maps (made by scripts/make-contract-fixtures.py with two different
//! generators): multi-page, Portuguese accents, and a scan with no text.

use std::path::PathBuf;

use signet_core::contract;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts").join(name)
}

/// Words in order, whatever the layout put between them.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn subset_truetype_pdfs_give_back_every_word_and_accent_in_order() {
    let expected = std::fs::read_to_string(fixture("contrato.expected.txt")).unwrap();
    for file in ["contrato-reportlab.pdf", "contrato-fpdf2.pdf", "contrato-palavra-a-palavra.pdf"] {
        let c = contract::load(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(c.pages, Some(3), "{file}");
        assert_eq!(words(&c.text), words(&expected), "{file} extracted as:\n{}", c.text);
        // Each line of the contract stays a line of its own.
        for line in expected.lines() {
            assert!(c.text.lines().any(|l| words(l) == words(line)), "{file}: line not kept whole: {line}\n{}", c.text);
        }
        let bytes = std::fs::read(fixture(file)).unwrap();
        assert_eq!(c.pdf_sha256.as_deref(), Some(signet_core::evidence::ledger::sha256_hex(&bytes).as_str()));
        assert_eq!(c.text_sha256, signet_core::evidence::ledger::sha256_hex(c.text.as_bytes()));
        assert_eq!(c.source_name, file);
    }
}

#[test]
fn a_scan_with_no_text_is_refused_not_sent_empty() {
    let e = contract::load(&fixture("digitalizado.pdf")).unwrap_err();
    assert_eq!(e.body().field.as_deref(), Some("contract"));
    assert!(e.to_string().contains("no text that can be extracted"), "{e}");
}
