//! Provider calls go through here: the operation is written (pending, with a fresh
//! operation key) before any network I/O, and its result after. If the process dies
//! in between, the record stays pending; if the outcome cannot be known, it is
//! marked unknown so nobody resends it blindly.

use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use signet_providers::ProviderError;

use crate::error::{CoreError, Result};
use crate::group_commit::GroupCommit;
use crate::send_journal::{Fate, Journal, LeftJournals};
use crate::store::StoredOverride;
use crate::store::{OperationRecord, OperationStatus, Store};
use crate::team::claims::{Claim, Mode};
use crate::team::{BusinessKey, ClaimHolder, Team};

/// What an operation is, before it is sent.
pub struct NewOperation<'a> {
    pub area: &'a str,
    pub kind: &'a str,
    pub profile_id: &'a str,
    pub subject: &'a str,
    /// A summary of what is sent; never a secret.
    pub request: serde_json::Value,
    /// In team mode, the business key claimed team-wide before it is sent (the
    /// cross-desk duplicate guard); `None` for writes that have none.
    pub claim: Option<BusinessKey>,
    /// The operator chose to send without the team check while the team store
    /// cannot be reached; recorded, and shown team-wide once it is back.
    pub unchecked: bool,
}

/// What the operator decided when the team guard stopped a send: send again on
/// purpose (another desk, or this one, already sent it), or send without the team
/// check while the team store cannot be reached. Both are recorded team-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct SendChoice {
    pub again: bool,
    pub unchecked: bool,
}

impl NewOperation<'_> {
    /// The same operation with a business key to claim, as the operator chose.
    pub fn claiming(mut self, scope: &str, key: &str, choice: SendChoice) -> Self {
        self.claim = Some(BusinessKey::new(scope, key, choice.again));
        self.unchecked = choice.unchecked;
        self
    }
}

pub fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("UTC timestamps always format")
}

/// The database behind its lock; a poisoned lock is reported, not a panic.
pub(crate) fn lock(db: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>> {
    db.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned by an earlier failure; restart Signet".into()))
}

/// What to do when no connection to the provider could be made (nothing was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnUnreachable {
    /// Record it as failed: the caller (e.g. a bulk run) reports and resends it itself.
    Fail,
    /// Keep it waiting; `retry` sends it again, with backoff, once the network is back.
    Wait,
}

/// Records `op`, runs `send` with its operation key, records the outcome. Returns
/// the operation key with the provider's answer.
pub async fn run<T, F, Fut>(db: &Mutex<Store>, op: NewOperation<'_>, send: F) -> Result<(String, T)>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    run_inner(db, None, op, OnUnreachable::Fail, |_, _| Ok(()), send).await
}

/// As `run`, but an operation that cannot reach the provider waits for the network
/// (error code `waiting`) instead of failing; `retry` sends it later by itself.
pub async fn run_or_wait<T, F, Fut>(db: &Mutex<Store>, op: NewOperation<'_>, send: F) -> Result<(String, T)>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    run_inner(db, None, op, OnUnreachable::Wait, |_, _| Ok(()), send).await
}

/// As `run`, for one row of a bulk run: `link` writes the operation key into the
/// row in the same transaction that records the operation, and both writes (the
/// record and the answer) share their durable commits with the rows sent beside it.
pub async fn run_linked<T, F, Fut>(
    db: &Mutex<Store>,
    group: &GroupCommit,
    op: NewOperation<'_>,
    link: impl Fn(&Store, &str) -> Result<()> + Send + 'static,
    send: F,
) -> Result<(String, T)>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    run_inner(db, Some(group), op, OnUnreachable::Fail, link, send).await
}

/// Runs `write` in a durable transaction of its own, or in the group's.
async fn write_durably(db: &Mutex<Store>, group: Option<&GroupCommit>, write: impl Fn(&Store) -> Result<()> + Send + 'static) -> Result<()> {
    match group {
        Some(group) => group.write(write).await,
        None => lock(db)?.atomically(|s| write(s)),
    }
}

/// What the team store said about the operation's business key.
#[derive(Clone)]
enum TeamCheck {
    /// Not in team mode, no key to claim, or claimed: send.
    Clear,
    /// Sent without the check, on the operator's word: recorded as an override.
    Unchecked(String),
    /// The store cannot be reached and the operation waits for it.
    Wait(String),
}

/// Claims the operation's business key in the team store, if there is one to ask.
async fn check_team(
    db: &Mutex<Store>,
    group: Option<&GroupCommit>,
    op: &NewOperation<'_>,
    key: &str,
    on_unreachable: OnUnreachable,
) -> Result<std::result::Result<TeamCheck, ClaimHolder>> {
    let team = match group {
        Some(group) => group.team(),
        None => lock(db)?.team_for(op.profile_id),
    };
    let (Some(claim), Some(team)) = (&op.claim, team) else { return Ok(Ok(TeamCheck::Clear)) };
    // A bulk row's usual claim goes with the rows claiming beside it; anything but a
    // plain grant is then settled by the claim on its own, below.
    if let (Some(group), false) = (group, claim.again) {
        if group.claim_first(claim, key).await {
            return Ok(Ok(TeamCheck::Clear));
        }
    }
    claim_alone(db, &team, claim, op.unchecked, key, on_unreachable).await
}

