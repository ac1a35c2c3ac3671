//! Queries behind team mode: which profile is in it, the replication queue the
//! triggers fill, the rows it points at, and overrides made while the team store
//! could not be reached.

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::Result;

/// One replication queue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedChange {
    pub id: i64,
    pub entity: String,
    pub key: String,
}

/// A bulk run as the team store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRunSummary {
    pub id: String,
    pub source: String,
    pub state: String,
    pub rows_total: i64,
    pub rows_sent: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A followed signature request as the team store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedSummary {
    pub spi_request_uuid: String,
    pub label: String,
    pub added_at: String,
    pub signed: Option<bool>,
}

/// An override made while the team store was unreachable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOverride {
    pub operation_key: String,
    pub scope: String,
    pub business_key: String,
    pub at: String,
    pub note: String,
}

impl Store {
    /// This desk's id in a team: made once per data folder, kept for good.
    pub fn desk_id(&self) -> Result<String> {
        if let Some(id) = self.app_setting("desk_id")? {
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.set_app_setting("desk_id", &id)?;
        Ok(id)
    }

    /// The profile in team mode, if any (a desk belongs to one team at a time).
    pub fn team_profile(&self) -> Result<Option<String>> {
        Ok(self.conn().query_row("SELECT profile_id FROM team_profiles LIMIT 1", [], |r| r.get(0)).optional()?)
    }

    /// Puts `profile_id` in team mode (or none), queuing its history so far: a desk
    /// that joins a team brings what it already did.
    pub fn set_team_profile(&self, profile_id: Option<&str>) -> Result<()> {
        self.atomically(|s| {
            let before = s.team_profile()?;
            if before.as_deref() == profile_id {
                return Ok(());
            }
            s.conn().execute("DELETE FROM team_profiles", [])?;
            s.conn().execute("DELETE FROM team_queue", [])?;
            if let Some(id) = profile_id {
                s.conn().execute("INSERT INTO team_profiles (profile_id) VALUES (?1)", [id])?;
                s.queue_history(id)?;
            }
            Ok(())
        })
    }

    /// Queues the whole history of the team profile again (after the team store was
    /// restored from a backup older than the desk's last push). Upserts make the
    /// second copy of a row harmless. Returns how many rows were queued.
    pub fn requeue_team_history(&self) -> Result<u64> {
        self.atomically(|s| {
            let Some(id) = s.team_profile()? else { return Ok(0) };
            s.conn().execute("DELETE FROM team_queue WHERE entity <> 'override'", [])?;
            s.queue_history(&id)?;
            s.team_queue_len()
        })
    }

    fn queue_history(&self, profile_id: &str) -> Result<()> {
        let id = profile_id;
        self.conn().execute("INSERT INTO team_queue (entity, key) SELECT 'operation', key FROM operations WHERE profile_id = ?1 ORDER BY rowid", [id])?;
        self.conn().execute("INSERT INTO team_queue (entity, key) SELECT 'evidence', CAST(seq AS TEXT) FROM evidence_ledger ORDER BY seq", [])?;
        self.conn().execute("INSERT INTO team_queue (entity, key) SELECT 'bulk_run', id FROM bulk_runs WHERE profile_id = ?1", [id])?;
        self.conn().execute(
            "INSERT INTO team_queue (entity, key) SELECT 'followed_signature', profile_id || '/' || spi_request_uuid FROM tracked_signatures WHERE profile_id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// The oldest `limit` changes waiting to be pushed.
    pub fn team_queue(&self, limit: usize) -> Result<Vec<QueuedChange>> {
        let mut stmt = self.conn().prepare_cached("SELECT id, entity, key FROM team_queue ORDER BY id LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| Ok(QueuedChange { id: r.get(0)?, entity: r.get(1)?, key: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn team_queue_len(&self) -> Result<u64> {
        Ok(self.conn().query_row("SELECT count(*) FROM team_queue", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Removes pushed changes (up to and including `last_id`).
    pub fn team_queue_done(&self, last_id: i64) -> Result<()> {
        self.conn().execute("DELETE FROM team_queue WHERE id <= ?1", [last_id])?;
        Ok(())
    }

    pub fn bulk_run_summary(&self, id: &str) -> Result<Option<BulkRunSummary>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT r.id, r.source, r.state, r.created_at, r.updated_at,
                        (SELECT count(*) FROM bulk_rows WHERE run_id = r.id),
                        (SELECT count(*) FROM bulk_rows b JOIN operations o ON o.key = b.operation_key WHERE b.run_id = r.id AND o.status = 'sent')
                 FROM bulk_runs r WHERE r.id = ?1",
                [id],
                |r| {
                    Ok(BulkRunSummary {
                        id: r.get(0)?,
                        source: r.get(1)?,
                        state: r.get(2)?,
                        created_at: r.get(3)?,
                        updated_at: r.get(4)?,
                        rows_total: r.get(5)?,
                        rows_sent: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn followed_summary(&self, profile_id: &str, spi: &str) -> Result<Option<FollowedSummary>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT spi_request_uuid, label, added_at, json_extract(last_seen, '$.isSigned') FROM tracked_signatures WHERE profile_id = ?1 AND spi_request_uuid = ?2",
                params![profile_id, spi],
                |r| Ok(FollowedSummary { spi_request_uuid: r.get(0)?, label: r.get(1)?, added_at: r.get(2)?, signed: r.get::<_, Option<i64>>(3)?.map(|v| v != 0) }),
            )
            .optional()?)
    }

    pub fn record_team_override(&self, o: &StoredOverride) -> Result<()> {
        self.conn().execute(
            "INSERT INTO team_overrides (operation_key, scope, business_key, at, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![o.operation_key, o.scope, o.business_key, o.at, o.note],
        )?;
        Ok(())
    }

    pub fn team_override(&self, operation_key: &str) -> Result<Option<StoredOverride>> {
        Ok(self
            .conn()
            .query_row("SELECT operation_key, scope, business_key, at, note FROM team_overrides WHERE operation_key = ?1", [operation_key], |r| {
                Ok(StoredOverride { operation_key: r.get(0)?, scope: r.get(1)?, business_key: r.get(2)?, at: r.get(3)?, note: r.get(4)? })
            })
            .optional()?)
    }

    pub fn operation_claim(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn().query_row("SELECT claim FROM operations WHERE key = ?1", [key], |r| r.get::<_, Option<String>>(0)).optional()?.flatten())
    }
}
