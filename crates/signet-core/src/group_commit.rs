//! Group commit for bulk runs: the writes of rows being sent at the same time share
//! one durable SQLite commit (one fsync, `synchronous = FULL` unchanged) instead of
//! one commit each. Every caller still waits until its own write is on disk before
//! it goes on, so no row is sent before its record is durable; what changes is only
//! how many records one fsync carries.
//!
//! Writers queue their writes and wait; one committer at a time (a blocking thread,
//! so the rows' task goes on receiving answers meanwhile) commits everything queued,
//! again and again until the queue is empty. A commit therefore carries every write
//! that arrived while the one before it was being made durable. If any write fails
//! (a row another process took) or the commit does (disk full, read-only folder),
//! the whole group is rolled back and each write is tried again in a transaction of
//! its own, so each caller gets its own real answer. (Not a savepoint per write:
//! each savepoint makes SQLite flush the search index, which cost more than the
//! fsync it saved.)

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::error::{CoreError, Result};
use crate::outbox::lock;
use crate::store::Store;
use crate::team::{BusinessKey, Team};

type Write = Box<dyn Fn(&Store) -> Result<()> + Send>;
type FirstClaim = (BusinessKey, String, oneshot::Sender<bool>);

/// One bulk run's shared commits. Cheap to clone.
#[derive(Clone)]
pub struct GroupCommit {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Mutex<Store>>,
    /// The team store of the run's profile, looked up once: asking the database per
    /// row would wait behind the commit in progress.
    team: Option<Arc<Team>>,
    queue: Mutex<Vec<(Write, oneshot::Sender<Result<()>>)>>,
    committing: AtomicBool,
    commits: AtomicU64,
    /// Writes that failed, waited for or not (an answer queued by `enqueue` has no
    /// one to tell).
    failed: AtomicU64,
    /// Team mode: the rows' first claims, sent to the team store together in the
    /// same way (one statement, one commit there, while the next ones queue).
    claims: Mutex<Vec<FirstClaim>>,
    claiming: AtomicBool,
}

impl GroupCommit {
    pub fn new(db: Arc<Mutex<Store>>, profile_id: &str) -> Result<GroupCommit> {
        let team = lock(&db)?.team_for(profile_id);
        Ok(GroupCommit {
            inner: Arc::new(Inner {
                db,
                team,
                queue: Mutex::default(),
                committing: AtomicBool::new(false),
                commits: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                claims: Mutex::default(),
                claiming: AtomicBool::new(false),
            }),
        })
    }

    pub fn team(&self) -> Option<Arc<Team>> {
        self.inner.team.clone()
    }

    /// Runs `write` in a durable transaction shared with the writes queued beside it,
    /// and returns once that transaction has committed (or `write` failed).
    pub async fn write(&self, write: impl Fn(&Store) -> Result<()> + Send + 'static) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.inner.queue().push((Box::new(write), tx));
        self.inner.start_committer();
        rx.await.unwrap_or_else(|_| Err(CoreError::Conflict("a grouped write was dropped before it committed".into())))
    }

    /// Queues `write` for the next commit without waiting for it. For a bulk row's
    /// answer: the commit of the next row's record carries it. Where rows are
    /// recorded just before they go, a slot so never holds more than one row whose
    /// outcome is not on disk; where they are recorded ahead, the run's sending
    /// journal holds the answer meanwhile (see send_journal). `write` reports its
    /// own failure.
    pub fn enqueue(&self, write: impl Fn(&Store) -> Result<()> + Send + 'static) {
        let (tx, _) = oneshot::channel();
        self.inner.queue().push((Box::new(write), tx));
    }

    /// Commits whatever is queued (the answers of the last rows, or before a pause);
    /// says whether there was anything.
    pub async fn flush(&self) -> Result<bool> {
        if self.inner.queue().is_empty() {
            return Ok(false);
        }
        self.write(|_| Ok(())).await.map(|()| true)
    }

    /// Claims `key` for `operation_key` in the team store (the usual first claim),
    /// together with the rows claiming beside it. `false` when it was not granted
    /// or the batch failed: the caller then makes the claim on its own, which finds
    /// the holder, applies the takeover rule, or reports the store unreachable.
    pub async fn claim_first(&self, key: &BusinessKey, operation_key: &str) -> bool {
        let Some(team) = self.inner.team.clone() else { return false };
        let (tx, rx) = oneshot::channel();
        self.inner.claims.lock().unwrap_or_else(|e| e.into_inner()).push((key.clone(), operation_key.to_string(), tx));
        if self.inner.claiming.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.claim_until_empty(&team).await });
        }
        rx.await.unwrap_or(false)
    }

    /// How many writes have failed so far.
    pub fn failed_writes(&self) -> u64 {
        self.inner.failed.load(Ordering::Relaxed)
    }

    /// How many transactions the writes so far took (fewer than the writes is the point).
    pub fn commits(&self) -> u64 {
        self.inner.commits.load(Ordering::Relaxed)
    }
}

impl Inner {
    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<(Write, oneshot::Sender<Result<()>>)>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the committer unless one runs; a running one sees this caller's write
    /// (it looks at the queue again after it stops).
    fn start_committer(self: &Arc<Self>) {
        if self.committing.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            let me = self.clone();
            tokio::task::spawn_blocking(move || me.commit_until_empty());
        }
    }

    fn commit_until_empty(&self) {
        loop {
            loop {
                let batch = std::mem::take(&mut *self.queue());
                if batch.is_empty() {
                    break;
                }
                let failed = commit(&self.db, batch);
                self.failed.fetch_add(failed, Ordering::Relaxed);
                self.commits.fetch_add(1, Ordering::Relaxed);
            }
            self.committing.store(false, Ordering::Release);
            if self.queue().is_empty() || self.committing.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
                return;
            }
        }
    }
}