/// The claim on its own: finds the holder, applies the takeover rule, or says what
/// to do while the team store cannot be reached.
async fn claim_alone(
    db: &Mutex<Store>,
    team: &Team,
    claim: &BusinessKey,
    unchecked: bool,
    key: &str,
    on_unreachable: OnUnreachable,
) -> Result<std::result::Result<TeamCheck, ClaimHolder>> {
    let mode = if claim.again { Mode::Next { offline: false } } else { Mode::First };
    // An operation of ours failed as never sent does not hold its claim.
    let known = |k: &str| lock(db).ok().and_then(|s| s.operation(k).ok().flatten()).is_some_and(|op| !op.never_sent());
    match team.claim(claim, key, mode, if claim.again { "sent again on purpose" } else { "" }, known).await {
        Ok(Claim::Granted) => Ok(Ok(TeamCheck::Clear)),
        Ok(Claim::Held(holder)) => Ok(Err(holder)),
        Err(CoreError::TeamUnreachable(why)) if unchecked => Ok(Ok(TeamCheck::Unchecked(why))),
        Err(CoreError::TeamUnreachable(why)) if on_unreachable == OnUnreachable::Wait => Ok(Ok(TeamCheck::Wait(why))),
        Err(CoreError::TeamUnreachable(why)) => Err(CoreError::TeamUnreachable(format!(
            "The team store cannot be reached ({why}), so Signet cannot check that no other desk already sent this. Nothing was sent. Try again when it is back, or send it without the check (recorded, and shown to the team)."
        ))),
        Err(e) => Err(e),
    }
}

/// Writes down what the team store said, in the transaction that records the
/// operation or (for a bulk row whose first claim was not granted) right after it.
fn record_team_check(store: &Store, key: &str, check: &std::result::Result<TeamCheck, ClaimHolder>, claim: Option<&BusinessKey>) -> Result<()> {
    match check {
        // Held by another desk: recorded as not sent (a bulk row shows why).
        Err(holder) => {
            let response = serde_json::to_value(CoreError::ClaimedElsewhere(Box::new(holder.clone())).body()).unwrap_or_default();
            store.finish_operation(key, OperationStatus::Failed, &response, &now())
        }
        Ok(TeamCheck::Wait(why)) => {
            let response = serde_json::json!({ "code": "team_unreachable", "message": why });
            store.wait_operation(key, &response, &now(), &retry_time(2))
        }
        Ok(TeamCheck::Unchecked(why)) => {
            let claim = claim.expect("an unchecked send has a key");
            store.record_team_override(&StoredOverride {
                operation_key: key.to_string(),
                scope: claim.scope.clone(),
                business_key: claim.key.clone(),
                at: now(),
                note: why.clone(),
            })
        }
        Ok(TeamCheck::Clear) => Ok(()),
    }
}

/// `op` as it is recorded before it is sent, with its claim (JSON) if it has one.
fn pending_record(op: &NewOperation<'_>, key: &str) -> (OperationRecord, Option<String>) {
    let at = now();
    let claim_json = op.claim.as_ref().map(|c| serde_json::to_string(c).expect("a business key serializes"));
    let record = OperationRecord {
        key: key.to_string(),
        area: op.area.into(),
        kind: op.kind.into(),
        profile_id: op.profile_id.into(),
        subject: op.subject.into(),
        request: op.request.clone(),
        status: OperationStatus::Pending,
        response: None,
        created_at: at.clone(),
        updated_at: at,
        attempts: 1,
        retry_at: None,
        checkable_with: None,
    };
    (record, claim_json)
}

/// Records a bulk row ahead of its turn (single-desk runs only: a team row's claim
/// must be settled just before it goes), tied to its row by `link`, named in the
/// run's sending journal first. Returns its operation key once the record is
/// durable; `send_reserved` sends it later without waiting for the disk.
pub async fn reserve_linked(
    group: &GroupCommit,
    journal: &Arc<Journal>,
    op: NewOperation<'_>,
    link: impl Fn(&Store, &str) -> Result<()> + Send + 'static,
) -> Result<String> {
    let key = uuid::Uuid::new_v4().to_string();
    let (record, claim_json) = pending_record(&op, &key);
    journal.recording(&key)?;
    let linked = key.clone();
    // The write holds the journal (and its lock) until it has committed, even if
    // the run is dropped meanwhile.
    let held = journal.clone();
    group
        .write(move |s| {
            let _held = &held;
            s.insert_claiming_operation(&record, claim_json.as_deref())?;
            link(s, &linked)
        })
        .await?;
    Ok(key)
}

