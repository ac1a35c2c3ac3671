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

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{CoreError, Result};
use crate::store::{OperationStatus, Store};

/// Beside the database, one file per run, process and boot.
const FOLDER: &str = "sending-journal";

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

pub(crate) fn file_name(run_id: &str, pid: u32, boot: &str) -> String {
    format!("{run_id}.{pid}.{boot}")
}

/// The journal this process writes for one run.
pub struct Journal {
    file: Mutex<std::fs::File>,
    path: PathBuf,
}

impl Journal {
    /// Opens (or goes on with) this process's journal of `run_id`. `None` where the
    /// machine has no boot id or the file cannot be made: the run then records each
    /// row just before sending it.
    pub fn open(store: &Store, run_id: &str) -> Option<Journal> {
        let boot = boot_id()?;
        let dir = folder(store);
        let path = dir.join(file_name(run_id, std::process::id(), &boot));
        let opened = std::fs::create_dir_all(&dir).and_then(|()| std::fs::OpenOptions::new().create(true).append(true).open(&path));
        match opened {
            Ok(file) => Some(Journal { file: Mutex::new(file), path }),
            Err(e) => {
                tracing::warn!(path = %path.display(), "no sending journal, so each row is recorded just before it goes: {e}");
                None
            }
        }
    }

    fn append(&self, line: &str) -> Result<()> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
            .map_err(|source| CoreError::Io { context: "could not write the bulk run's sending journal (is the disk full?)".into(), source })
    }

    /// Before the row's record is committed: it is one of ours.
    pub fn recording(&self, key: &str) -> Result<()> {
        self.append(&format!("r {key}\n"))
    }

    /// Just before the row is sent; if this fails, it is not sent.
    pub fn sending(&self, key: &str) -> Result<()> {
        self.append(&format!("s {key}\n"))
    }

    /// As soon as the answer is known, before it is committed with the next rows.
    /// A failure only means a crash would leave the row unknown, so it is logged.
    pub fn answered(&self, key: &str, status: OperationStatus, response: &serde_json::Value) {
        if let Err(e) = self.append(&format!("a {key} {} {response}\n", status.as_str())) {
            tracing::warn!(operation = %key, "{e}");
        }
    }

    /// Every row of this journal has its outcome committed: the file goes.
    pub fn close(self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), "could not remove a finished sending journal: {e}");
        }
    }
}

/// What a journal of this boot says about an operation whose sender is gone.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// Recorded ahead and never sent.
    NotSent,
    /// Sent, with no answer on record: it may or may not have arrived.
    InFlight,
    /// Sent and answered; the answer had not yet been committed.
    Answered(OperationStatus, serde_json::Value),
}

/// The journals of this boot, read once each, while interrupted operations are settled.
pub struct Journals {
    dir: PathBuf,
    boot: Option<String>,
    read: HashMap<String, HashMap<String, Fate>>,
}

impl Journals {
    pub fn new(store: &Store) -> Journals {
        Journals { dir: folder(store), boot: boot_id(), read: HashMap::new() }
    }

    /// What the journal of `run_id` written by `pid` in this boot says about `key`;
    /// `None` if there is no such journal or it does not name the key (an operation
    /// recorded the usual way, or before a power cut): then nothing is known.
    pub fn fate(&mut self, run_id: &str, pid: u32, key: &str) -> Option<Fate> {
        let name = file_name(run_id, pid, self.boot.as_deref()?);
        if !self.read.contains_key(&name) {
            let text = std::fs::read_to_string(self.dir.join(&name)).unwrap_or_default();
            self.read.insert(name.clone(), parse(&text));
        }
        self.read[&name].get(key).cloned()
    }

    /// Removes the journals no process will write again: those of another boot and
    /// those whose process is gone (their rows were settled just before).
    pub fn remove_finished(&self, alive: impl Fn(u32) -> bool) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut parts = name.rsplitn(3, '.');
            let (boot, pid) = (parts.next(), parts.next().and_then(|p| p.parse::<u32>().ok()));
            let finished = match (boot, pid) {
                (Some(boot), Some(pid)) => self.boot.as_deref() != Some(boot) || !alive(pid),
                _ => false,
            };
            if finished {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The latest word on each key. A line cut short by the kill counts for nothing
/// more than what was certainly written before it (an answer that does not parse
/// leaves the row in flight).
fn parse(text: &str) -> HashMap<String, Fate> {
    let mut fates = HashMap::new();
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("r"), Some(key), None, None) => {
                fates.entry(key.to_string()).or_insert(Fate::NotSent);
            }
            (Some("s"), Some(key), None, None) => {
                fates.insert(key.to_string(), Fate::InFlight);
            }
            (Some("a"), Some(key), Some(status), Some(response)) => {
                let answer = serde_json::from_str(response).ok().and_then(|r| Some(Fate::Answered(OperationStatus::from_word(status)?, r)));
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

    #[test]
    fn the_latest_complete_word_on_each_key_counts() {
        let text = "r k1\nr k2\nr k3\nr k4\ns k2\ns k3\na k3 sent {\"paymentLink\":\"https://pay/3\"}\ns k4\na k4 sent {\"paymentLi";
        let fates = parse(text);
        assert_eq!(fates["k1"], Fate::NotSent);
        assert_eq!(fates["k2"], Fate::InFlight);
        assert_eq!(fates["k3"], Fate::Answered(OperationStatus::Sent, serde_json::json!({"paymentLink": "https://pay/3"})));
        assert_eq!(fates["k4"], Fate::InFlight, "an answer cut short leaves the row in flight");
        // A key cut short is not the key: nothing is known of it.
        assert!(parse("r k5\ns k").get("k5") == Some(&Fate::NotSent) && !parse("r k").contains_key("k5"));
    }
}
