//! Replication: the changes the SQLite triggers queued, pushed to the team store in
//! order, a batch per transaction. A batch leaves the queue only after the team
//! store committed it; pushing one twice changes nothing (operations are upserted
//! by desk and key, newest version wins; evidence records are inserted once), so a
//! desk killed between the two, or offline for days, catches up without losing or
//! doubling anything.

use std::sync::Mutex;

use serde::Serialize;
use ts_rs::TS;

use super::{db_error, Team};
use crate::error::{CoreError, Result};
use crate::store::Store;

/// Changes pushed per transaction.
pub const BATCH: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncReport {
    #[ts(type = "number")]
    pub pushed: u64,
    /// Still queued (the store became unreachable, or there was more than asked).
    #[ts(type = "number")]
    pub remaining: u64,
}

fn lock(db: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>> {
    db.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned by an earlier failure; restart Signet".into()))
}

fn ts(rfc3339: &str) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map_err(|e| CoreError::Conflict(format!("a stored time cannot be read ({rfc3339}): {e}")))
}

/// One row to write, read from SQLite while its lock is held (no await then).
enum Row {
    Operation(crate::store::OperationRecord),
    Evidence(crate::store::StoredEvidence),
    BulkRun(crate::store::BulkRunSummary),
    Followed(crate::store::FollowedSummary),
    Override(crate::store::StoredOverride),
    /// Deleted or never there since it was queued: nothing to push.
    Gone,
}

impl Team {
    /// Pushes queued changes until the queue is empty or `max_batches` were sent.
    pub async fn sync(&self, db: &Mutex<Store>, max_batches: usize) -> Result<SyncReport> {
        let result = self.sync_batches(db, max_batches).await;
        if matches!(result, Err(CoreError::TeamUnreachable(_))) {
            self.forget().await;
        }
        self.note_outcome(&result);
        result
    }

    async fn sync_batches(&self, db: &Mutex<Store>, max_batches: usize) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        // Replication has a connection of its own: its transactions must not take in
        // the claims other tasks make meanwhile on the shared one.
        let mut slot = self.sync_connection.lock().await;
        for _ in 0..max_batches {
            let (last, rows) = {
                let store = lock(db)?;
                let queued = store.team_queue(BATCH)?;
                let Some(last) = queued.last().map(|q| q.id) else { break };
                let mut rows = Vec::with_capacity(queued.len());
                for q in queued {
                    rows.push(read(&store, &q.entity, &q.key)?);
                }
                (last, rows)
            };
            let me = self.identity().await?;
            if slot.as_ref().is_none_or(|c| c.is_closed()) {
                *slot = Some(self.config()?.connect().await?);
            }
            let client = slot.as_mut().expect("connected above");
            let pushed = match push(client, &rows, &me).await {
                Ok(n) => n,
                Err(e) => {
                    *slot = None;
                    return Err(e);
                }
            };
            lock(db)?.team_queue_done(last)?;
            report.pushed += pushed;
        }
        report.remaining = lock(db)?.team_queue_len()?;
        Ok(report)
    }
}

const PUSH_OPERATION: &str = "INSERT INTO signet.operations (desk_id, key, branch, operator, desk_name, area, kind, subject, status, request, response, attempts, created_at, updated_at, search)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                     ON CONFLICT (desk_id, key) DO UPDATE SET status = EXCLUDED.status, response = EXCLUDED.response, attempts = EXCLUDED.attempts, updated_at = EXCLUDED.updated_at
                     WHERE signet.operations.updated_at <= EXCLUDED.updated_at";
const PUSH_EVIDENCE: &str = "INSERT INTO signet.evidence (desk_id, seq, branch, kind, session_id, debt_key, body, recorded_at, prev_hash, hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (desk_id, seq) DO NOTHING";
const PUSH_BULK_RUN: &str = "INSERT INTO signet.bulk_runs (desk_id, id, branch, operator, source, state, rows_total, rows_sent, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                     ON CONFLICT (desk_id, id) DO UPDATE SET state = EXCLUDED.state, rows_sent = EXCLUDED.rows_sent, updated_at = EXCLUDED.updated_at";
const PUSH_FOLLOWED: &str =
    "INSERT INTO signet.followed_signatures (desk_id, spi_request_uuid, branch, label, added_at, signed) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (desk_id, spi_request_uuid) DO UPDATE SET label = EXCLUDED.label, signed = EXCLUDED.signed";