/// Sends a row recorded by `reserve_linked`; its answer is journaled at once and
/// committed with the next rows' records. If the journal cannot be written the row
/// is not sent, and is recorded as never sent so a resumed run sends it.
pub async fn send_reserved<T, F, Fut>(db: &Mutex<Store>, group: &GroupCommit, journal: &Journal, key: &str, send: F) -> Result<T>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    if let Err(e) = journal.sending(key) {
        release_reserved(group, key, &e.to_string()).await;
        return Err(e);
    }
    tracing::info!(operation = %key, "operation recorded ahead; sending");
    send_recorded(db, Some(group), Some(journal), key, 1, OnUnreachable::Fail, send).await
}

/// A row recorded ahead that will not be sent now (its run stopped on a storage
/// failure): recorded as never sent, its row back to "not sent yet". If even that
/// cannot be written, the next start settles it from the journal.
pub async fn release_reserved(group: &GroupCommit, key: &str, why: &str) {
    let (unsent, why) = (key.to_string(), why.to_string());
    if let Err(e) = group.write(move |s| s.mark_never_sent(&unsent, &why, &now()).map(drop)).await {
        tracing::error!(operation = %key, "could not record that it was never sent: {e}");
    }
}

async fn run_inner<T, F, Fut>(
    db: &Mutex<Store>,
    group: Option<&GroupCommit>,
    op: NewOperation<'_>,
    on_unreachable: OnUnreachable,
    link: impl Fn(&Store, &str) -> Result<()> + Send + 'static,
    send: F,
) -> Result<(String, T)>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    let key = uuid::Uuid::new_v4().to_string();
    let (record, claim_json) = pending_record(&op, &key);
    let recorded_key = key.clone();
    let record_with = move |check: std::result::Result<TeamCheck, ClaimHolder>, claim: Option<BusinessKey>| {
        move |store: &Store| {
            store.insert_claiming_operation(&record, claim_json.as_deref())?;
            link(store, &recorded_key)?;
            record_team_check(store, &recorded_key, &check, claim.as_ref())
        }
    };
    let team = match (group, group.and_then(GroupCommit::team), &op.claim) {
        // A bulk row in team mode: its usual first claim and its record go at the
        // same time, since each waits on its own database's commit. The row is sent
        // only once both are done; a claim not granted is then settled on its own
        // and written down after the record (a crash in between leaves the record
        // pending, so it is reported unknown, never sent blindly).
        (Some(group), Some(team_store), Some(claim)) if !claim.again => {
            let (granted, recorded) = futures::join!(group.claim_first(claim, &key), group.write(record_with(Ok(TeamCheck::Clear), None)));
            recorded?;
            let team = if granted { Ok(Ok(TeamCheck::Clear)) } else { claim_alone(db, &team_store, claim, op.unchecked, &key, on_unreachable).await };
            let team = match team {
                Ok(team) => team,
                Err(e) => {
                    // No claim, so nothing was sent: recorded as such, and the row goes
                    // back to waiting for its turn. A failure to write that is logged;
                    // the operator needs the claim's error.
                    let (unsent, why) = (key.clone(), e.to_string());
                    if let Err(w) = group.write(move |s| s.mark_never_sent(&unsent, &why, &now()).map(drop)).await {
                        tracing::error!(operation = %key, "could not record that it was never sent: {w}");
                    }
                    return Err(e);
                }
            };
            if !matches!(team, Ok(TeamCheck::Clear)) {
                let (settled_key, check, claim) = (key.clone(), team.clone(), op.claim.clone());
                match group.write(move |s| record_team_check(s, &settled_key, &check, claim.as_ref())).await {
                    // Held elsewhere: not sent either way, and the operator needs to know by whom.
                    Err(w) if team.is_err() => tracing::error!(operation = %key, "could not record that another desk holds it: {w}"),
                    // An override not on record is not sent.
                    written => written?,
                }
            }
            team
        }
        _ => {
            let team = check_team(db, group, &op, &key, on_unreachable).await?;
            write_durably(db, group, record_with(team.clone(), op.claim.clone())).await?;
            team
        }
    };
    match team {
        Err(holder) => return Err(CoreError::ClaimedElsewhere(Box::new(holder))),
        Ok(TeamCheck::Wait(why)) => {
            return Err(CoreError::Waiting {
                operation_key: key.clone(),
                message: format!(
                    "The team store cannot be reached ({why}), so Signet cannot yet check that no other desk sent {}. Nothing was sent; it waits and goes by itself once the team store is back (Activity lists it as waiting).",
                    op.subject
                ),
            })
        }
        Ok(TeamCheck::Unchecked(_)) => tracing::warn!(operation = %key, "sent without the team check, on the operator's word"),
        Ok(TeamCheck::Clear) => {}
    }
    tracing::info!(operation = %key, kind = op.kind, "operation recorded; sending");
    let answer = send_recorded(db, group, None, &key, 1, on_unreachable, send).await?;
    Ok((key, answer))
}

