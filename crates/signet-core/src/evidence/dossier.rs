//! A signature's dossier: one zip with the contract (PDF and text), the evidence,
//! the provider's answer and the chain proof, under a manifest signed with the
//! installation's key. `check` verifies one offline, with nothing but the file.

use std::io::{Cursor, Read, Write};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ledger::{self, ChainCheck, GENESIS};
use super::{key, AcceptanceEvidence};
use crate::error::{CoreError, Result};
use crate::store::{Store, StoredEvidence, StoredHead};

pub const FORMAT: &str = "signet-dossier-v1";
/// The readable certificate's name inside a dossier.
pub const CERTIFICATE: &str = "certificate.pdf";
/// No dossier is anywhere near this; a larger one is refused rather than unpacked.
const MAX_UNPACKED: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    format: String,
    session_id: String,
    created_at: String,
    /// The installation's Ed25519 public key (base64): it signed manifest.sig and the head.
    public_key: String,
    /// Every other file in the zip, with its SHA-256 (hex).
    files: std::collections::BTreeMap<String, String>,
}

/// The ledger's extract that proves the session's records are in the chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChainProof {
    /// The session's records in full: their content digests recompute.
    records: Vec<StoredEvidence>,
    /// Every link from the session's first record to the head. Other sessions'
    /// records appear only as digests: no other customer's data leaves.
    links: Vec<ledger::Link>,
    head: StoredHead,
}

fn ledger_of(store: &Store, session_id: &str) -> Result<(Vec<StoredEvidence>, AcceptanceEvidence)> {
    let records: Vec<_> = store.evidence_about(session_id)?.into_iter().filter(|r| r.session_id == session_id).collect();
    let acceptance = records
        .iter()
        .find(|r| r.kind == ledger::Kind::Acceptance.as_str())
        .ok_or_else(|| CoreError::not_found(format!("Evidence of session {session_id}")))?;
    let evidence: AcceptanceEvidence =
        serde_json::from_str(&acceptance.body).map_err(|e| CoreError::Conflict(format!("the evidence of session {session_id} cannot be read back: {e}")))?;
    Ok((records, evidence))
}

/// Builds the dossier of one signature session (zip bytes).
pub fn export(store: &Store, signing_key: &SigningKey, session_id: &str) -> Result<Vec<u8>> {
    let (records, evidence) = ledger_of(store, session_id)?;
    let first = records.first().expect("ledger_of found at least the acceptance");
    let head = store.evidence_head()?.ok_or_else(|| CoreError::Conflict("the evidence ledger has no signed head".into()))?;
    let mut links = Vec::new();
    store.each_evidence(|r| {
        if r.seq >= first.seq {
            links.push(ledger::Link::of(&r));
        }
        Ok(())
    })?;
    let proof = ChainProof { records: records.clone(), links, head };

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(sha) = &evidence.contract.pdf_sha256 {
        let (_, bytes) = store.evidence_file(sha)?.ok_or_else(|| CoreError::not_found(format!("the contract PDF {sha}")))?;
        files.push(("contract.pdf".into(), bytes));
    }
    let (_, text) = store
        .evidence_file(&evidence.contract.text_sha256)?
        .ok_or_else(|| CoreError::not_found(format!("the contract text {}", evidence.contract.text_sha256)))?;
    files.push(("contract.txt".into(), text));
    for r in &records {
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or(serde_json::Value::String(r.body.clone()));
        let name = if r.kind == ledger::Kind::Acceptance.as_str() { "evidence.json".to_string() } else { format!("provider-response-{}.json", r.seq) };
        files.push((name, serde_json::to_vec_pretty(&body).expect("JSON values serialize")));
    }
    files.push(("chain.json".into(), serde_json::to_vec_pretty(&proof).expect("the proof serializes")));

    // The certificate people read, listed in the manifest like every other file.
    let acceptance_seq = records.iter().find(|r| r.kind == ledger::Kind::Acceptance.as_str()).map(|r| r.seq).unwrap_or(first.seq);
    let answer: Option<serde_json::Value> =
        records.iter().rev().find(|r| r.kind == ledger::Kind::ProviderResponse.as_str()).and_then(|r| serde_json::from_str(&r.body).ok());
    let public_key = key::public_key(&signing_key.verifying_key());
    let certificate = super::certificate::render(&super::certificate::Facts {
        evidence: &evidence,
        answer: answer.as_ref(),
        ledger_position: acceptance_seq,
        public_key: &public_key,
        issued_at: time::OffsetDateTime::now_utc(),
    })?;
    files.push((CERTIFICATE.into(), certificate));

    let manifest = Manifest {
        format: FORMAT.into(),
        session_id: session_id.into(),
        created_at: crate::outbox::now(),
        public_key: key::public_key(&signing_key.verifying_key()),
        files: files.iter().map(|(n, b)| (n.clone(), ledger::sha256_hex(b))).collect(),
    };
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("the manifest serializes");
    let signature = key::sign(signing_key, &manifest_bytes);

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let io = |e: std::io::Error| CoreError::Io { context: "cannot write the dossier".into(), source: e };
    let zerr = |e: zip::result::ZipError| CoreError::Io { context: "cannot write the dossier".into(), source: std::io::Error::other(e) };
    for (name, bytes) in files.iter().chain([("manifest.json".to_string(), manifest_bytes), ("manifest.sig".to_string(), signature.into_bytes())].iter()) {
        zip.start_file(name.as_str(), options).map_err(zerr)?;
        zip.write_all(bytes).map_err(io)?;
    }
    Ok(zip.finish().map_err(zerr)?.into_inner())
}

