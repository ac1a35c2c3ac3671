//! The evidence ledger: append a record, verify the whole chain, find the records
//! about a session, debt or CPF.
//!
//! A record's hash is SHA-256 over a versioned preimage of its position, kind,
//! time, keys, the previous record's hash and its JSON body exactly as stored. Any
//! change to a record, its position or its neighbours breaks the chain where it
//! happened; the signed head catches records removed from the end.

use ed25519_dalek::SigningKey;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::key;
use crate::error::{CoreError, Result};
use crate::store::{Store, StoredEvidence, StoredHead};

/// Set when the first record is written: from then on a missing head (an emptied
/// ledger) is reported, not taken for a new one.
const FIRST_SIGNED_SETTING: &str = "evidence_first_signed_at";

/// The "previous hash" of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// What the signer saw and accepted, and where from: written before sending.
    Acceptance,
    /// What the provider answered (or that the outcome is unknown): written after.
    ProviderResponse,
    /// The names and SHA-256 of what the evidence archive was given.
    ArchiveReceipt,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Acceptance => "acceptance",
            Kind::ProviderResponse => "provider_response",
            Kind::ArchiveReceipt => "archive_receipt",
        }
    }
}

/// A record to append. The keys are single-line values checked by the caller.
pub struct NewRecord<'a> {
    pub kind: Kind,
    pub session_id: &'a str,
    pub debt_key: &'a str,
    /// Digits only.
    pub cpf: &'a str,
    pub body: &'a serde_json::Value,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 over a record's personal content: its keys and body. A chain proof can
/// then show other sessions' records by this digest alone, without their data.
pub fn content_digest(session_id: &str, debt_key: &str, cpf: &str, body: &str) -> String {
    let mut h = Sha256::new();
    for part in ["signet-evidence-content-v1", session_id, debt_key, cpf] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

/// A record as the chain sees it: position, kind, time, link and content digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub seq: u64,
    pub kind: String,
    pub recorded_at: String,
    pub prev_hash: String,
    pub content_digest: String,
    pub hash: String,
}

impl Link {
    pub fn of(r: &StoredEvidence) -> Link {
        Link {
            seq: r.seq,
            kind: r.kind.clone(),
            recorded_at: r.recorded_at.clone(),
            prev_hash: r.prev_hash.clone(),
            content_digest: content_digest(&r.session_id, &r.debt_key, &r.cpf, &r.body),
            hash: r.hash.clone(),
        }
    }

    /// The hash this link must carry.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in ["signet-evidence-v1", &self.seq.to_string(), &self.kind, &self.recorded_at, &self.prev_hash] {
            h.update(part.as_bytes());
            h.update(b"\n");
        }
        h.update(self.content_digest.as_bytes());
        hex::encode(h.finalize())
    }
}

/// The hash a record must carry, from its own fields.
pub fn record_hash(r: &StoredEvidence) -> String {
    Link::of(r).expected_hash()
}

/// What the head's signature covers.
pub fn head_message(seq: u64, hash: &str) -> Vec<u8> {
    format!("signet-evidence-head-v1\n{seq}\n{hash}").into_bytes()
}