/// When try number `attempt` of a waiting operation is due.
fn retry_time(attempt: u32) -> String {
    (time::OffsetDateTime::now_utc() + wait_before_try(attempt)).format(&time::format_description::well_known::Rfc3339).expect("UTC timestamps always format")
}

/// Sends a recorded (pending) operation and records what came of it.
async fn send_recorded<T, F, Fut>(
    db: &Mutex<Store>,
    group: Option<&GroupCommit>,
    journal: Option<&Journal>,
    key: &str,
    attempts: u32,
    on_unreachable: OnUnreachable,
    send: F,
) -> Result<T>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    let result = send(key.to_string()).await;
    let waits = matches!(result, Err(ProviderError::Unreachable { .. })) && on_unreachable == OnUnreachable::Wait;
    let retry_at = retry_time(attempts + 1);
    let (status, response, waiting_until) = match &result {
        Ok(answer) => (OperationStatus::Sent, serde_json::to_value(answer).unwrap_or_default(), None),
        Err(e) => {
            let body = serde_json::to_value(CoreError::body_of_provider(e)).unwrap_or_default();
            if waits {
                (OperationStatus::Pending, body, Some(retry_at.clone()))
            } else {
                (status_after(e), body, None)
            }
        }
    };
    if let (Some(journal), None) = (journal, &waiting_until) {
        journal.answered(key, status, &response);
    }
    let written_key = key.to_string();
    let write = move |s: &Store| {
        let written = match &waiting_until {
            Some(at) => s.wait_operation(&written_key, &response, &now(), at),
            None => s.finish_operation(&written_key, status, &response, &now()),
        };
        // The call already happened: a failure to write its result must not hide it.
        // The record then stays pending, which is the truth as far as the disk knows.
        if let Err(e) = &written {
            tracing::error!(operation = %written_key, "could not record the outcome: {e}");
        }
        written
    };
    match group {
        // A bulk row's answer goes with the next record this slot commits.
        Some(group) => group.enqueue(write),
        // A failed write has logged itself; a poisoned lock has not.
        None => match lock(db) {
            Ok(store) => {
                let _ = store.atomically(|s| write(s));
            }
            Err(e) => tracing::error!(operation = %key, "could not record the outcome: {e}"),
        },
    }
    tracing::info!(operation = %key, ok = result.is_ok(), waits, "operation finished");
    match result {
        Ok(answer) => Ok(answer),
        Err(ProviderError::Unreachable { provider, reason }) if waits => Err(CoreError::Waiting {
            operation_key: key.to_string(),
            message: format!(
                "{provider} could not be reached ({reason}). Nothing was sent. Signet will send it by itself when the network is back (next try at {retry_at}); Activity lists it as waiting."
            ),
        }),
        // An answer we cannot trust leaves the write unknown; say so, with the key.
        Err(e @ (ProviderError::BadResponse { provider, .. } | ProviderError::ResponseSignature { provider, .. })) => {
            Err(ProviderError::OutcomeUnknown { provider, operation_key: key.to_string(), reason: e.to_string() }.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// First wait for the network: short, so a blip costs little.
const FIRST_WAIT: time::Duration = time::Duration::seconds(15);
/// The longest wait between two tries.
const LONGEST_WAIT: time::Duration = time::Duration::minutes(10);
/// After this long waiting, an operation is given up (failed, nothing sent): a
/// payment request a day late would surprise the customer more than help them.
pub const GIVE_UP_AFTER: time::Duration = time::Duration::hours(24);

/// How long to wait before try number `attempt` (2 or more): doubling, capped.
fn wait_before_try(attempt: u32) -> time::Duration {
    let doublings = attempt.saturating_sub(2).min(10);
    (FIRST_WAIT * (1u32 << doublings) as f64).min(LONGEST_WAIT)
}

/// Fails a waiting operation that has waited past `GIVE_UP_AFTER` (nothing was
/// sent). True if it was given up, by this call or another process.
pub fn give_up_if_stale(db: &Mutex<Store>, op: &OperationRecord) -> Result<bool> {
    let created =
        time::OffsetDateTime::parse(&op.created_at, &time::format_description::well_known::Rfc3339).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    if time::OffsetDateTime::now_utc() - created <= GIVE_UP_AFTER {
        return Ok(false);
    }
    let store = lock(db)?;
    let note = serde_json::json!({
        "code": "gave_up",
        "message": format!("The provider could not be reached in {} tries over a day. Nothing was sent; send it again if it is still wanted.", op.attempts),
        "previous": op.response,
    });
    // Only if still waiting: another process may have taken it meanwhile. Claim and
    // fail together, so a crash between them cannot leave it pending.
    let gave_up = store.atomically(|s| {
        let claimed = s.claim_waiting(&op.key, &now())?;
        if claimed {
            s.finish_operation(&op.key, OperationStatus::Failed, &note, &now())?;
        }
        Ok(claimed)
    })?;
    if gave_up {
        tracing::warn!(operation = %op.key, "gave up waiting for the network");
    }
    Ok(true)
}

/// Sends again a waiting operation whose time has come, under the same operation
/// key (it never reached the provider). `None` if another process took it first.
/// Still unreachable: it waits longer.
pub async fn retry<T, F, Fut>(db: &Mutex<Store>, op: &OperationRecord, send: F) -> Result<Option<T>>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    if !lock(db)?.claim_waiting(&op.key, &now())? {
        return Ok(None);
    }
    // In team mode its business key is claimed again first (it may have waited for
    // the team store itself): another desk may have sent it meanwhile.
    let claim: Option<BusinessKey> = lock(db)?.operation_claim(&op.key)?.and_then(|c| serde_json::from_str(&c).ok());
    let team = lock(db)?.team_for(&op.profile_id);
    if let (Some(claim), Some(team)) = (claim, team) {
        let mode = if claim.again { Mode::Next { offline: false } } else { Mode::First };
        match team.claim(&claim, &op.key, mode, "", |_| true).await {
            Ok(Claim::Granted) => {}
            Ok(Claim::Held(holder)) => {
                let err = CoreError::ClaimedElsewhere(Box::new(holder));
                lock(db)?.finish_operation(&op.key, OperationStatus::Failed, &serde_json::to_value(err.body()).unwrap_or_default(), &now())?;
                return Err(err);
            }
            Err(CoreError::TeamUnreachable(why)) => {
                let retry_at = retry_time(op.attempts + 1);
                lock(db)?.wait_operation(&op.key, &serde_json::json!({ "code": "team_unreachable", "message": why }), &now(), &retry_at)?;
                return Err(CoreError::Waiting {
                    operation_key: op.key.clone(),
                    message: format!("The team store still cannot be reached ({why}); next try at {retry_at}."),
                });
            }
            Err(e) => {
                lock(db)?.wait_operation(&op.key, &serde_json::json!({ "code": e.code(), "message": e.to_string() }), &now(), &retry_time(op.attempts + 1))?;
                return Err(e);
            }
        }
    }
    tracing::info!(operation = %op.key, attempt = op.attempts + 1, "sending a waiting operation again");
    send_recorded(db, None, None, &op.key, op.attempts + 1, OnUnreachable::Wait, send).await.map(Some)
}

/// The operator's "don't send it" for a waiting operation: failed, with a note.
pub fn cancel_waiting(store: &Store, key: &str) -> Result<OperationRecord> {
    let op = store.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))?;
    let note = serde_json::json!({ "code": "cancelled", "message": "The operator cancelled it while it waited for the network. Nothing was sent.", "previous": op.response });
    let cancelled = store.atomically(|s| {
        let claimed = s.claim_waiting(key, &now())?;
        if claimed {
            s.finish_operation(key, OperationStatus::Failed, &note, &now())?;
        }
        Ok(claimed)
    })?;
    if !cancelled {
        return Err(CoreError::Conflict(format!("Operation {key} is {}, not waiting; there is nothing to cancel.", status_word(op.status))));
    }
    store.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))
}

