//! One desk per data folder. Two desks on the same folder would each run their own
//! retry timer, bulk runs and start-up checks beside the other; the outbox would keep
//! them from sending twice, but the operator would be working in two windows that
//! each show half the story. The `signet` command line is not locked out: it
//! coordinates with the desk through SQLite's transactions.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;

/// Held for the desk's lifetime; the OS releases it when the process ends, however
/// it ends (a crash leaves no stale lock behind).
pub struct DeskLock {
    _file: File,
}

pub const LOCK_FILE: &str = "desk.lock";

impl DeskLock {
    pub fn take(data_dir: &Path) -> Result<DeskLock, String> {
        let path = data_dir.join(LOCK_FILE);
        let cannot = |e: std::io::Error| format!("Signet cannot use its data folder {}: {e}", data_dir.display());
        std::fs::create_dir_all(data_dir).map_err(cannot)?;
        let mut file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(cannot)?;
        match file.try_lock() {
            Ok(()) => {
                // For people looking at the folder: which process holds it.
                let _ = file.set_len(0).and_then(|_| writeln!(file, "{}", std::process::id()));
                Ok(DeskLock { _file: file })
            }
            Err(TryLockError::WouldBlock) => Err(format!(
                "Signet is already open on this data folder ({}). Use the window that is open; a second desk would work beside it.",
                data_dir.display()
            )),
            Err(TryLockError::Error(e)) => Err(cannot(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_desk_on_the_same_folder_is_refused_and_the_first_one_leaving_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = DeskLock::take(dir.path()).unwrap();
        let second = DeskLock::take(dir.path()).err().unwrap();
        assert!(second.contains("already open"), "{second}");
        let other = tempfile::tempdir().unwrap();
        DeskLock::take(other.path()).expect("another folder is another desk");
        drop(first);
        DeskLock::take(dir.path()).expect("free again once the first desk is gone");
    }
}
