//! Archiving, by the outbox's rules: what the archive must hold is planned in the
//! desk's database first (with its bytes, in one transaction), then written, then
//! its checksums are recorded in the ledger. Nothing is lost when the desk is
//! killed or offline, and nothing is written twice: a planned object found in the
//! bucket with the same SHA-256 counts as written.
//!
//! One pass: new ledger records, kept files not yet archived, a dossier of every
//! session that gained records, and a checkpoint (the ledger's head, signed, linked
//! to the previous checkpoint); then everything pending is written in order; then
//! one `archive_receipt` record lists what was written. A pass that wrote only
//! receipts and their checkpoint records no receipt of its own, so passes end.

use std::sync::Mutex;

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::s3::Written;
use super::Archive;
use crate::error::{CoreError, Result};
use crate::evidence::ledger::{self, sha256_hex, Kind, NewRecord};
use crate::evidence::{dossier, key};
use crate::store::{PlannedObject, Store};

/// The session id receipts are recorded under (not a signature session).
pub const RECEIPT_SESSION: &str = "evidence-archive";

/// A checkpoint as archived: the ledger's head, signed twice: as the ledger signs
/// its head (so a ledger rebuilt from the archive has a valid head), and together
/// with the previous checkpoint (so the checkpoints chain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub format: String,
    pub public_key: String,
    pub seq: u64,
    pub hash: String,
    pub head_signature: String,
    pub previous: Option<Previous>,
    pub signed_at: String,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Previous {
    pub seq: u64,
    pub hash: String,
}

pub const CHECKPOINT_FORMAT: &str = "signet-archive-checkpoint-v1";

impl Checkpoint {
    /// What `signature` covers.
    pub fn message(&self) -> Vec<u8> {
        let (pseq, phash) = self.previous.as_ref().map(|p| (p.seq.to_string(), p.hash.clone())).unwrap_or_default();
        format!("{CHECKPOINT_FORMAT}\n{}\n{}\n{pseq}\n{phash}\n{}", self.seq, self.hash, self.signed_at).into_bytes()
    }

    pub fn signatures_hold(&self, public_key: &str) -> bool {
        self.public_key == public_key
            && key::verify(public_key, &ledger::head_message(self.seq, &self.hash), &self.head_signature)
            && key::verify(public_key, &self.message(), &self.signature)
    }
}

/// What a pass did, and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ArchivePass {
    #[ts(type = "number")]
    pub written: u64,
    /// Planned and not written yet (the bucket could not be reached).
    #[ts(type = "number")]
    pub pending: u64,
    /// Objects the bucket holds with other content under our name: reported, never replaced.
    #[ts(type = "number")]
    pub conflicts: u64,
    pub problem: Option<String>,
}