/// The operator's "try now" for a waiting operation.
pub fn retry_now(store: &Store, key: &str) -> Result<()> {
    if store.reschedule_waiting(key, &now())? {
        Ok(())
    } else {
        Err(CoreError::Conflict(format!("Operation {key} is not waiting for the network.")))
    }
}

/// Brings every waiting operation's next try forward to now; returns how many.
pub fn retry_all_now(store: &Store) -> Result<usize> {
    store.reschedule_all_waiting(&now())
}

/// A status as the operator reads it.
pub fn status_word(status: OperationStatus) -> &'static str {
    match status {
        OperationStatus::Pending => "being sent",
        OperationStatus::Sent => "sent",
        OperationStatus::Failed => "failed",
        OperationStatus::Unknown => "of unknown outcome",
        OperationStatus::Waiting => "waiting for the network",
    }
}

/// What the operator decided about an operation whose outcome was unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Resolution {
    /// They checked with the provider or the customer: it arrived.
    Sent,
    /// They checked: it did not arrive (it may then be sent again deliberately).
    NotSent,
}

/// Records the operator's decision on an unknown operation, keeping what was known
/// before under `previous` so the history shows both.
pub fn resolve(store: &Store, key: &str, resolution: Resolution, note: &str) -> Result<OperationRecord> {
    resolve_with(store, key, resolution, note, None)
}