/// What checking a dossier found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DossierReport {
    pub session_id: Option<String>,
    pub debt_key: Option<String>,
    pub signer_name: Option<String>,
    pub accepted_at: Option<String>,
    /// The key that signed it (base64): compare it with the installation's.
    pub public_key: Option<String>,
    /// Signed by the key the check was given (the installation's). Without one,
    /// the dossier can only be shown intact, not shown to come from Signet here.
    pub origin_verified: bool,
    pub files: Vec<String>,
    /// The dossier holds the evidence certificate, and it is the one the manifest signed.
    pub certificate_verified: bool,
    pub problems: Vec<String>,
}

impl DossierReport {
    pub fn valid(&self) -> bool {
        self.problems.is_empty()
    }
}

fn read_zip(bytes: &[u8]) -> Result<std::collections::BTreeMap<String, Vec<u8>>> {
    let bad = |why: String| CoreError::invalid("dossier", format!("This is not a readable Signet dossier: {why}."));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let mut out = std::collections::BTreeMap::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| bad(e.to_string()))?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().to_string();
        let mut buf = Vec::new();
        // Read at most what is left of the budget, whatever the header claims.
        (&mut file).take(MAX_UNPACKED - total + 1).read_to_end(&mut buf).map_err(|e| bad(e.to_string()))?;
        total += buf.len() as u64;
        if total > MAX_UNPACKED {
            return Err(bad("it unpacks to more than 256 MB".into()));
        }
        if out.insert(name.clone(), buf).is_some() {
            return Err(bad(format!("it holds {name} twice")));
        }
    }
    Ok(out)
}