impl Inner {
    async fn claim_until_empty(&self, team: &Team) {
        loop {
            loop {
                let batch = std::mem::take(&mut *self.claims.lock().unwrap_or_else(|e| e.into_inner()));
                if batch.is_empty() {
                    break;
                }
                let keys: Vec<(BusinessKey, String)> = batch.iter().map(|(k, op, _)| (k.clone(), op.clone())).collect();
                let granted = team.claim_first_many(&keys).await.unwrap_or_else(|_| vec![false; keys.len()]);
                for ((_, _, tx), granted) in batch.into_iter().zip(granted) {
                    let _ = tx.send(granted);
                }
            }
            self.claiming.store(false, Ordering::Release);
            if self.claims.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
                || self.claiming.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err()
            {
                return;
            }
        }
    }
}

/// Commits `batch`; returns how many of its writes failed.
fn commit(db: &Mutex<Store>, batch: Vec<(Write, oneshot::Sender<Result<()>>)>) -> u64 {
    let store = match lock(db) {
        Ok(store) => store,
        Err(_) => {
            let failed = batch.len() as u64;
            for (_, tx) in batch {
                let _ = tx.send(Err(CoreError::Conflict("the database lock was poisoned by an earlier failure; restart Signet".into())));
            }
            return failed;
        }
    };
    let together = store.atomically_in_bulk(|s| batch.iter().try_for_each(|(write, _)| write(s)));
    match together {
        Ok(()) => {
            for (_, tx) in batch {
                let _ = tx.send(Ok(()));
            }
            0
        }
        // Nothing of the group was kept: each write alone, for its own answer.
        Err(_) => {
            let mut failed = 0;
            for (write, tx) in batch {
                let written = store.atomically_in_bulk(|s| write(s));
                failed += u64::from(written.is_err());
                let _ = tx.send(written);
            }
            failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_writes_share_commits_and_each_gets_its_own_answer() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Mutex::new(Store::open(&dir.path().join("t.db")).unwrap()));
        let group = GroupCommit::new(db.clone(), "p").unwrap();
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let group = group.clone();
                tokio::spawn(async move {
                    group
                        .write(move |s| {
                            s.set_app_setting(&format!("row-{i}"), "written")?;
                            // Every seventh write fails after writing: only it is undone.
                            if i % 7 == 0 {
                                return Err(CoreError::Conflict(format!("row {i} refused")));
                            }
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            let result = task.await.unwrap();
            assert_eq!(result.is_err(), i % 7 == 0, "row {i}: {result:?}");
        }
        assert!(group.commits() < 32, "64 writes queued together took {} commits", group.commits());
        let store = lock(&db).unwrap();
        for i in 0..64 {
            let kept = store.app_setting(&format!("row-{i}")).unwrap();
            assert_eq!(kept.is_some(), i % 7 != 0, "row {i}");
        }
    }

    fn operation(subject: &str) -> crate::store::OperationRecord {
        crate::store::OperationRecord {
            key: uuid::Uuid::new_v4().to_string(),
            area: "payments".into(),
            kind: "payment_request.send".into(),
            profile_id: "p".into(),
            subject: subject.into(),
            request: serde_json::json!({}),
            status: crate::store::OperationStatus::Pending,
            response: None,
            created_at: crate::outbox::now(),
            updated_at: crate::outbox::now(),
            attempts: 1,
            retry_at: None,
            checkable_with: None,
        }
    }

    fn found(db: &Mutex<Store>, text: &str) -> u32 {
        let q = crate::store::OperationQuery { text: Some(text.into()), limit: 10, ..Default::default() };
        lock(db).unwrap().operations_page(&q).unwrap().total
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn operations_recorded_together_are_found_by_search_and_a_failed_group_keeps_the_good_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Mutex::new(Store::open(&dir.path().join("t.db")).unwrap()));
        let group = GroupCommit::new(db.clone(), "p").unwrap();
        let writes: Vec<_> = (0..20)
            .map(|i| {
                let op = operation(&format!("invoice-{i:03}-together"));
                group.write(move |s| s.insert_operation(&op))
            })
            .collect();
        for w in futures::future::join_all(writes).await {
            w.unwrap();
        }
        assert_eq!(found(&db, "together"), 20);
        assert_eq!(found(&db, "invoice-007"), 1);

        // A group with one failing write is rolled back and each write made alone:
        // the good one is kept and found, the bad one leaves nothing.
        let good = operation("alone-good");
        let bad = operation("alone-bad");
        let (a, b) = futures::join!(
            group.write(move |s| s.insert_operation(&good)),
            group.write(move |s| {
                s.insert_operation(&bad)?;
                Err(CoreError::Conflict("refused".into()))
            })
        );
        assert!(a.is_ok() && b.is_err());
        assert_eq!((found(&db, "alone-good"), found(&db, "alone-bad")), (1, 0));
        // And an operation recorded on its own afterwards is indexed as always.
        lock(&db).unwrap().insert_operation(&operation("single-after")).unwrap();
        assert_eq!(found(&db, "single-after"), 1);
    }
}
