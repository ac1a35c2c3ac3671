//! The archive log: what the evidence archive must hold, planned before it is
//! written, and what the bucket said when it was.

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::Result;

/// An object to put in the archive.
#[derive(Debug, Clone)]
pub struct PlannedObject {
    pub name: String,
    pub kind: &'static str,
    pub seq: Option<u64>,
    pub record_kind: Option<String>,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub retain_until: String,
}

/// One row of the log.
#[derive(Debug, Clone)]
pub struct LoggedObject {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub seq: Option<u64>,
    pub record_kind: Option<String>,
    pub sha256: String,
    pub bytes: Option<Vec<u8>>,
    pub retain_until: String,
    pub state: String,
    pub version_id: Option<String>,
}

const COLUMNS: &str = "id, name, kind, seq, record_kind, sha256, bytes, retain_until, state, version_id";

fn logged(r: &rusqlite::Row<'_>) -> rusqlite::Result<LoggedObject> {
    Ok(LoggedObject {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        seq: r.get::<_, Option<i64>>(3)?.map(|s| s as u64),
        record_kind: r.get(4)?,
        sha256: r.get(5)?,
        bytes: r.get(6)?,
        retain_until: r.get(7)?,
        state: r.get(8)?,
        version_id: r.get(9)?,
    })
}

impl Store {
    /// The last ledger position planned for the archive (0: none yet).
    pub fn archive_planned_through(&self) -> Result<u64> {
        Ok(self.conn().query_row("SELECT coalesce(max(seq), 0) FROM archive_log WHERE kind = 'record'", [], |r| r.get::<_, i64>(0))? as u64)
    }

    pub fn archive_has(&self, name: &str) -> Result<bool> {
        Ok(self.conn().query_row("SELECT 1 FROM archive_log WHERE name = ?1", [name], |_| Ok(())).optional()?.is_some())
    }

    pub fn archive_plan(&self, o: &PlannedObject) -> Result<()> {
        self.conn().execute(
            "INSERT INTO archive_log (name, kind, seq, record_kind, sha256, size, bytes, retain_until, queued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![o.name, o.kind, o.seq.map(|s| s as i64), o.record_kind, o.sha256, o.bytes.len() as i64, o.bytes, o.retain_until, crate::outbox::now()],
        )?;
        Ok(())
    }

    /// Objects not written yet, oldest first.
    pub fn archive_pending(&self, limit: usize) -> Result<Vec<LoggedObject>> {
        let mut stmt = self.conn().prepare_cached(&format!("SELECT {COLUMNS} FROM archive_log WHERE state = 'pending' ORDER BY id LIMIT ?1"))?;
        let rows = stmt.query_map([limit as i64], logged)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Written (or found there with the same content): the bytes are no longer kept.
    pub fn archive_written(&self, id: i64, version_id: Option<&str>) -> Result<()> {
        self.conn().execute(
            "UPDATE archive_log SET state = 'archived', bytes = NULL, version_id = ?2, last_error = NULL, attempts = attempts + 1, archived_at = ?3 WHERE id = ?1",
            params![id, version_id, crate::outbox::now()],
        )?;
        Ok(())
    }

    /// The bucket holds other content under this name: never overwritten, reported.
    pub fn archive_conflict(&self, id: i64, why: &str) -> Result<()> {
        self.conn().execute("UPDATE archive_log SET state = 'conflict', last_error = ?2, attempts = attempts + 1 WHERE id = ?1", params![id, why])?;
        Ok(())
    }

    pub fn archive_failed(&self, id: i64, why: &str) -> Result<()> {
        self.conn().execute("UPDATE archive_log SET last_error = ?2, attempts = attempts + 1 WHERE id = ?1", params![id, why])?;
        Ok(())
    }

    /// Written objects whose checksums are not in the ledger yet.
    pub fn archive_unreceipted(&self) -> Result<Vec<LoggedObject>> {
        let mut stmt = self.conn().prepare(&format!("SELECT {COLUMNS} FROM archive_log WHERE state = 'archived' AND receipted = 0 ORDER BY id"))?;
        let rows = stmt.query_map([], logged)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn archive_receipted(&self, ids: &[i64]) -> Result<()> {
        for id in ids {
            self.conn().execute("UPDATE archive_log SET receipted = 1 WHERE id = ?1", [id])?;
        }
        Ok(())
    }

    /// The last checkpoint planned: its position and the record hash it signs.
    pub fn archive_last_checkpoint(&self) -> Result<Option<u64>> {
        Ok(self.conn().query_row("SELECT max(seq) FROM archive_log WHERE kind = 'checkpoint'", [], |r| r.get::<_, Option<i64>>(0))?.map(|s| s as u64))
    }

    /// How many objects wait to be written, and how many the bucket refused as conflicting.
    pub fn archive_counts(&self) -> Result<(u64, u64)> {
        Ok(self.conn().query_row("SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'conflict') FROM archive_log", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?)
    }

    /// Every logged object's name and state (what verify compares with the bucket).
    pub fn archive_states(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare("SELECT name, state FROM archive_log ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The SHA-256 of every kept evidence file.
    pub fn evidence_file_shas(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare("SELECT sha256 FROM evidence_files ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