/// `resolve`, with what a check with the provider found (kept under `found`).
pub fn resolve_with(store: &Store, key: &str, resolution: Resolution, note: &str, found: Option<serde_json::Value>) -> Result<OperationRecord> {
    let op = store.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))?;
    if op.status != OperationStatus::Unknown {
        return Err(CoreError::Conflict(format!("Operation {key} is {}, not unknown; there is nothing to resolve.", status_word(op.status))));
    }
    let (status, said) = match resolution {
        Resolution::Sent => (OperationStatus::Sent, "confirmed as received"),
        Resolution::NotSent => (OperationStatus::Failed, "confirmed as not received"),
    };
    let mut response = serde_json::json!({
        "resolvedBy": "operator",
        "resolution": said,
        "note": note,
        "previous": op.response,
    });
    if let Some(found) = found {
        response["found"] = found;
    }
    store.finish_operation(key, status, &response, &now())?;
    tracing::info!(operation = %key, ?status, "unknown operation resolved by the operator");
    store.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))
}

/// Which provider can be asked whether an operation of this kind arrived, when its
/// outcome is unknown (the others are settled by asking the customer).
pub fn checkable_with(kind: &str) -> Option<&'static str> {
    match kind {
        crate::signatures::CAPTURE_KIND => Some(signet_providers::kpay::PROVIDER),
        crate::leegality::CREATE_KIND => Some(signet_providers::leegality::PROVIDER),
        _ => None,
    }
}

/// An in-flight call cannot outlive this (total timeout x attempts, with backoff).
const LONGEST_FLIGHT: time::Duration = time::Duration::minutes(10);

/// Marks as unknown every pending operation whose sender is gone: it died (crash,
/// kill, power loss) between recording and finishing, so the request may or may not
/// have reached the provider. Returns how many were marked. Run at start-up.
///
/// Bulk rows recorded ahead are first settled by their sending journals.
pub fn recover_interrupted(store: &Store) -> Result<usize> {
    let mut marked = settle_from_journals(store)?;
    let cutoff = time::OffsetDateTime::now_utc() - LONGEST_FLIGHT;
    for (key, owner, updated_at) in store.pending_operations()? {
        let stale = time::OffsetDateTime::parse(&updated_at, &time::format_description::well_known::Rfc3339).map(|t| t < cutoff).unwrap_or(true);
        let sender_alive = owner.is_some_and(|pid| pid == std::process::id() || process_alive(pid));
        if (stale || !sender_alive) && store.finish_pending(&key, OperationStatus::Unknown, &interrupted_note(), &now())? {
            tracing::warn!(operation = %key, "interrupted operation marked unknown");
            marked += 1;
        }
    }
    Ok(marked)
}

fn interrupted_note() -> serde_json::Value {
    serde_json::json!({
        "code": "interrupted",
        "message": "Signet stopped while this was being sent. It may or may not have reached the provider: check before sending it again.",
    })
}

/// Settles the pending bulk rows of sendings that ended without finishing (killed,
/// or stopped by a failed write) by what their journals say, then removes those
/// journals: never sent (the row goes back to "not sent yet"), answered (the answer
/// is recorded), or sent with no answer (unknown). Only journals of this boot whose
/// writer is gone are read. Returns how many were marked unknown.
pub fn settle_from_journals(store: &Store) -> Result<usize> {
    let left = LeftJournals::read(store);
    let mut unknown = 0;
    for (key, _, _) in store.pending_operations()? {
        let Some(fate) = left.fate(&key) else { continue };
        let (settled, said) = match fate {
            Fate::NotSent => {
                let why = "Signet stopped after recording this row and before sending it: it was not sent. Resuming the run sends it.";
                (store.atomically(|s| s.mark_never_sent(&key, why, &now()))?, "interrupted before it was sent; its row goes back to not sent yet")
            }
            Fate::Answered(status, response) => {
                (store.finish_pending(&key, *status, response, &now())?, "interrupted after its answer came; the answer is recorded from the journal")
            }
            Fate::InFlight => (store.finish_pending(&key, OperationStatus::Unknown, &interrupted_note(), &now())?, "interrupted operation marked unknown"),
        };
        if settled {
            tracing::info!(operation = %key, "{said}");
            unknown += usize::from(*fate == Fate::InFlight);
        }
    }
    left.remove();
    Ok(unknown)
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    // Signal 0 checks for existence without touching the process.
    let Ok(pid) = i32::try_from(pid) else { return false };
    unsafe { libc::kill(pid, 0) == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) }
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    // Without a cheap liveness check, only age (LONGEST_FLIGHT) releases a record.
    true
}