fn lock(db: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>> {
    db.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned".into()))
}

/// An object to write with `bytes` (its SHA-256 taken here), locked until `until`.
fn planned_object(name: String, kind: &'static str, seq: Option<u64>, bytes: Vec<u8>, until: &str) -> PlannedObject {
    PlannedObject { name, kind, seq, record_kind: None, sha256: sha256_hex(&bytes), bytes, retain_until: until.to_string() }
}

/// Plans what the archive lacks, in one transaction.
pub fn plan(store: &Store, signing_key: &SigningKey, archive: &Archive) -> Result<u64> {
    let public_key = key::public_key(&signing_key.verifying_key());
    let root = archive.root(&public_key);
    let until = archive.retain_until();
    store.atomically(|s| {
        let mut planned = 0;
        let mut add = |o: PlannedObject| -> Result<()> {
            s.archive_plan(&o)?;
            planned += 1;
            Ok(())
        };
        let through = s.archive_planned_through()?;
        let mut new_records = Vec::new();
        s.each_evidence(|r| {
            if r.seq > through {
                new_records.push(r);
            }
            Ok(())
        })?;
        for r in &new_records {
            let bytes = serde_json::to_vec_pretty(r).map_err(|e| CoreError::Conflict(format!("a record could not be written out: {e}")))?;
            add(PlannedObject {
                record_kind: Some(r.kind.clone()),
                ..planned_object(format!("{root}records/{:012}.json", r.seq), "record", Some(r.seq), bytes, &until)
            })?;
        }
        for sha in s.evidence_file_shas()? {
            let name = format!("{root}files/{sha}");
            if !s.archive_has(&name)? {
                let (_, bytes) = s.evidence_file(&sha)?.ok_or_else(|| CoreError::not_found(format!("kept file {sha}")))?;
                add(PlannedObject { name, kind: "file", seq: None, record_kind: None, sha256: sha, bytes, retain_until: until.clone() })?;
            }
        }
        let Some(last) = new_records.last() else { return Ok(planned) };
        let mut sessions: Vec<&str> = new_records.iter().filter(|r| r.session_id != RECEIPT_SESSION).map(|r| r.session_id.as_str()).collect();
        sessions.dedup();
        sessions.sort();
        sessions.dedup();
        for session in sessions {
            let bytes = dossier::export(s, signing_key, session)?;
            add(planned_object(format!("{root}dossiers/{session}/{:012}.zip", last.seq), "dossier", Some(last.seq), bytes, &until))?;
        }
        let previous = match s.archive_last_checkpoint()? {
            Some(seq) => {
                let hash = s
                    .evidence_at(seq)?
                    .map(|r| r.hash)
                    .ok_or_else(|| CoreError::Conflict(format!("record {seq}, the last checkpoint, is missing from the ledger")))?;
                Some(Previous { seq, hash })
            }
            None => None,
        };
        let mut checkpoint = Checkpoint {
            format: CHECKPOINT_FORMAT.into(),
            public_key: public_key.clone(),
            seq: last.seq,
            hash: last.hash.clone(),
            head_signature: key::sign(signing_key, &ledger::head_message(last.seq, &last.hash)),
            previous,
            signed_at: crate::outbox::now(),
            signature: String::new(),
        };
        checkpoint.signature = key::sign(signing_key, &checkpoint.message());
        let bytes = serde_json::to_vec_pretty(&checkpoint).expect("a checkpoint serializes");
        add(planned_object(format!("{root}checkpoints/{:012}.json", last.seq), "checkpoint", Some(last.seq), bytes, &until))?;
        Ok(planned)
    })
}

/// Writes what is pending, oldest first. Stops at the first failure to reach the
/// bucket (the rest waits for the next pass).
async fn write_pending(db: &Mutex<Store>, archive: &Archive) -> Result<(u64, Option<String>)> {
    let mut written = 0;
    loop {
        let batch = lock(db)?.archive_pending(16)?;
        if batch.is_empty() {
            return Ok((written, None));
        }
        for o in batch {
            let bytes = o.bytes.as_deref().unwrap_or_default();
            let outcome = match archive.bucket.put_locked(&o.name, bytes, &o.sha256, &o.retain_until).await {
                Ok(Written::New { version_id }) => Ok(Some(version_id)),
                // Written before the desk could note it (killed, or the answer lost):
                // the same content is there, so it counts; other content is a conflict.
                Ok(Written::AlreadyThere) => match archive.bucket.head(&o.name).await {
                    Ok(Some(head)) if head.sha256.as_deref() == Some(o.sha256.as_str()) => Ok(Some(head.version_id)),
                    Ok(_) => Ok(None),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let store = lock(db)?;
            match outcome {
                Ok(Some(version)) => {
                    store.archive_written(o.id, version.as_deref())?;
                    written += 1;
                }
                Ok(None) => store.archive_conflict(o.id, &format!("the bucket already holds other content named {}", o.name))?,
                Err(e) => {
                    store.archive_failed(o.id, &e.to_string())?;
                    return Ok((written, Some(e.to_string())));
                }
            }
        }
    }
}

/// Records in the ledger the checksums of what was written and not receipted yet.
fn receipt(db: &Mutex<Store>, signing_key: &SigningKey) -> Result<()> {
    let store = lock(db)?;
    let done = store.archive_unreceipted()?;
    if done.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = done.iter().map(|o| o.id).collect();
    // Receipts and the checkpoints over them only: no receipt of a receipt.
    let worth = done.iter().any(|o| o.kind != "checkpoint" && o.record_kind.as_deref() != Some(Kind::ArchiveReceipt.as_str()));
    if worth {
        let objects: Vec<_> = done.iter().map(|o| serde_json::json!({ "name": o.name, "sha256": o.sha256, "versionId": o.version_id })).collect();
        let body = serde_json::json!({ "archived": objects });
        store.atomically(|s| {
            ledger::append(s, signing_key, NewRecord { kind: Kind::ArchiveReceipt, session_id: RECEIPT_SESSION, debt_key: "none", cpf: "none", body: &body })?;
            s.archive_receipted(&ids)
        })?;
    } else {
        store.archive_receipted(&ids)?;
    }
    Ok(())
}

/// One archiving pass (repeated while it has something to receipt, at most thrice).
pub async fn run(db: &Mutex<Store>, signing_key: &SigningKey, archive: &Archive) -> Result<ArchivePass> {
    let mut pass = ArchivePass::default();
    for _ in 0..3 {
        plan(&*lock(db)?, signing_key, archive)?;
        let (written, problem) = write_pending(db, archive).await?;
        pass.written += written;
        if let Some(p) = problem {
            pass.problem = Some(p);
            break;
        }
        receipt(db, signing_key)?;
        let settled = {
            let store = lock(db)?;
            store.archive_unreceipted()?.is_empty() && store.archive_planned_through()? == store.last_evidence()?.map(|(seq, _)| seq).unwrap_or(0)
        };
        if settled {
            break;
        }
    }
    let (pending, conflicts) = lock(db)?.archive_counts()?;
    pass.pending = pending;
    pass.conflicts = conflicts;
    if conflicts > 0 && pass.problem.is_none() {
        pass.problem = Some(format!("{conflicts} object(s) in the bucket hold other content under Signet's names; run signet evidence verify --archive"));
    }
    Ok(pass)
}

/// What is not archived yet: ledger records not planned, plus planned objects not written.
pub fn not_archived(store: &Store) -> Result<u64> {
    let last = store.last_evidence()?.map(|(seq, _)| seq).unwrap_or(0);
    let unplanned = last.saturating_sub(store.archive_planned_through()?);
    Ok(unplanned + store.archive_counts()?.0)
}
