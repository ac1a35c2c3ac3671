//! Provider calls go through here: the operation is written (pending, with a fresh
//! operation key) before any network I/O, and its result after. If the process dies
//! in between, the record stays pending; if the outcome cannot be known, it is
//! marked unknown so nobody resends it blindly.

use std::future::Future;
use std::sync::Mutex;

use serde::Serialize;
use signet_providers::ProviderError;

use crate::error::{CoreError, Result};
use crate::store::{OperationRecord, OperationStatus, Store};

/// What an operation is, before it is sent.
pub struct NewOperation<'a> {
    pub area: &'a str,
    pub kind: &'a str,
    pub profile_id: &'a str,
    pub subject: &'a str,
    /// A summary of what is sent; never a secret.
    pub request: serde_json::Value,
}

pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("UTC timestamps always format")
}

/// The database behind its lock; a poisoned lock is reported, not a panic.
pub(crate) fn lock(db: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>> {
    db.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned by an earlier failure; restart Signet".into()))
}

/// Records `op`, runs `send` with its operation key, records the outcome. Returns
/// the operation key with the provider's answer.
pub async fn run<T, F, Fut>(db: &Mutex<Store>, op: NewOperation<'_>, send: F) -> Result<(String, T)>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    run_linked(db, op, |_, _| Ok(()), send).await
}

/// As `run`, with `link` writing the operation key elsewhere (e.g. a bulk row) in
/// the same transaction that records the operation.
pub async fn run_linked<T, F, Fut>(
    db: &Mutex<Store>,
    op: NewOperation<'_>,
    link: impl FnOnce(&Store, &str) -> Result<()>,
    send: F,
) -> Result<(String, T)>
where
    T: Serialize,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = std::result::Result<T, ProviderError>>,
{
    let key = uuid::Uuid::new_v4().to_string();
    let at = now();
    let record = OperationRecord {
        key: key.clone(),
        area: op.area.into(),
        kind: op.kind.into(),
        profile_id: op.profile_id.into(),
        subject: op.subject.into(),
        request: op.request,
        status: OperationStatus::Pending,
        response: None,
        created_at: at.clone(),
        updated_at: at,
    };
    lock(db)?.atomically(|store| {
        store.insert_operation(&record)?;
        link(store, &key)
    })?;
    tracing::info!(operation = %key, kind = op.kind, "operation recorded; sending");

    let result = send(key.clone()).await;
    let (status, response) = match &result {
        Ok(answer) => (OperationStatus::Sent, serde_json::to_value(answer).unwrap_or(serde_json::Value::Null)),
        Err(e) => (status_after(e), serde_json::to_value(CoreError::body_of_provider(e)).unwrap_or_default()),
    };
    // The call already happened: a failure to write its result must not hide it.
    // The record then stays pending, which is the truth as far as the disk knows.
    if let Err(e) = lock(db).and_then(|s| s.finish_operation(&key, status, &response, &now())) {
        tracing::error!(operation = %key, "could not record the outcome: {e}");
    }
    tracing::info!(operation = %key, ?status, "operation finished");
    match result {
        Ok(answer) => Ok((key, answer)),
        // An answer we cannot trust leaves the write unknown; say so, with the key.
        Err(e @ (ProviderError::BadResponse { provider, .. } | ProviderError::ResponseSignature { provider, .. })) => {
            Err(ProviderError::OutcomeUnknown { provider, operation_key: key, reason: e.to_string() }.into())
        }
        Err(e) => Err(e.into()),
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
    let op = store.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))?;
    if op.status != OperationStatus::Unknown {
        return Err(CoreError::Conflict(format!("Operation {key} is {:?}, not unknown; nothing to resolve.", op.status).to_lowercase()));
    }
    let (status, said) = match resolution {
        Resolution::Sent => (OperationStatus::Sent, "confirmed as received"),
        Resolution::NotSent => (OperationStatus::Failed, "confirmed as not received"),
    };
    let response = serde_json::json!({
        "resolvedBy": "operator",
        "resolution": said,
        "note": note,
        "previous": op.response,
    });
    store.finish_operation(key, status, &response, &now())?;
    tracing::info!(operation = %key, ?status, "unknown operation resolved by the operator");
    store.operation(key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}")))
}

/// An in-flight call cannot outlive this (total timeout x attempts, with backoff).
const LONGEST_FLIGHT: time::Duration = time::Duration::minutes(10);

/// Marks as unknown every pending operation whose sender is gone: it died (crash,
/// kill, power loss) between recording and finishing, so the request may or may not
/// have reached the provider. Returns how many were marked. Run at start-up.
pub fn recover_interrupted(store: &Store) -> Result<usize> {
    let cutoff = time::OffsetDateTime::now_utc() - LONGEST_FLIGHT;
    let mut marked = 0;
    for (key, owner, updated_at) in store.pending_operations()? {
        let stale = time::OffsetDateTime::parse(&updated_at, &time::format_description::well_known::Rfc3339)
            .map(|t| t < cutoff)
            .unwrap_or(true);
        let sender_alive = owner.is_some_and(|pid| pid == std::process::id() || process_alive(pid));
        if stale || !sender_alive {
            let note = serde_json::json!({
                "code": "interrupted",
                "message": "Signet stopped while this was being sent. It may or may not have reached the provider: check before sending it again.",
            });
            store.finish_operation(&key, OperationStatus::Unknown, &note, &now())?;
            tracing::warn!(operation = %key, "interrupted operation marked unknown");
            marked += 1;
        }
    }
    Ok(marked)
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
        ProviderError::OutcomeUnknown { .. } | ProviderError::BadResponse { .. } | ProviderError::ResponseSignature { .. } => {
            OperationStatus::Unknown
        }
        ProviderError::Invalid { .. } | ProviderError::Rejected(_) | ProviderError::Unauthorized { .. } | ProviderError::Unreachable { .. } => {
            OperationStatus::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(subject: &str) -> NewOperation<'_> {
        NewOperation { area: "payments", kind: "payment_request.send", profile_id: "sandbox", subject, request: serde_json::json!({"x": 1}) }
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
        let refused = run(&db, op("inv-2"), |_| async {
            Err::<(), _>(ProviderError::Unreachable { provider: "myKaarma", reason: "no route".into() })
        })
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
