//! Queries for the operations table (the outbox and history of provider calls).

use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use serde::Serialize;
use ts_rs::TS;

use super::Store;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OperationStatus {
    /// Written, not yet (or not known to be) sent.
    Pending,
    /// The provider answered and accepted it.
    Sent,
    /// The provider refused it, or it never left: safe to correct and send again.
    Failed,
    /// It may or may not have arrived: check before sending again.
    Unknown,
    /// It never reached the provider (no connection could be made); Signet sends it
    /// again by itself, with backoff, once the network is back.
    Waiting,
}

/// The response code of an operation failed because it certainly never left this
/// desk (see `Store::mark_never_sent`).
pub const NEVER_SENT: &str = "never_sent";

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::Pending => "pending",
            OperationStatus::Sent => "sent",
            OperationStatus::Failed => "failed",
            OperationStatus::Unknown => "unknown",
            OperationStatus::Waiting => "waiting",
        }
    }

    /// The status `as_str` names; `None` for any other word.
    pub fn from_word(s: &str) -> Option<OperationStatus> {
        [OperationStatus::Pending, OperationStatus::Sent, OperationStatus::Failed, OperationStatus::Unknown, OperationStatus::Waiting]
            .into_iter()
            .find(|status| status.as_str() == s)
    }

    fn parse(s: &str) -> OperationStatus {
        OperationStatus::from_word(s).unwrap_or(OperationStatus::Pending)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OperationRecord {
    pub key: String,
    pub area: String,
    pub kind: String,
    pub profile_id: String,
    pub subject: String,
    #[ts(type = "unknown")]
    pub request: serde_json::Value,
    pub status: OperationStatus,
    #[ts(type = "unknown")]
    pub response: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
    /// How many times it has been sent (more than one only after waiting for the network).
    pub attempts: u32,
    /// When a waiting operation is next sent.
    pub retry_at: Option<String>,
    /// The provider that can be asked whether it arrived, if its outcome is unknown.
    pub checkable_with: Option<String>,
}

impl OperationRecord {
    /// The code its recorded response carries (`interrupted`, `never_sent`, a provider's).
    pub fn response_code(&self) -> Option<&str> {
        self.response.as_ref()?.get("code")?.as_str()
    }

    /// Failed because it certainly never left this desk.
    pub fn never_sent(&self) -> bool {
        self.status == OperationStatus::Failed && self.response_code() == Some(NEVER_SENT)
    }
}

/// How many new operations of a bulk run wait to be added to the search index
/// together: indexing the few rows of every grouped commit cost a segment write and
/// its merges per commit.
pub(crate) const SEARCH_BATCH: i64 = 256;

const COLUMNS: &str = "key, area, kind, profile_id, subject, request, status, response, created_at, updated_at, attempts, retry_at";

fn record(r: &Row<'_>) -> rusqlite::Result<OperationRecord> {
    let json = |i: usize| -> rusqlite::Result<Option<serde_json::Value>> { Ok(r.get::<_, Option<String>>(i)?.and_then(|t| serde_json::from_str(&t).ok())) };
    let kind: String = r.get(2)?;
    Ok(OperationRecord {
        key: r.get(0)?,
        area: r.get(1)?,
        checkable_with: crate::outbox::checkable_with(&kind).map(str::to_string),
        kind,
        profile_id: r.get(3)?,
        subject: r.get(4)?,
        request: json(5)?.unwrap_or(serde_json::Value::Null),
        status: OperationStatus::parse(&r.get::<_, String>(6)?),
        response: json(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        attempts: r.get(10)?,
        retry_at: r.get(11)?,
    })
}

impl Store {
    pub fn insert_operation(&self, op: &OperationRecord) -> Result<()> {
        self.insert_claiming_operation(op, None)
    }

    /// Records `op` with the team claim (JSON) its business key is sent under. One
    /// statement on purpose: a later UPDATE of the row in the same transaction opens
    /// a statement savepoint, which makes SQLite flush the search index (FTS5) to a
    /// new segment and merge segments, per row; that was a quarter of a bulk run's CPU.
    pub fn insert_claiming_operation(&self, op: &OperationRecord, claim: Option<&str>) -> Result<()> {
        // Cached: a bulk run records thousands of operations with these statements.
        let mut insert = self.conn().prepare_cached(&format!(
            "INSERT INTO operations ({COLUMNS}, owner_pid, claim) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        ))?;
        insert.execute(params![
            op.key,
            op.area,
            op.kind,
            op.profile_id,
            op.subject,
            op.request.to_string(),
            op.status.as_str(),
            op.response.as_ref().map(|v| v.to_string()),
            op.created_at,
            op.updated_at,
            op.attempts,
            op.retry_at,
            std::process::id(),
            claim
        ])?;
        Ok(())
    }

    /// Adds the operations waiting in the list to Activity's search index, in one
    /// statement, once at least `at_least` wait, just before the transaction commits
    /// (migration 0011 says why not in the insert trigger). Until then a search
    /// matches them in the list directly.
    pub(crate) fn index_for_search(&self, at_least: i64) -> Result<()> {
        let waiting: i64 =
            self.conn().prepare_cached("SELECT COUNT(*) FROM (SELECT 1 FROM operations_unindexed LIMIT ?1)")?.query_row([at_least], |r| r.get(0))?;
        if waiting >= at_least.max(1) {
            // CROSS JOIN keeps the short list the outer loop: left to itself, SQLite's
            // planner walked every operation instead (a bulk run slowed as it grew).
            self.conn()
                .prepare_cached(
                    "INSERT INTO operations_search (key, text) \
                     SELECT o.key, o.subject || ' ' || o.kind || ' ' || o.key FROM operations_unindexed u CROSS JOIN operations o ON o.key = u.key",
                )?
                .execute([])?;
            self.conn().prepare_cached("DELETE FROM operations_unindexed")?.execute([])?;
        }
        Ok(())
    }

    /// Fails a pending operation that certainly never reached the provider (its
    /// team claim failed, and a send waits for it), saying why; its bulk row, if
    /// any, goes back to "not sent yet" so a resumed run sends it. The record stays,
    /// so the team's history shows it too. Run it inside a transaction. False if the
    /// operation was not pending.
    pub fn mark_never_sent(&self, key: &str, message: &str, at: &str) -> Result<bool> {
        let Some(op) = self.operation(key)? else { return Ok(false) };
        if op.status != OperationStatus::Pending {
            return Ok(false);
        }
        let response = serde_json::json!({ "code": NEVER_SENT, "message": message, "previous": op.response });
        self.finish_operation(key, OperationStatus::Failed, &response, at)?;
        self.conn().prepare_cached("UPDATE bulk_rows SET operation_key = NULL WHERE operation_key = ?1")?.execute([key])?;
        Ok(true)
    }

    pub fn finish_operation(&self, key: &str, status: OperationStatus, response: &serde_json::Value, at: &str) -> Result<()> {
        self.conn().prepare_cached("UPDATE operations SET status = ?2, response = ?3, updated_at = ?4, retry_at = NULL WHERE key = ?1")?.execute(params![
            key,
            status.as_str(),
            response.to_string(),
            at
        ])?;
        Ok(())
    }

    /// `finish_operation`, only if the operation is still pending: for settling an
    /// interrupted one, which another process starting at the same moment may be
    /// settling too. False if it was not pending.
    pub fn finish_pending(&self, key: &str, status: OperationStatus, response: &serde_json::Value, at: &str) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE operations SET status = ?2, response = ?3, updated_at = ?4, retry_at = NULL WHERE key = ?1 AND status = 'pending'",
            params![key, status.as_str(), response.to_string(), at],
        )?;
        Ok(changed == 1)
    }

    /// Leaves an operation that never reached the provider waiting until `retry_at`.
    pub fn wait_operation(&self, key: &str, response: &serde_json::Value, at: &str, retry_at: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE operations SET status = 'waiting', response = ?2, updated_at = ?3, retry_at = ?4 WHERE key = ?1",
            params![key, response.to_string(), at, retry_at],
        )?;
        Ok(())
    }

    /// Waiting operations whose next try is due at `now` (RFC 3339 UTC), oldest first.
    pub fn due_operations(&self, now: &str) -> Result<Vec<OperationRecord>> {
        let mut stmt =
            self.conn().prepare(&format!("SELECT {COLUMNS} FROM operations WHERE status = 'waiting' AND retry_at <= ?1 ORDER BY created_at, rowid"))?;
        let rows = stmt.query_map([now], record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Takes a waiting operation for sending by this process: pending again, one
    /// more attempt. False if another process (desk or CLI) took it first.
    pub fn claim_waiting(&self, key: &str, at: &str) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE operations SET status = 'pending', attempts = attempts + 1, retry_at = NULL, updated_at = ?2, owner_pid = ?3
             WHERE key = ?1 AND status = 'waiting'",
            params![key, at, std::process::id()],
        )?;
        Ok(changed == 1)
    }

    pub fn reschedule_all_waiting(&self, at: &str) -> Result<usize> {
        Ok(self.conn().execute("UPDATE operations SET retry_at = ?1 WHERE status = 'waiting'", [at])?)
    }

    /// Moves a waiting operation's next try to `at`.
    pub fn reschedule_waiting(&self, key: &str, at: &str) -> Result<bool> {
        let changed = self.conn().execute("UPDATE operations SET retry_at = ?2 WHERE key = ?1 AND status = 'waiting'", params![key, at])?;
        Ok(changed == 1)
    }

    pub fn operation(&self, key: &str) -> Result<Option<OperationRecord>> {
        Ok(self.conn().query_row(&format!("SELECT {COLUMNS} FROM operations WHERE key = ?1"), [key], record).optional()?)
    }

    /// Operations of one kind created at `since` (RFC 3339 UTC) or later, newest first.
    pub fn operations_since(&self, kind: &str, since: &str) -> Result<Vec<OperationRecord>> {
        let mut stmt =
            self.conn().prepare(&format!("SELECT {COLUMNS} FROM operations WHERE created_at >= ?2 AND kind = ?1 ORDER BY created_at DESC, rowid DESC"))?;
        let rows = stmt.query_map([kind, since], record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An area's operations about one subject, newest first.
    pub fn operations_about(&self, area: &str, subject: &str) -> Result<Vec<OperationRecord>> {
        // Cached: opening a bulk run asks this once per row.
        let mut stmt =
            self.conn().prepare_cached(&format!("SELECT {COLUMNS} FROM operations WHERE area = ?1 AND subject = ?2 ORDER BY created_at DESC, rowid DESC"))?;
        let rows = stmt.query_map([area, subject], record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// Pending operations with the process that was sending each and when it started.
    pub fn pending_operations(&self) -> Result<Vec<(String, Option<u32>, String)>> {
        let mut stmt = self.conn().prepare("SELECT key, owner_pid, updated_at FROM operations WHERE status = 'pending'")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many operations are in each status (for the status bar).
    pub fn operation_counts(&self) -> Result<Vec<(OperationStatus, u64)>> {
        let mut stmt = self.conn().prepare("SELECT status, COUNT(*) FROM operations GROUP BY status")?;
        let rows = stmt.query_map([], |r| Ok((OperationStatus::parse(&r.get::<_, String>(0)?), r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// What the Activity view asks for: newest first, filtered, one page at a time.
#[derive(Debug, Clone, Default, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OperationQuery {
    pub area: Option<String>,
    pub status: Option<OperationStatus>,
    /// Matched against the subject, the kind and the operation key.
    pub text: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OperationPage {
    pub items: Vec<OperationRecord>,
    pub total: u32,
}

impl Store {
    pub fn operations_page(&self, q: &OperationQuery) -> Result<OperationPage> {
        // Only the filters in use go into the query: "?1 IS NULL OR ..." would keep
        // SQLite from driving the query from the search index.
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        // `{0}`, `{1}`... in a condition stand for its own values, in order.
        let mut bind = |condition: &str, own: Vec<String>| {
            let mut condition = condition.to_string();
            for (i, value) in own.into_iter().enumerate() {
                values.push(value);
                condition = condition.replace(&format!("{{{i}}}"), &format!("?{}", values.len()));
            }
            conditions.push(condition);
        };
        if let Some(area) = &q.area {
            bind("area = {0}", vec![area.clone()]);
        }
        if let Some(status) = q.status {
            bind("status = {0}", vec![status.as_str().into()]);
        }
        // LIKE's wildcards in the text are searched for, not obeyed.
        let anywhere = |t: &str| format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        match q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            // Three characters or more go through the trigram index (migration
            // 0007); shorter ones, which it cannot match, are a scan. Operations not
            // in the index yet (migration 0011) are matched in the list directly,
            // against the same text the index holds.
            Some(t) if t.chars().count() >= 3 => bind(
                "(key IN (SELECT key FROM operations_search WHERE operations_search MATCH {0}) \
                 OR key IN (SELECT u.key FROM operations_unindexed u CROSS JOIN operations o ON o.key = u.key \
                 WHERE (o.subject || ' ' || o.kind || ' ' || o.key) LIKE {1} ESCAPE '\\'))",
                vec![format!("\"{}\"", t.replace('"', "\"\"")), anywhere(t)],
            ),
            Some(t) => bind("(subject LIKE {0} ESCAPE '\\' OR kind LIKE {0} ESCAPE '\\' OR key LIKE {0} ESCAPE '\\')", vec![anywhere(t)]),
            None => {}
        }
        let filter = if conditions.is_empty() { "1".to_string() } else { conditions.join(" AND ") };
        let total: i64 = self.conn().query_row(&format!("SELECT COUNT(*) FROM operations WHERE {filter}"), params_from_iter(&values), |r| r.get(0))?;
        let (limit, offset) = (q.limit.clamp(1, 500), q.offset);
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM operations WHERE {filter} ORDER BY created_at DESC, rowid DESC LIMIT {limit} OFFSET {offset}"))?;
        let rows = stmt.query_map(params_from_iter(&values), record)?;
        Ok(OperationPage { items: rows.collect::<rusqlite::Result<_>>()?, total: total as u32 })
    }
}
