//! The desk's one SQLite file: WAL, foreign keys on, schema migrations embedded in
//! the binary and applied on open. Each area keeps its queries in its own module.

mod archive;
mod bulk;
mod evidence;
mod kyc;
mod operations;
mod profiles;
mod team;
mod tracked_signatures;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

use crate::error::{CoreError, Result};

pub use archive::{LoggedObject, PlannedObject};
pub use bulk::StoredBulkRow;
pub use evidence::{StoredEvidence, StoredHead};
pub use kyc::KycSeen;
pub use operations::{OperationPage, OperationQuery, OperationRecord, OperationStatus};
pub use profiles::StoredProfile;
pub use team::{BulkRunSummary, FollowedSummary, QueuedChange, StoredOverride};
pub use tracked_signatures::StoredTrackedSignature;

pub const DATABASE_FILE: &str = "signet.sqlite3";

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_settings.sql")),
        M::up(include_str!("../../migrations/0002_operations.sql")),
        M::up(include_str!("../../migrations/0003_operation_owner.sql")),
        M::up(include_str!("../../migrations/0004_bulk_runs.sql")),
        M::up(include_str!("../../migrations/0005_retries_and_tracked_signatures.sql")).foreign_key_check(),
        M::up(include_str!("../../migrations/0006_evidence_ledger.sql")),
        M::up(include_str!("../../migrations/0007_operations_search.sql")),
        M::up(include_str!("../../migrations/0008_team_replication.sql")),
        M::up(include_str!("../../migrations/0009_evidence_archive.sql")),
        M::up(include_str!("../../migrations/0010_kyc_status.sql")),
        M::up(include_str!("../../migrations/0011_search_indexed_at_commit.sql")),
    ])
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The team store this desk claims business keys in and replicates to, when its
    /// active profile is in team mode (set by the desk or the command line).
    team: Option<std::sync::Arc<crate::team::Team>>,
}

