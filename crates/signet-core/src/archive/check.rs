//! Checking the archive from any machine with read access to the bucket and the
//! installation's public key, and rebuilding a ledger from the archive alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use super::archiver::{Checkpoint, CHECKPOINT_FORMAT};
use super::Archive;
use crate::error::{CoreError, Result};
use crate::evidence::ledger::{self, sha256_hex, ChainCheck, LedgerProblem, LedgerReport};
use crate::evidence::{dossier, key};
use crate::store::{Store, StoredEvidence, StoredHead};

#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ArchiveReport {
    #[ts(type = "number")]
    pub records: u64,
    #[ts(type = "number")]
    pub checkpoints: u64,
    #[ts(type = "number")]
    pub dossiers: u64,
    #[ts(type = "number")]
    pub files: u64,
    /// The last position a checkpoint signs.
    #[ts(type = "number | null")]
    pub signed_through: Option<u64>,
    /// Local records not written to the archive yet (not a problem: they are on their way).
    #[ts(type = "number")]
    pub not_yet_archived: u64,
    pub problems: Vec<LedgerProblem>,
}

impl ArchiveReport {
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

fn problem(position: Option<u64>, text: String) -> LedgerProblem {
    LedgerProblem { position, problem: text }
}

/// What the desk's own ledger says, read before the archive is (so no database
/// lock is held across the network).
pub struct LocalLedger {
    records: Vec<StoredEvidence>,
    /// Objects the desk noted as written.
    written: BTreeSet<String>,
}

impl LocalLedger {
    pub fn read(store: &Store) -> Result<LocalLedger> {
        let mut records = Vec::new();
        store.each_evidence(|r| {
            records.push(r);
            Ok(())
        })?;
        let written = store.archive_states()?.into_iter().filter(|(_, state)| state == "archived").map(|(name, _)| name).collect();
        Ok(LocalLedger { records, written })
    }
}

/// What the archive holds for one installation, read back.
struct Read {
    records: BTreeMap<u64, StoredEvidence>,
    checkpoints: Vec<Checkpoint>,
    files: BTreeMap<String, Vec<u8>>,
    dossiers: Vec<(String, Vec<u8>)>,
    problems: Vec<LedgerProblem>,
}

fn position(name: &str) -> Option<u64> {
    name.rsplit('/').next()?.split('.').next()?.parse().ok()
}

async fn read(archive: &Archive, public_key: &str) -> Result<Read> {
    let root = archive.root(public_key);
    let names = archive.bucket.list(&root).await?;
    let mut r = Read { records: BTreeMap::new(), checkpoints: Vec::new(), files: BTreeMap::new(), dossiers: Vec::new(), problems: Vec::new() };
    for name in names {
        let Some(rest) = name.strip_prefix(&root) else { continue };
        let Some(bytes) = archive.bucket.get(&name).await? else { continue };
        if rest.starts_with("records/") {
            match (serde_json::from_slice::<StoredEvidence>(&bytes), position(rest)) {
                (Ok(rec), Some(seq)) if rec.seq == seq => {
                    r.records.insert(seq, rec);
                }
                (Ok(rec), at) => r.problems.push(problem(at, format!("{rest} holds record {} (moved)", rec.seq))),
                (Err(e), at) => r.problems.push(problem(at, format!("{rest} is not a ledger record ({e})"))),
            }
        } else if rest.starts_with("checkpoints/") {
            match serde_json::from_slice::<Checkpoint>(&bytes) {
                Ok(c) if c.format == CHECKPOINT_FORMAT && Some(c.seq) == position(rest) => r.checkpoints.push(c),
                _ => r.problems.push(problem(position(rest), format!("{rest} is not a checkpoint of this position"))),
            }
        } else if let Some(sha) = rest.strip_prefix("files/") {
            if sha256_hex(&bytes) != sha {
                r.problems.push(problem(None, format!("the archived file {sha} was altered")));
            }
            r.files.insert(sha.to_string(), bytes);
        } else if rest.starts_with("dossiers/") {
            r.dossiers.push((rest.to_string(), bytes));
        }
    }
    r.checkpoints.sort_by_key(|c| c.seq);
    Ok(r)
}

/// Checks the archive of the installation whose key is `public_key`: every
/// archived record in an unbroken chain, every checkpoint signed by that key and
/// linked to the one before, every dossier and file intact; and, given the local
/// database, every local record in the archive unchanged and every object the
/// desk wrote still there.
pub async fn verify(archive: &Archive, public_key: &str, local: Option<&LocalLedger>) -> Result<ArchiveReport> {
    let read = read(archive, public_key).await?;
    let mut report = ArchiveReport {
        records: read.records.len() as u64,
        checkpoints: read.checkpoints.len() as u64,
        files: read.files.len() as u64,
        dossiers: read.dossiers.len() as u64,
        ..Default::default()
    };
    report.problems.extend(read.problems);

    let mut chain = ChainCheck::new();
    for r in read.records.values() {
        chain.record(r);
    }
    report.problems.extend(chain.problems);

    let mut previous: Option<&Checkpoint> = None;
    for c in &read.checkpoints {
        if !c.signatures_hold(public_key) {
            report.problems.push(problem(Some(c.seq), format!("checkpoint {} is not signed by this installation's key", c.seq)));
        }
        match read.records.get(&c.seq) {
            Some(r) if r.hash == c.hash => {}
            Some(_) => report.problems.push(problem(Some(c.seq), format!("checkpoint {} signs another record {} than the archived one", c.seq, c.seq))),
            None => report.problems.push(problem(Some(c.seq), format!("record {}, which checkpoint {} signs, is missing from the archive", c.seq, c.seq))),
        }
        let linked = match (previous, &c.previous) {
            (None, None) => true,
            (Some(p), Some(q)) => p.seq == q.seq && p.hash == q.hash,
            _ => false,
        };
        if !linked {
            let before = previous.map(|p| p.seq.to_string()).unwrap_or_else(|| "none".into());
            report.problems.push(problem(Some(c.seq), format!("checkpoint {} does not follow the checkpoint before it ({before}): one is missing", c.seq)));
        }
        previous = Some(c);
    }
    report.signed_through = previous.map(|c| c.seq);

    for (name, bytes) in &read.dossiers {
        match dossier::check(bytes, Some(public_key)) {
            Ok(d) if d.valid() && d.origin_verified => {}
            Ok(d) => report.problems.push(problem(None, format!("the archived dossier {name} does not verify: {}", d.problems.join("; ")))),
            Err(e) => report.problems.push(problem(None, format!("the archived dossier {name} cannot be read: {e}"))),
        }
    }

    if let Some(local) = local {
        let root = archive.root(public_key);
        let mut local_seqs = BTreeSet::new();
        let mut not_yet = 0;
        let written = &local.written;
        for r in &local.records {
            local_seqs.insert(r.seq);
            match read.records.get(&r.seq) {
                Some(a) if a == r => {}
                Some(_) => report.problems.push(problem(Some(r.seq), format!("record {} on this desk differs from the archived one", r.seq))),
                None if written.contains(&format!("{root}records/{:012}.json", r.seq)) => {
                    report.problems.push(problem(Some(r.seq), format!("record {} was archived but is missing from the bucket", r.seq)))
                }
                None => not_yet += 1,
            }
        }
        for seq in read.records.keys() {
            if !local_seqs.contains(seq) {
                report.problems.push(problem(Some(*seq), format!("record {seq} is in the archive but was removed from this desk")));
            }
        }
        let archived_names: BTreeSet<String> = archive.bucket.list(&root).await?.into_iter().collect();
        for name in written {
            if !name.contains("/records/") && !archived_names.contains(name) {
                report
                    .problems
                    .push(problem(position(name), format!("{} was archived but is missing from the bucket", name.strip_prefix(&root).unwrap_or(name))));
            }
        }
        report.not_yet_archived = not_yet;
    }
    report.problems.sort_by_key(|p| p.position.unwrap_or(u64::MAX));
    Ok(report)
}

/// Rebuilds a ledger from the archive alone into a new database in `out` (a
/// folder that `SIGNET_DATA_DIR` can name): every record up to the last checkpoint,
/// the files they name, and the checkpoint's signed head; then verifies it.
pub async fn rebuild(archive: &Archive, public_key: &str, out: &Path) -> Result<LedgerReport> {
    if out.join(crate::store::DATABASE_FILE).exists() {
        return Err(CoreError::invalid("out", format!("{} already holds a Signet database: give an empty folder.", out.display())));
    }
    let read = read(archive, public_key).await?;
    let last = read.checkpoints.iter().rev().find(|c| c.signatures_hold(public_key)).ok_or_else(|| {
        CoreError::Archive("the archive holds no checkpoint signed by this key: nothing can be rebuilt (is the public key the installation's?)".into())
    })?;
    std::fs::create_dir_all(out).map_err(|e| CoreError::Io { context: format!("creating {}", out.display()), source: e })?;
    let store = Store::open_in(out)?;
    store.atomically(|s| {
        for r in read.records.values().filter(|r| r.seq <= last.seq) {
            s.insert_evidence(r)?;
        }
        for (sha, bytes) in &read.files {
            s.put_evidence_file(sha, "from the archive", bytes, &crate::outbox::now())?;
        }
        s.set_evidence_head(&StoredHead {
            seq: last.seq,
            hash: last.hash.clone(),
            public_key: public_key.to_string(),
            signature: last.head_signature.clone(),
        })?;
        key::record_public_key(s, public_key)?;
        ledger::mark_started(s)
    })?;
    ledger::verify(&store, Some(public_key))
}
