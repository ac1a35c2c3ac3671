//! Queries for the evidence ledger, its files and its signed head. Only inserts:
//! the schema's triggers refuse changes and deletions.

use rusqlite::{params, OptionalExtension, Row};

use super::Store;
use crate::error::Result;

/// One ledger record as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredEvidence {
    pub seq: u64,
    pub kind: String,
    pub session_id: String,
    pub debt_key: String,
    pub cpf: String,
    pub body: String,
    pub recorded_at: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The signed pointer to the latest record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredHead {
    pub seq: u64,
    pub hash: String,
    pub public_key: String,
    pub signature: String,
}

const COLUMNS: &str = "seq, kind, session_id, debt_key, cpf, body, recorded_at, prev_hash, hash";

fn evidence(r: &Row<'_>) -> rusqlite::Result<StoredEvidence> {
    Ok(StoredEvidence {
        seq: r.get(0)?,
        kind: r.get(1)?,
        session_id: r.get(2)?,
        debt_key: r.get(3)?,
        cpf: r.get(4)?,
        body: r.get(5)?,
        recorded_at: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}

impl Store {
    /// The record at position `seq`, if there is one.
    pub fn evidence_at(&self, seq: u64) -> Result<Option<StoredEvidence>> {
        Ok(self.conn().query_row(&format!("SELECT {COLUMNS} FROM evidence_ledger WHERE seq = ?1"), [seq as i64], evidence).optional()?)
    }

    pub fn last_evidence(&self) -> Result<Option<(u64, String)>> {
        Ok(self.conn().query_row("SELECT seq, hash FROM evidence_ledger ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
    }

    pub fn insert_evidence(&self, e: &StoredEvidence) -> Result<()> {
        self.conn().execute(
            &format!("INSERT INTO evidence_ledger ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![e.seq, e.kind, e.session_id, e.debt_key, e.cpf, e.body, e.recorded_at, e.prev_hash, e.hash],
        )?;
        Ok(())
    }

    /// Every record in ledger order, one at a time (the ledger may be large).
    pub fn each_evidence(&self, mut f: impl FnMut(StoredEvidence) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn().prepare(&format!("SELECT {COLUMNS} FROM evidence_ledger ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            f(evidence(row)?)?;
        }
        Ok(())
    }

    /// Records whose session id, debt key or CPF is `key`, in ledger order.
    pub fn evidence_about(&self, key: &str) -> Result<Vec<StoredEvidence>> {
        let mut stmt =
            self.conn().prepare(&format!("SELECT {COLUMNS} FROM evidence_ledger WHERE session_id = ?1 OR debt_key = ?1 OR cpf = ?1 ORDER BY seq"))?;
        let rows = stmt.query_map([key], evidence)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn evidence_head(&self) -> Result<Option<StoredHead>> {
        Ok(self
            .conn()
            .query_row("SELECT seq, hash, public_key, signature FROM evidence_head WHERE id = 1", [], |r| {
                Ok(StoredHead { seq: r.get(0)?, hash: r.get(1)?, public_key: r.get(2)?, signature: r.get(3)? })
            })
            .optional()?)
    }

    pub fn set_evidence_head(&self, head: &StoredHead) -> Result<()> {
        self.conn().execute(
            "INSERT INTO evidence_head (id, seq, hash, public_key, signature) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, public_key = excluded.public_key, signature = excluded.signature",
            params![head.seq, head.hash, head.public_key, head.signature],
        )?;
        Ok(())
    }

    /// Keeps a file the ledger refers to by its SHA-256 (already there: nothing to do).
    pub fn put_evidence_file(&self, sha256: &str, name: &str, bytes: &[u8], at: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO evidence_files (sha256, name, bytes, added_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(sha256) DO NOTHING",
            params![sha256, name, bytes, at],
        )?;
        Ok(())
    }

    pub fn evidence_file(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>> {
        Ok(self.conn().query_row("SELECT name, bytes FROM evidence_files WHERE sha256 = ?1", [sha256], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
    }

    /// Every kept file's stated hash and bytes, one at a time.
    pub fn each_evidence_file(&self, mut f: impl FnMut(String, Vec<u8>) -> Result<()>) -> Result<()> {
        let mut stmt = self.conn().prepare("SELECT sha256, bytes FROM evidence_files ORDER BY rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            f(row.get(0)?, row.get(1)?)?;
        }
        Ok(())
    }
}
