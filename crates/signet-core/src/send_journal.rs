//! A bulk run's sending journal, which lets a run record its next rows ahead.
//!
//! A row recorded before a slot is free for it does not wait for a durable commit
//! when its turn comes; but after a crash, a row recorded and never sent would look
//! like one that may have been sent (unknown), and a row whose answer had come but
//! was not yet committed would too. The journal tells them apart: a row's key is
//! appended when it is recorded, again just before it is sent, and its answer as
//! soon as it comes, by plain writes without fsync. A killed process's writes are
//! in the kernel's page cache and read back by the next start; a power cut may lose
//! them, so each file is named after the kernel's boot id and read only in the same
//! boot. After a power cut every row recorded and not finished is reported unknown,
//! as it always was.
//!
//! Each run's sending in each process has a file of its own, locked (`flock`,
//! exclusively) for as long as it is written, which includes the grouped commits of
//! its records still queued: a journal whose lock can be shared has no writer left,
//! so what it says can be acted on, whatever became of the process's id. Readers
//! share the lock, so two processes starting together both read it and agree.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{CoreError, Result};
use crate::store::{OperationStatus, Store};

/// Beside the database, one file per run and sending.
const FOLDER: &str = "sending-journal";
/// A journal being created: locked before it takes its real name.
const OPENING: &str = ".opening";

/// This boot of the machine, as the kernel names it; `None` where there is no such
/// name (the run then records each row just before sending it, as before).
pub fn boot_id() -> Option<String> {
    let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let id = id.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then(|| id.to_string())
}

pub(crate) fn folder(store: &Store) -> PathBuf {
    store.path().parent().unwrap_or(Path::new(".")).join(FOLDER)
}

/// The journal one sending of a run writes.
pub struct Journal {
    file: Mutex<File>,
    path: PathBuf,
    /// Set by the first write that fails: a line cut short must not be followed by
    /// more, and a row is not sent without its line.
    broken: AtomicBool,
}

impl Journal {
    /// Starts a journal for sending `run_id`. `None` where the machine has no boot
    /// id or the file cannot be made and locked: the run then records each row just
    /// before sending it. Shared with the writes that record rows ahead, so it stays
    /// locked until the last of them has committed.
    pub fn open(store: &Store, run_id: &str) -> Option<Arc<Journal>> {
        let boot = boot_id()?;
        let dir = folder(store);
        let name = format!("{run_id}.{}.{boot}", uuid::Uuid::new_v4().simple());
        let (path, opening) = (dir.join(&name), dir.join(format!("{name}{OPENING}")));
        let opened = std::fs::create_dir_all(&dir).and_then(|()| std::fs::OpenOptions::new().create_new(true).append(true).open(&opening)).and_then(|file| {
            file.try_lock().map_err(std::io::Error::other)?;
            std::fs::rename(&opening, &path)?;
            Ok(file)
        });
        match opened {
            Ok(file) => Some(Arc::new(Journal { file: Mutex::new(file), path, broken: AtomicBool::new(false) })),
            Err(e) => {
                let _ = std::fs::remove_file(&opening);
                tracing::warn!(path = %path.display(), "no sending journal, so each row is recorded just before it goes: {e}");
                None
            }
        }
    }

    fn append(&self, line: &str) -> Result<()> {
        let fail = |source| CoreError::Io { context: "could not write the bulk run's sending journal (is the disk full?)".into(), source };
        if self.broken.load(Ordering::SeqCst) {
            return Err(fail(std::io::Error::other("an earlier write to it failed")));
        }
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // Each line starts on a new one, so nothing can run on from a line cut short.
        file.write_all(format!("\n{line}").as_bytes()).map_err(|e| {
            self.broken.store(true, Ordering::SeqCst);
            fail(e)
        })
    }

    /// Before the row's record is committed: it is one of ours.
    pub fn recording(&self, key: &str) -> Result<()> {
        self.append(&format!("r {key}"))
    }

    /// Just before the row is sent; if this fails, it is not sent.
    pub fn sending(&self, key: &str) -> Result<()> {
        self.append(&format!("s {key}"))
    }

    /// As soon as the answer is known, before it is committed with the next rows.
    /// A failure only means a crash would leave the row unknown, so it is logged
    /// (and no further row is sent with this journal).
    pub fn answered(&self, key: &str, status: OperationStatus, response: &serde_json::Value) {
        if let Err(e) = self.append(&format!("a {key} {} {response}", status.as_str())) {
            tracing::warn!(operation = %key, "{e}");
        }
    }

    /// Every row of this journal has its outcome committed: the file goes (unless a
    /// write that records a row still holds it; then it is settled like a crash's).
    pub fn close(journal: Arc<Journal>) {
        let Ok(journal) = Arc::try_unwrap(journal) else { return };
        if let Err(e) = std::fs::remove_file(&journal.path) {
            tracing::warn!(path = %journal.path.display(), "could not remove a finished sending journal: {e}");
        }
    }
}