/// Appends a record after the last one and signs the new head, in one transaction.
pub fn append(store: &Store, signing_key: &SigningKey, new: NewRecord<'_>) -> Result<StoredEvidence> {
    for (field, value) in [("session_id", new.session_id), ("debt_key", new.debt_key), ("cpf", new.cpf)] {
        if value.is_empty() || value.contains(['\n', '\r']) {
            return Err(CoreError::invalid(field, format!("The evidence's {field} must be a single line and not empty.")));
        }
    }
    let public_key = key::public_key(&signing_key.verifying_key());
    store.atomically(|store| {
        let last = store.last_evidence()?;
        // Never sign a new head over a chain this key did not sign: that would
        // launder whatever was done to the records since.
        let head = store.evidence_head()?;
        let head_holds = match (&head, &last) {
            (None, None) => store.app_setting(FIRST_SIGNED_SETTING)?.is_none(),
            (Some(h), Some((seq, hash))) => {
                h.public_key == public_key && h.seq == *seq && &h.hash == hash && key::verify(&h.public_key, &head_message(h.seq, &h.hash), &h.signature)
            }
            _ => false,
        };
        if !head_holds {
            return Err(CoreError::Conflict(
                "The evidence ledger does not match its signed head, so no new evidence is added to it. Run `signet evidence verify` and keep the database as it is for investigation.".into(),
            ));
        }
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS.to_string()),
        };
        if seq == 1 {
            store.set_app_setting(FIRST_SIGNED_SETTING, &crate::outbox::now())?;
        }
        let mut record = StoredEvidence {
            seq,
            kind: new.kind.as_str().into(),
            session_id: new.session_id.into(),
            debt_key: new.debt_key.into(),
            cpf: new.cpf.into(),
            body: new.body.to_string(),
            recorded_at: crate::outbox::now(),
            prev_hash,
            hash: String::new(),
        };
        record.hash = record_hash(&record);
        store.insert_evidence(&record)?;
        store.set_evidence_head(&StoredHead {
            seq,
            hash: record.hash.clone(),
            public_key,
            signature: key::sign(signing_key, &head_message(seq, &record.hash)),
        })?;
        Ok(record)
    })
}

/// Marks a ledger as having been written to (a ledger rebuilt from the archive),
/// so that emptying it later is reported.
pub fn mark_started(store: &Store) -> Result<()> {
    store.set_app_setting(FIRST_SIGNED_SETTING, &crate::outbox::now())
}

/// Keeps a file a record refers to; returns its SHA-256.
pub fn keep_file(store: &Store, name: &str, bytes: &[u8]) -> Result<String> {
    let sha = sha256_hex(bytes);
    store.put_evidence_file(&sha, name, bytes, &crate::outbox::now())?;
    Ok(sha)
}

/// One thing wrong, and where: `position` is the record's place in the ledger
/// (none for a kept file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LedgerProblem {
    #[ts(type = "number | null")]
    pub position: Option<u64>,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LedgerReport {
    #[ts(type = "number")]
    pub records: u64,
    #[ts(type = "number")]
    pub files: u64,
    /// The head's hash: what a later verification must still reach.
    pub head: Option<String>,
    pub problems: Vec<LedgerProblem>,
}

impl LedgerReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walks records in order, checking each one's hash and link, and reports every
/// break with its position. Reused for a dossier's extract of the chain.
pub struct ChainCheck {
    expected_seq: u64,
    prev_hash: String,
    pub last: Option<(u64, String)>,
    pub problems: Vec<LedgerProblem>,
}

impl ChainCheck {
    /// From the start of the ledger.
    pub fn new() -> Self {
        ChainCheck::from(1, GENESIS)
    }

    /// From position `seq`, whose previous record's hash is `prev_hash`.
    pub fn from(seq: u64, prev_hash: &str) -> Self {
        ChainCheck { expected_seq: seq, prev_hash: prev_hash.into(), last: None, problems: vec![] }
    }

    fn problem(&mut self, position: u64, problem: String) {
        self.problems.push(LedgerProblem { position: Some(position), problem });
    }

    pub fn record(&mut self, r: &StoredEvidence) {
        self.link(&Link::of(r));
    }

    pub fn link(&mut self, r: &Link) {
        if r.seq != self.expected_seq {
            if r.seq > self.expected_seq {
                let missing = if r.seq - 1 == self.expected_seq {
                    format!("record {} is missing", self.expected_seq)
                } else {
                    format!("records {} to {} are missing", self.expected_seq, r.seq - 1)
                };
                self.problem(self.expected_seq, format!("{missing} (removed)"));
            } else {
                self.problem(r.seq, format!("record {} appears out of order", r.seq));
            }
        } else if r.prev_hash != self.prev_hash {
            self.problem(r.seq, format!("record {} does not follow the record before it (one was removed, inserted or moved)", r.seq));
        }
        if r.expected_hash() != r.hash {
            self.problem(r.seq, format!("record {} was altered or moved: its content does not match its hash", r.seq));
        }
        self.expected_seq = r.seq + 1;
        self.prev_hash = r.hash.clone();
        self.last = Some((r.seq, r.hash.clone()));
    }

