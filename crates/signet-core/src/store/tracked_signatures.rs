//! Queries for the myKaarma signature requests an operator follows.

use rusqlite::{params, Row};

use super::Store;
use crate::error::Result;

/// A followed signature request as stored; `last_seen` is the provider's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTrackedSignature {
    pub spi_request_uuid: String,
    pub label: String,
    pub added_at: String,
    pub last_seen: Option<String>,
    pub checked_at: Option<String>,
}

fn tracked(r: &Row<'_>) -> rusqlite::Result<StoredTrackedSignature> {
    Ok(StoredTrackedSignature { spi_request_uuid: r.get(0)?, label: r.get(1)?, added_at: r.get(2)?, last_seen: r.get(3)?, checked_at: r.get(4)? })
}

impl Store {
    /// Follows a signature request; following it again only updates the label.
    pub fn track_signature(&self, profile_id: &str, spi: &str, label: &str, at: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO tracked_signatures (profile_id, spi_request_uuid, label, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(profile_id, spi_request_uuid) DO UPDATE SET label = excluded.label",
            params![profile_id, spi, label, at],
        )?;
        Ok(())
    }

    pub fn untrack_signature(&self, profile_id: &str, spi: &str) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM tracked_signatures WHERE profile_id = ?1 AND spi_request_uuid = ?2", [profile_id, spi])? == 1)
    }

    pub fn saw_signature(&self, profile_id: &str, spi: &str, seen: &str, at: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE tracked_signatures SET last_seen = ?3, checked_at = ?4 WHERE profile_id = ?1 AND spi_request_uuid = ?2",
            params![profile_id, spi, seen, at],
        )?;
        Ok(())
    }

    /// A profile's followed signature requests, newest first.
    pub fn tracked_signatures(&self, profile_id: &str) -> Result<Vec<StoredTrackedSignature>> {
        let mut stmt = self.conn().prepare(
            "SELECT spi_request_uuid, label, added_at, last_seen, checked_at FROM tracked_signatures
             WHERE profile_id = ?1 ORDER BY added_at DESC, rowid DESC",
        )?;
        let rows = stmt.query_map([profile_id], tracked)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