/// Verifies a dossier with nothing but its bytes (and, if known, the key it
/// should be signed with). Every problem found is listed; none means it holds.
pub fn check(bytes: &[u8], expected_public_key: Option<&str>) -> Result<DossierReport> {
    let files = read_zip(bytes)?;
    let mut report = DossierReport {
        session_id: None,
        debt_key: None,
        signer_name: None,
        accepted_at: None,
        public_key: None,
        origin_verified: false,
        files: files.keys().cloned().collect(),
        certificate_verified: false,
        problems: vec![],
    };
    let (Some(manifest_bytes), Some(signature)) = (files.get("manifest.json"), files.get("manifest.sig")) else {
        report.problems.push("manifest.json or manifest.sig is missing".into());
        return Ok(report);
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            report.problems.push(format!("manifest.json cannot be read: {e}"));
            return Ok(report);
        }
    };
    report.session_id = Some(manifest.session_id.clone());
    report.public_key = Some(manifest.public_key.clone());
    if manifest.format != FORMAT {
        report.problems.push(format!("unknown format {}", manifest.format));
    }
    let signed = key::verify(&manifest.public_key, manifest_bytes, &String::from_utf8_lossy(signature));
    if !signed {
        report.problems.push("the manifest's signature is not valid: the dossier was altered after export".into());
    }
    if let Some(expected) = expected_public_key {
        if expected != manifest.public_key {
            report.problems.push("it is signed with a key that is not this installation's".into());
        }
    }
    report.origin_verified = signed && expected_public_key == Some(manifest.public_key.as_str());
    for (name, sha) in &manifest.files {
        match files.get(name) {
            None => report.problems.push(format!("{name} is missing")),
            Some(b) if &ledger::sha256_hex(b) != sha => report.problems.push(format!("{name} was altered")),
            Some(_) => {}
        }
    }
    for name in files.keys().filter(|n| !manifest.files.contains_key(*n) && !n.starts_with("manifest.")) {
        report.problems.push(format!("{name} is not listed in the manifest"));
    }
    report.certificate_verified = signed
        && matches!((manifest.files.get(CERTIFICATE), files.get(CERTIFICATE)), (Some(sha), Some(b)) if &ledger::sha256_hex(b) == sha && b.starts_with(b"%PDF-"));

    // The evidence matches the contract files it names.
    let evidence: Option<AcceptanceEvidence> = files.get("evidence.json").and_then(|b| serde_json::from_slice(b).ok());
    match &evidence {
        None => report.problems.push("evidence.json is missing or unreadable".into()),
        Some(e) => {
            report.debt_key = Some(e.debt_key.clone());
            report.signer_name = Some(e.signer.name.clone());
            report.accepted_at = Some(e.accepted_at.clone());
            if e.session_id != manifest.session_id {
                report.problems.push("evidence.json is about another session".into());
            }
            let text_sha = files.get("contract.txt").map(|b| ledger::sha256_hex(b));
            if text_sha.as_deref() != Some(e.contract.text_sha256.as_str()) {
                report.problems.push("contract.txt is not the text the signer accepted".into());
            }
            let pdf_sha = files.get("contract.pdf").map(|b| ledger::sha256_hex(b));
            if pdf_sha != e.contract.pdf_sha256 {
                report.problems.push("contract.pdf is not the file the signer was shown".into());
            }
        }
    }

    // The chain proof: every link recomputes and follows the one before, the last is
    // the signed head, and the session's records are the links at their positions.
    let proof: Option<ChainProof> = files.get("chain.json").and_then(|b| serde_json::from_slice(b).ok());
    let Some(proof) = proof else {
        report.problems.push("chain.json is missing or unreadable".into());
        return Ok(report);
    };
    let Some(first) = proof.links.first() else {
        report.problems.push("the chain proof holds no links".into());
        return Ok(report);
    };
    let mut chain = ChainCheck::from(first.seq, if first.seq == 1 { GENESIS } else { &first.prev_hash });
    for link in &proof.links {
        chain.link(link);
    }
    chain.head(Some(&proof.head), Some(&manifest.public_key));
    report.problems.extend(chain.problems.into_iter().map(|p| format!("chain proof, position {}: {}", p.position.unwrap_or(0), p.problem)));
    for r in &proof.records {
        if proof.links.iter().find(|l| l.seq == r.seq) != Some(&ledger::Link::of(r)) {
            report.problems.push(format!("record {} of this session is not the one in the chain", r.seq));
        }
        // Each answer file says what its record in the chain says.
        if r.kind == ledger::Kind::ProviderResponse.as_str() {
            let name = format!("provider-response-{}.json", r.seq);
            let given: Option<serde_json::Value> = files.get(&name).and_then(|b| serde_json::from_slice(b).ok());
            if given != serde_json::from_str(&r.body).ok() {
                report.problems.push(format!("{name} differs from record {} in the chain", r.seq));
            }
        }
    }
    let acceptance = proof.records.iter().find(|r| r.session_id == manifest.session_id && r.kind == ledger::Kind::Acceptance.as_str());
    match (acceptance, files.get("evidence.json")) {
        (Some(r), Some(b)) => {
            let in_chain: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
            let given: serde_json::Value = serde_json::from_slice(b).unwrap_or_default();
            if in_chain != given {
                report.problems.push("evidence.json differs from the record in the chain".into());
            }
        }
        _ => report.problems.push("the chain proof holds no acceptance record for this session".into()),
    }
    Ok(report)
}
