//! Queries for bulk runs and their rows.

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::Result;

/// A row as stored: its line, department, request body (JSON) and any problem.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBulkRow {
    pub row_no: u64,
    pub department: String,
    pub request: String,
    pub problem: Option<String>,
    pub operation_key: Option<String>,
    /// The linked operation's status and response, if it was recorded.
    pub status: Option<String>,
    pub response: Option<String>,
}

impl Store {
    pub fn open_bulk_run(&self, profile_id: &str, sha256: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM bulk_runs WHERE profile_id = ?1 AND source_sha256 = ?2 AND state = 'open' ORDER BY created_at DESC LIMIT 1",
                [profile_id, sha256],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn insert_bulk_run(&self, id: &str, profile_id: &str, source: &str, sha256: &str, at: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO bulk_runs (id, profile_id, source, source_sha256, state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?5)",
            params![id, profile_id, source, sha256, at],
        )?;
        Ok(())
    }

    pub fn insert_bulk_row(&self, run_id: &str, row_no: u64, department: &str, request: &str, problem: Option<&str>) -> Result<()> {
        // Cached: a run's rows are recorded one after another, up to 100,000 of them.
        self.conn().prepare_cached("INSERT INTO bulk_rows (run_id, row_no, department, request, problem) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![
            run_id,
            row_no as i64,
            department,
            request,
            problem
        ])?;
        Ok(())
    }

    /// Ties a row to its operation; refuses (0 rows) if the row already has one.
    pub fn link_bulk_row(&self, run_id: &str, row_no: u64, operation_key: &str) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached("UPDATE bulk_rows SET operation_key = ?3 WHERE run_id = ?1 AND row_no = ?2 AND operation_key IS NULL")?
            .execute(params![run_id, row_no as i64, operation_key])?;
        Ok(n == 1)
    }

    pub fn set_bulk_run_state(&self, run_id: &str, state: &str, at: &str) -> Result<()> {
        self.conn().execute("UPDATE bulk_runs SET state = ?2, updated_at = ?3 WHERE id = ?1", params![run_id, state, at])?;
        Ok(())
    }

    /// How the run's rows stand, counted in SQL: (total, with a problem, sent, failed,
    /// unknown, in flight, not yet sent).
    pub fn bulk_tally(&self, run_id: &str) -> Result<[u64; 7]> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*),
                    TOTAL(b.problem IS NOT NULL),
                    TOTAL(b.problem IS NULL AND o.status = 'sent'),
                    TOTAL(b.problem IS NULL AND o.status = 'failed'),
                    TOTAL(b.problem IS NULL AND o.status = 'unknown'),
                    TOTAL(b.problem IS NULL AND o.status IN ('pending', 'waiting')),
                    TOTAL(b.problem IS NULL AND o.status IS NULL)
             FROM bulk_rows b LEFT JOIN operations o ON o.key = b.operation_key
             WHERE b.run_id = ?1",
            [run_id],
            |r| {
                Ok([
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, f64>(1)? as u64,
                    r.get::<_, f64>(2)? as u64,
                    r.get::<_, f64>(3)? as u64,
                    r.get::<_, f64>(4)? as u64,
                    r.get::<_, f64>(5)? as u64,
                    r.get::<_, f64>(6)? as u64,
                ])
            },
        )?)
    }

    pub fn bulk_rows(&self, run_id: &str) -> Result<Vec<StoredBulkRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT b.row_no, b.department, b.request, b.problem, b.operation_key, o.status, o.response
             FROM bulk_rows b LEFT JOIN operations o ON o.key = b.operation_key
             WHERE b.run_id = ?1 ORDER BY b.row_no",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(StoredBulkRow {
                row_no: r.get::<_, i64>(0)? as u64,
                department: r.get(1)?,
                request: r.get(2)?,
                problem: r.get(3)?,
                operation_key: r.get(4)?,
                status: r.get(5)?,
                response: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// A profile's runs that are not finished, newest first: (id, source file).
    pub fn open_bulk_runs(&self, profile_id: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare("SELECT id, source FROM bulk_runs WHERE profile_id = ?1 AND state = 'open' ORDER BY created_at DESC")?;
        let rows = stmt.query_map([profile_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