/// What a journal says about an operation it recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// Recorded ahead and never sent.
    NotSent,
    /// Sent, with no answer on record: it may or may not have arrived.
    InFlight,
    /// Sent and answered; the answer had not yet been committed.
    Answered(OperationStatus, serde_json::Value),
}

/// The journals left by sendings that have ended (their lock is free), read
/// together; held locked until they are removed.
pub struct LeftJournals {
    fates: HashMap<String, Fate>,
    files: Vec<(PathBuf, File)>,
}

impl LeftJournals {
    /// Reads the journals of this boot whose writer is gone, sharing the lock of
    /// every file without a writer (other boots' too), to remove them afterwards.
    pub fn read(store: &Store) -> LeftJournals {
        let boot = boot_id();
        let mut left = LeftJournals { fates: HashMap::new(), files: Vec::new() };
        let Ok(entries) = std::fs::read_dir(folder(store)) else { return left };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(mut file) = File::open(&path) else { continue };
            if file.try_lock_shared().is_err() {
                continue; // still being written
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if boot.as_deref().is_some_and(|boot| name.ends_with(&format!(".{boot}"))) {
                // Read through the locked handle: another reader may remove the name.
                let mut bytes = Vec::new();
                if let Err(e) = file.read_to_end(&mut bytes) {
                    tracing::warn!(path = %path.display(), "a sending journal could not be read; its rows are settled as unknown: {e}");
                    continue;
                }
                // A multi-byte character cut short by the kill must not void the rest.
                let mut fates = parse(&String::from_utf8_lossy(&bytes));
                // A page of it the kernel failed to write out may have been dropped:
                // then a missing "sent" line proves nothing.
                if let Err(e) = file.sync_all() {
                    tracing::warn!(path = %path.display(), "a sending journal had a write error; rows it shows unsent are settled as unknown: {e}");
                    fates.values_mut().filter(|f| **f == Fate::NotSent).for_each(|f| *f = Fate::InFlight);
                }
                left.fates.extend(fates);
            }
            left.files.push((path, file));
        }
        left
    }

    /// What the journals say about `key`; `None` if none names it (an operation
    /// recorded the usual way, by a sending still under way, or before a power cut).
    pub fn fate(&self, key: &str) -> Option<&Fate> {
        self.fates.get(key)
    }

    /// Removes the files read, once what they said is committed.
    pub fn remove(self) {
        for (path, _locked) in self.files {
            // Another process starting at the same moment may have removed it already.
            if let Err(e) = std::fs::remove_file(&path).or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) }) {
                tracing::warn!(path = %path.display(), "could not remove a settled sending journal: {e}");
            }
        }
    }
}

/// The latest word on each key. A line cut short by the kill counts for nothing
/// more than what was certainly written before it: a key must be a whole operation
/// key, and an answer that does not parse leaves the row in flight.
fn parse(text: &str) -> HashMap<String, Fate> {
    let mut fates = HashMap::new();
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        let (word, key, status, response) = (parts.next(), parts.next(), parts.next(), parts.next());
        let Some(key) = key.filter(|k| uuid::Uuid::try_parse(k).is_ok_and(|u| u.hyphenated().to_string() == *k)) else { continue };
        match (word, status, response) {
            (Some("r"), None, None) => {
                fates.entry(key.to_string()).or_insert(Fate::NotSent);
            }
            (Some("s"), None, None) => {
                fates.insert(key.to_string(), Fate::InFlight);
            }
            (Some("a"), Some(status), Some(response)) => {
                let status = OperationStatus::from_word(status).filter(|s| *s != OperationStatus::Pending);
                let answer = status.zip(serde_json::from_str(response).ok()).map(|(status, response)| Fate::Answered(status, response));
                fates.insert(key.to_string(), answer.unwrap_or(Fate::InFlight));
            }
            _ => {}
        }
    }
    fates
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: [&str; 5] = [
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003",
        "00000000-0000-4000-8000-000000000004",
        "00000000-0000-4000-8000-000000000005",
    ];

    #[test]
    fn the_latest_complete_word_on_each_key_counts() {
        let [k1, k2, k3, k4, k5] = K;
        let text =
            format!("\nr {k1}\nr {k2}\nr {k3}\nr {k4}\ns {k2}\ns {k3}\na {k3} sent {{\"paymentLink\":\"https://pay/3\"}}\ns {k4}\na {k4} sent {{\"paymentLi");
        let fates = parse(&text);
        assert_eq!(fates[k1], Fate::NotSent);
        assert_eq!(fates[k2], Fate::InFlight);
        assert_eq!(fates[k3], Fate::Answered(OperationStatus::Sent, serde_json::json!({"paymentLink": "https://pay/3"})));
        assert_eq!(fates[k4], Fate::InFlight, "an answer cut short leaves the row in flight");
        // A key cut short is not the key: the row was never sent.
        assert_eq!(parse(&format!("\nr {k5}\ns {}", &k5[..30])).get(k5), Some(&Fate::NotSent));
        // An answer that says "pending" settles nothing.
        assert_eq!(parse(&format!("\nr {k5}\ns {k5}\na {k5} pending {{}}"))[k5], Fate::InFlight);
    }
}