/// How a failed call leaves the operation: failed (safe to fix and resend) or
/// unknown (it may have been acted on).
fn status_after(e: &ProviderError) -> OperationStatus {
    match e {
        ProviderError::OutcomeUnknown { .. } | ProviderError::BadResponse { .. } | ProviderError::ResponseSignature { .. } => OperationStatus::Unknown,
        ProviderError::Invalid { .. } | ProviderError::Rejected(_) | ProviderError::Unauthorized { .. } | ProviderError::Unreachable { .. } => {
            OperationStatus::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(subject: &str) -> NewOperation<'_> {
        NewOperation {
            area: "payments",
            kind: "payment_request.send",
            profile_id: "sandbox",
            subject,
            request: serde_json::json!({"x": 1}),
            claim: None,
            unchecked: false,
        }
    }

    #[tokio::test]
    async fn the_operation_is_on_disk_before_the_call_and_its_outcome_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = Mutex::new(Store::open_in(dir.path()).unwrap());
        let (key, answer) = run(&db, op("inv-1"), |key| {
            // While the call is under way, the record exists and says pending.
            let seen = db.lock().unwrap().operation(&key).unwrap().unwrap();
            assert_eq!(seen.status, OperationStatus::Pending);
            async move { Ok::<_, ProviderError>(serde_json::json!({"paymentLink": "https://pay/1"})) }
        })
        .await
        .unwrap();
        assert_eq!(answer["paymentLink"], "https://pay/1");
        drop(db);

        // Reopened from the file: sent, with the answer.
        let store = Store::open_in(dir.path()).unwrap();
        let rec = store.operation(&key).unwrap().unwrap();
        assert_eq!((rec.status, rec.response.unwrap()["paymentLink"].as_str()), (OperationStatus::Sent, Some("https://pay/1")));
    }

    #[tokio::test]
    async fn failures_are_kept_as_failed_or_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let db = Mutex::new(Store::open_in(dir.path()).unwrap());
        let unknown = run(&db, op("inv-2"), |key| async move {
            Err::<(), _>(ProviderError::OutcomeUnknown { provider: "myKaarma", operation_key: key, reason: "cut".into() })
        })
        .await
        .unwrap_err();
        assert_eq!(unknown.code(), "outcome_unknown");
        let refused = run(&db, op("inv-2"), |_| async { Err::<(), _>(ProviderError::Unreachable { provider: "myKaarma", reason: "no route".into() }) })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "transport");

        let history = db.lock().unwrap().operations_about("payments", "inv-2").unwrap();
        let statuses: Vec<_> = history.iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![OperationStatus::Failed, OperationStatus::Unknown], "newest first");
        assert_eq!(history[1].response.as_ref().unwrap()["code"], "outcome_unknown");
    }
}

#[cfg(test)]
mod recovery_tests {
    use super::*;