    /// Checks the signed head against where the chain ended.
    pub fn head(&mut self, head: Option<&StoredHead>, expected_public_key: Option<&str>) {
        let last = self.last.clone();
        let Some(h) = head else {
            if let Some((seq, _)) = last {
                self.problem(seq, "the ledger has records but no signed head (it was removed)".into());
            }
            return;
        };
        if !key::verify(&h.public_key, &head_message(h.seq, &h.hash), &h.signature) {
            self.problem(h.seq, "the signed head's signature is not valid (the head was altered)".into());
        }
        if let Some(expected) = expected_public_key {
            if expected != h.public_key {
                self.problem(h.seq, "the head is signed with a key that is not this installation's".into());
            }
        }
        let (last_seq, last_hash) = last.unwrap_or((0, GENESIS.into()));
        if h.seq > last_seq {
            self.problem(last_seq + 1, format!("records {} to {} were removed from the end", last_seq + 1, h.seq));
        } else if h.seq < last_seq {
            self.problem(h.seq + 1, format!("records {} to {last_seq} were added without being signed", h.seq + 1));
        } else if h.hash != last_hash {
            self.problem(h.seq, format!("record {} is not the one the head signed", h.seq));
        }
    }
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck::new()
    }
}

/// The contract files an acceptance names; parsed without building the whole body.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct NamedFiles {
    contract: NamedContract,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct NamedContract {
    text_sha256: Option<String>,
    pdf_sha256: Option<String>,
}

/// Verifies every record, the signed head and every kept file. `expected_public_key`
/// is this installation's recorded key, when known.
pub fn verify(store: &Store, expected_public_key: Option<&str>) -> Result<LedgerReport> {
    // Kept files first: their hashes checked once, then looked up in memory for
    // each record that names them (one query per record dominated large ledgers).
    let mut file_problems = Vec::new();
    let mut kept = std::collections::HashSet::new();
    store.each_evidence_file(|sha, bytes| {
        if sha256_hex(&bytes) != sha {
            file_problems.push(LedgerProblem { position: None, problem: format!("the kept file {sha} was altered") });
        }
        kept.insert(sha);
        Ok(())
    })?;
    let mut check = ChainCheck::new();
    let mut records = 0;
    let mut missing_files = Vec::new();
    store.each_evidence(|r| {
        check.record(&r);
        records += 1;
        // Every file an acceptance names must still be kept.
        if r.kind == Kind::Acceptance.as_str() {
            let named: NamedFiles = serde_json::from_str(&r.body).unwrap_or_default();
            for sha in [named.contract.text_sha256, named.contract.pdf_sha256].into_iter().flatten() {
                if !kept.contains(&sha) {
                    missing_files
                        .push(LedgerProblem { position: Some(r.seq), problem: format!("the contract file {sha} that record {} names was removed", r.seq) });
                }
            }
        }
        Ok(())
    })?;
    check.problems.extend(missing_files);
    let head = store.evidence_head()?;
    if head.is_none() && records == 0 && store.app_setting(FIRST_SIGNED_SETTING)?.is_some() {
        check.problems.push(LedgerProblem {
            position: Some(1),
            problem: "the ledger is empty, though evidence was written to it: every record and the head were removed".into(),
        });
    }
    check.head(head.as_ref(), expected_public_key);
    check.problems.extend(file_problems);
    Ok(LedgerReport { records, files: kept.len() as u64, head: head.map(|h| h.hash), problems: check.problems })
}

/// The records about a session id, a debt key or a CPF (any punctuation), in order.
pub fn find(store: &Store, key: &str) -> Result<Vec<StoredEvidence>> {
    let key = key.trim();
    if key.is_empty() {
        return Err(CoreError::invalid("query", "Give a session id, a debt key or a CPF."));
    }
    let found = store.evidence_about(key)?;
    if !found.is_empty() {
        return Ok(found);
    }
    // A CPF typed with dots and dash is stored as digits.
    let digits: String = key.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 && digits != key {
        return store.evidence_about(&digits);
    }
    Ok(found)
}