impl Store {
    /// Opens (creating if needed) the database in `dir` and brings its schema up to date.
    pub fn open_in(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| CoreError::Io { context: format!("cannot create the data folder {}", dir.display()), source })?;
        Store::open(&dir.join(DATABASE_FILE))
    }

    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        // WAL keeps readers and the writer apart and survives a crash mid-write.
        // FULL sync makes each commit durable before it returns: an operation's
        // record must be on disk before its request leaves, or a power cut could
        // forget a request that was sent and let it be sent again.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Foreign keys stay off while migrations rebuild tables (SQLite's documented
        // way); migrations that rebuild run a foreign key check before committing.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        migrations().to_latest(&mut conn)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Store { conn, path: path.to_path_buf(), team: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn set_team(&mut self, team: Option<std::sync::Arc<crate::team::Team>>) {
        self.team = team;
    }

    /// The team store, if `profile_id` is the profile in team mode.
    pub fn team_for(&self, profile_id: &str) -> Option<std::sync::Arc<crate::team::Team>> {
        self.team.as_ref().filter(|t| t.profile_id == profile_id).cloned()
    }

    pub fn team(&self) -> Option<std::sync::Arc<crate::team::Team>> {
        self.team.clone()
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one transaction: all of its writes land, or none.
    pub fn atomically<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.atomically_indexing(1, f)
    }

    /// As `atomically`, for a bulk run's grouped writes: the new operations join
    /// Activity's search index only once `SEARCH_BATCH` of them wait.
    pub(crate) fn atomically_in_bulk<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.atomically_indexing(operations::SEARCH_BATCH, f)
    }

    fn atomically_indexing<T>(&self, search_batch: i64, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        // Inside an outer transaction, this part commits or rolls back with it.
        if !self.conn.is_autocommit() {
            return f(self);
        }
        // IMMEDIATE takes the write lock now (waiting out the busy timeout), so a
        // desk and a CLI writing at once queue instead of failing half-way.
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let out = f(self)?;
        self.index_for_search(search_batch)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn app_setting(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self.conn.query_row("SELECT value FROM app_settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_app_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO app_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn rebuilding_the_operations_table_keeps_every_record_and_its_links() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        {
            // A database as version 4 left it: an operation and the bulk row linked to it.
            let mut conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            migrations().to_version(&mut conn, 4).unwrap();
            conn.execute_batch(
                "INSERT INTO operations (key, area, kind, profile_id, subject, request, status, response, created_at, updated_at, owner_pid)
                   VALUES ('k1', 'payments', 'payment_request.send', 'sandbox', 'inv', '{}', 'unknown', '{\"code\":\"x\"}', 't1', 't2', 42);
                 INSERT INTO bulk_runs VALUES ('r1', 'sandbox', 'f.csv', 'abc', 'open', 't1', 't1');
                 INSERT INTO bulk_rows VALUES ('r1', 2, 'd', '{}', NULL, 'k1');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let op = store.operation("k1").unwrap().unwrap();
        assert_eq!((op.status, op.attempts, op.retry_at), (OperationStatus::Unknown, 1, None));
        assert_eq!(op.response.unwrap()["code"], "x");
        let linked: String = store.conn().query_row("SELECT operation_key FROM bulk_rows WHERE run_id = 'r1'", [], |r| r.get(0)).unwrap();
        assert_eq!(linked, "k1");
        // Foreign keys are on again, and the link still points at the rebuilt table.
        let orphan = store.conn().execute("INSERT INTO bulk_rows VALUES ('r1', 3, 'd', '{}', NULL, 'nope')", []);
        assert!(orphan.is_err(), "a row linked to a missing operation must be refused");
        // Operations recorded before the search index existed are found by it.
        let found = store.operations_page(&OperationQuery { text: Some("INV".into()), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(found.items.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), ["k1"]);
    }

    #[test]
    fn activity_search_finds_any_part_of_a_subject_kind_or_key_whatever_its_length_or_case() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let sent = |key: &str, subject: &str, kind: &str| OperationRecord {
            key: key.into(),
            area: "a".into(),
            kind: kind.into(),
            profile_id: "p".into(),
            subject: subject.into(),
            request: serde_json::json!({}),
            status: OperationStatus::Sent,
            response: None,
            created_at: format!("2026-01-01T00:00:0{}Z", key.len()),
            updated_at: "t".into(),
            attempts: 1,
            retry_at: None,
            checkable_with: None,
        };
        for (key, subject, kind) in
            [("k-alpha", "RO-10482", "payment_request.send"), ("k-beta", "Contrato \"Março\"", "signzy.initiate"), ("k-gamma", "ab", "kyc.update")]
        {
            store.insert_operation(&sent(key, subject, kind)).unwrap();
        }
        let keys = |text: &str| {
            let page = store.operations_page(&OperationQuery { text: Some(text.into()), limit: 10, ..Default::default() }).unwrap();
            assert_eq!(page.total as usize, page.items.len());
            let mut keys: Vec<String> = page.items.into_iter().map(|o| o.key).collect();
            keys.sort();
            keys
        };
        let count = |table: &str| -> i64 { store.conn().query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap() };
        // In a bulk run's commits, fewer than a batch wait in the list and are found
        // there, as the index would find them; a batch is indexed all at once, and
        // each operation is found once.
        for waiting in [true, false] {
            if waiting {
                store.atomically_in_bulk(|_| Ok(())).unwrap();
                assert_eq!((count("operations_unindexed"), count("operations_search")), (3, 0), "fewer than a batch wait");
            } else {
                store
                    .atomically_in_bulk(|s| {
                        for i in 0..operations::SEARCH_BATCH {
                            s.insert_operation(&sent(&format!("filler-{i}"), &format!("INV-{i:05}"), "payment_request.send"))?;
                        }
                        Ok(())
                    })
                    .unwrap();
                assert_eq!((count("operations_unindexed"), count("operations_search")), (0, operations::SEARCH_BATCH + 3));
            }
            assert_eq!(keys("1048"), ["k-alpha"]);
            assert_eq!(keys("ro-104"), ["k-alpha"], "case does not matter");
            assert_eq!(keys("SIGNZY"), ["k-beta"], "the kind is searched");
            assert_eq!(keys("k-gam"), ["k-gamma"], "the key is searched");
            assert_eq!(keys("10482 payment_req"), ["k-alpha"], "across subject and kind, underscore included");
            assert_eq!(keys("\"Março\""), ["k-beta"], "quotes are searched for, not read as syntax");
            assert_eq!(keys("ab"), ["k-gamma"], "two letters, below the index's reach, still match");
            assert!(keys("nothing like it").is_empty());
            assert!(keys("___").is_empty() && keys("%%%").is_empty() && keys("%").is_empty(), "wildcards are text");
        }
        // Any other transaction indexes whatever waits.
        store.insert_operation(&sent("k-delta", "RO-20000", "kyc.update")).unwrap();
        store.atomically(|_| Ok(())).unwrap();
        assert_eq!((count("operations_unindexed"), count("operations_search")), (0, operations::SEARCH_BATCH + 4));
        assert_eq!(keys("RO-2000"), ["k-delta"]);
    }

    #[test]
    fn opens_a_real_file_in_wal_mode_and_reopens_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(&dir.path().join("nested")).unwrap();
        let mode: String = store.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        store.set_app_setting("k", "v1").unwrap();
        store.set_app_setting("k", "v2").unwrap();
        drop(store);
        let again = Store::open_in(&dir.path().join("nested")).unwrap();
        assert_eq!(again.app_setting("k").unwrap().as_deref(), Some("v2"));
        assert_eq!(again.app_setting("missing").unwrap(), None);
    }
}