/// The batch's statements, each prepared once (then one round trip per row).
#[derive(Default)]
struct Statements(std::collections::HashMap<&'static str, tokio_postgres::Statement>);

impl Statements {
    async fn get(&mut self, tx: &tokio_postgres::Transaction<'_>, sql: &'static str) -> Result<tokio_postgres::Statement> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let s = tx.prepare(sql).await.map_err(|e| db_error("the team store could not prepare a write", e))?;
        self.0.insert(sql, s.clone());
        Ok(s)
    }
}

/// Writes one batch in one transaction.
async fn push(client: &mut tokio_postgres::Client, rows: &[Row], me: &super::DeskIdentity) -> Result<u64> {
    let desk = uuid::Uuid::parse_str(&me.desk_id).map_err(|e| CoreError::Conflict(format!("this desk's id is not a UUID: {e}")))?;
    let tx = client.transaction().await.map_err(|e| db_error("the team store could not start a transaction", e))?;
    let mut pushed = 0;
    let mut statements = Statements::default();
    for row in rows {
        match row {
            Row::Operation(op) => {
                let search = format!("{} {} {} {}", op.subject, op.kind, op.key, op.area);
                let status = op.status.as_str();
                tx.execute(
                    &statements.get(&tx, PUSH_OPERATION).await?,
                    &[
                        &desk,
                        &op.key,
                        &me.branch,
                        &me.operator,
                        &me.desk_name,
                        &op.area,
                        &op.kind,
                        &op.subject,
                        &status,
                        &op.request,
                        &op.response,
                        &(op.attempts as i32),
                        &ts(&op.created_at)?,
                        &ts(&op.updated_at)?,
                        &search,
                    ],
                )
                .await
                .map_err(|e| db_error("the team store did not take an operation", e))?;
            }
            Row::Evidence(r) => {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or(serde_json::Value::String(r.body.clone()));
                tx.execute(
                    &statements.get(&tx, PUSH_EVIDENCE).await?,
                    &[&desk, &(r.seq as i64), &me.branch, &r.kind, &r.session_id, &r.debt_key, &body, &ts(&r.recorded_at)?, &r.prev_hash, &r.hash],
                )
                .await
                .map_err(|e| db_error("the team store did not take an evidence record", e))?;
            }
            Row::BulkRun(b) => {
                tx.execute(
                    &statements.get(&tx, PUSH_BULK_RUN).await?,
                    &[
                        &desk,
                        &b.id,
                        &me.branch,
                        &me.operator,
                        &b.source,
                        &b.state,
                        &(b.rows_total as i32),
                        &(b.rows_sent as i32),
                        &ts(&b.created_at)?,
                        &ts(&b.updated_at)?,
                    ],
                )
                .await
                .map_err(|e| db_error("the team store did not take a bulk run", e))?;
            }
            Row::Followed(f) => {
                tx.execute(&statements.get(&tx, PUSH_FOLLOWED).await?, &[&desk, &f.spi_request_uuid, &me.branch, &f.label, &ts(&f.added_at)?, &f.signed])
                    .await
                    .map_err(|e| db_error("the team store did not take a followed signature", e))?;
            }
            Row::Override(o) => {
                // Recorded now that the store is back: the next attempt of its key,
                // flagged, so the team sees this desk sent it unchecked.
                let key = super::BusinessKey { scope: o.scope.clone(), key: o.business_key.clone(), again: false };
                let note = format!("sent at {} while the team store could not be reached: {}", o.at, o.note);
                super::claims::claim_with(&tx, me, &key, &o.operation_key, super::claims::Mode::Next { offline: true }, &note, &|_| true).await?;
            }
            Row::Gone => {}
        }
        pushed += 1;
    }
    tx.commit().await.map_err(|e| db_error("the team store did not commit a batch", e))?;
    Ok(pushed)
}

fn read(store: &Store, entity: &str, key: &str) -> Result<Row> {
    Ok(match entity {
        "operation" => store.operation(key)?.map(Row::Operation).unwrap_or(Row::Gone),
        "evidence" => key.parse::<u64>().ok().and_then(|seq| store.evidence_at(seq).transpose()).transpose()?.map(Row::Evidence).unwrap_or(Row::Gone),
        "bulk_run" => store.bulk_run_summary(key)?.map(Row::BulkRun).unwrap_or(Row::Gone),
        "followed_signature" => match key.split_once('/') {
            Some((profile, spi)) => store.followed_summary(profile, spi)?.map(Row::Followed).unwrap_or(Row::Gone),
            None => Row::Gone,
        },
        "override" => store.team_override(key)?.map(Row::Override).unwrap_or(Row::Gone),
        _ => Row::Gone,
    })
}