    #[test]
    fn only_unknown_operations_are_resolved_and_the_earlier_answer_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let at = now();
        let mut op = OperationRecord {
            key: "k1".into(),
            area: "payments".into(),
            kind: "payment_request.send".into(),
            profile_id: "sandbox".into(),
            subject: "inv".into(),
            request: serde_json::json!({}),
            status: OperationStatus::Unknown,
            response: Some(serde_json::json!({"code": "outcome_unknown"})),
            created_at: at.clone(),
            updated_at: at,
            attempts: 1,
            retry_at: None,
            checkable_with: None,
        };
        store.insert_operation(&op).unwrap();
        let done = resolve(&store, "k1", Resolution::Sent, "customer has the link").unwrap();
        assert_eq!(done.status, OperationStatus::Sent);
        let r = done.response.unwrap();
        assert_eq!((r["previous"]["code"].as_str(), r["note"].as_str()), (Some("outcome_unknown"), Some("customer has the link")));
        assert_eq!(resolve(&store, "k1", Resolution::NotSent, "").unwrap_err().code(), "conflict");
        op.key = "k2".into();
        store.insert_operation(&op).unwrap();
        assert_eq!(resolve(&store, "k2", Resolution::NotSent, "").unwrap().status, OperationStatus::Failed);
        assert_eq!(resolve(&store, "nope", Resolution::Sent, "").unwrap_err().code(), "not_found");
    }

    #[test]
    fn operations_of_a_dead_sender_become_unknown_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let at = now();
        let record = |key: &str| OperationRecord {
            key: key.into(),
            area: "payments".into(),
            kind: "payment_request.send".into(),
            profile_id: "sandbox".into(),
            subject: "inv".into(),
            request: serde_json::json!({}),
            status: OperationStatus::Pending,
            response: None,
            created_at: at.clone(),
            updated_at: at.clone(),
            attempts: 1,
            retry_at: None,
            checkable_with: None,
        };
        store.insert_operation(&record("mine")).unwrap();
        store.insert_operation(&record("dead")).unwrap();
        // A child that has exited stands for a sender that was killed mid-send.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead_pid = child.id();
        child.wait().unwrap();
        store.conn().execute("UPDATE operations SET owner_pid = ?1 WHERE key = 'dead'", [dead_pid]).unwrap();

        assert_eq!(recover_interrupted(&store).unwrap(), 1);
        assert_eq!(store.operation("mine").unwrap().unwrap().status, OperationStatus::Pending);
        let dead = store.operation("dead").unwrap().unwrap();
        assert_eq!(dead.status, OperationStatus::Unknown);
        assert_eq!(dead.response.unwrap()["code"], "interrupted");
        let counts = store.operation_counts().unwrap();
        assert!(counts.contains(&(OperationStatus::Unknown, 1)) && counts.contains(&(OperationStatus::Pending, 1)), "{counts:?}");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod journal_recovery_tests {
    use super::*;
    use crate::send_journal::{boot_id, folder};

    fn key(n: u32) -> String {
        format!("00000000-0000-4000-8000-{n:012}")
    }

    #[test]
    fn rows_recorded_ahead_are_settled_by_the_journals_no_sending_still_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let boot = boot_id().expect("Linux names its boot");
        store.insert_bulk_run("run", "sandbox", "file.csv", "sha", &now()).unwrap();
        // 1 recorded ahead, 2 sent, 3 answered, 4 of a journal still being written,
        // 5 of a journal from before a restart.
        for n in 1..=5 {
            store.insert_bulk_row("run", u64::from(n) + 1, "dept", "{}", None).unwrap();
            let op = NewOperation {
                area: "payments",
                kind: "payment_request.send",
                profile_id: "sandbox",
                subject: "inv",
                request: serde_json::json!({}),
                claim: None,
                unchecked: false,
            };
            store.insert_operation(&pending_record(&op, &key(n)).0).unwrap();
            assert!(store.link_bulk_row("run", u64::from(n) + 1, &key(n)).unwrap());
        }
        let journals = folder(&store);
        std::fs::create_dir_all(&journals).unwrap();
        let (k1, k2, k3, k4, k5) = (key(1), key(2), key(3), key(4), key(5));
        std::fs::write(
            journals.join(format!("run.a.{boot}")),
            format!("\nr {k1}\nr {k2}\nr {k3}\ns {k2}\ns {k3}\na {k3} sent {{\"paymentLink\":\"https://pay/3\"}}"),
        )
        .unwrap();
        let writing = journals.join(format!("run.b.{boot}"));
        std::fs::write(&writing, format!("\nr {k4}")).unwrap();
        let writer = std::fs::File::open(&writing).unwrap();
        writer.try_lock().unwrap();
        // The same words written in another boot say nothing: a power cut may have lost some.
        std::fs::write(journals.join("run.c.0000-other-boot"), format!("\nr {k5}")).unwrap();

        // Another process starting at the same moment reads it too: readers share.
        let other_reader = std::fs::File::open(journals.join(format!("run.a.{boot}"))).unwrap();
        other_reader.try_lock_shared().unwrap();
        // The sender's process id is this one's: only the journals' locks tell.
        assert_eq!(recover_interrupted(&store).unwrap(), 1, "only the row sent without an answer is unknown");
        drop(other_reader);
        let op = |key: &str| store.operation(key).unwrap().unwrap();
        assert!(op(&k1).never_sent(), "{:?}", op(&k1));
        assert_eq!(op(&k2).status, OperationStatus::Unknown);
        let answered = op(&k3);
        assert_eq!((answered.status, answered.response.unwrap()["paymentLink"].as_str()), (OperationStatus::Sent, Some("https://pay/3")));
        assert_eq!((op(&k4).status, op(&k5).status), (OperationStatus::Pending, OperationStatus::Pending), "a live sending's rows, and a live process's");
        // The row never sent goes back to "not sent yet"; the others keep their operation.
        let linked: Vec<_> = store.bulk_rows("run").unwrap().into_iter().map(|r| r.operation_key).collect();
        assert_eq!(linked, vec![None, Some(k2), Some(k3.clone()), Some(k4.clone()), Some(k5)]);
        let left: Vec<_> = std::fs::read_dir(&journals).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(left, vec![writing], "settled journals and other boots' are removed; the one being written stays");

        // Once its writer is gone, the last journal is settled too.
        drop(writer);
        assert_eq!(settle_from_journals(&store).unwrap(), 0);
        assert!(op(&k4).never_sent());
        assert_eq!(std::fs::read_dir(&journals).unwrap().count(), 0);

        // Only pending operations are settled: one already settled (by another
        // process starting at the same moment) keeps what it was given.
        std::fs::write(journals.join(format!("run.d.{boot}")), format!("\nr {k1}\ns {k1}\nr {k3}\ns {k3}")).unwrap();
        assert_eq!(recover_interrupted(&store).unwrap(), 0);
        assert!(op(&k1).never_sent());
        assert_eq!(op(&k3).status, OperationStatus::Sent);
    }
}
