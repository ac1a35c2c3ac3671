//! Native file dialogs, opened from Rust on a blocking thread (a dialog on the main
//! thread would hang the window). The end-to-end suite cannot drive GTK dialogs, so
//! `SIGNET_TEST_PICK_FILE` (or, for several dialogs in turn, `SIGNET_TEST_PICK_FILES`)
//! and `SIGNET_TEST_SAVE_FILE` answer them instead; the code after the answer is
//! the same.

use std::path::PathBuf;

use tauri_plugin_dialog::DialogExt;

use crate::error::IpcError;

/// The test suite's answer to an open dialog: `SIGNET_TEST_PICK_FILE`, or the next
/// of the newline-separated `SIGNET_TEST_PICK_FILES` (one per dialog, in turn).
fn test_pick() -> Option<PathBuf> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if let Some(list) = std::env::var("SIGNET_TEST_PICK_FILES").ok().filter(|l| !l.is_empty()) {
        let paths: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        return paths.get(n % paths.len().max(1)).map(PathBuf::from);
    }
    std::env::var_os("SIGNET_TEST_PICK_FILE").map(PathBuf::from)
}

pub async fn pick_file<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    window: &tauri::Window<R>,
    title: String,
    filter: (&str, &[&str]),
) -> Result<Option<PathBuf>, IpcError> {
    if let Some(path) = test_pick() {
        return Ok(Some(path));
    }
    let dialog = app.dialog().file().set_parent(window).set_title(title).add_filter(filter.0, filter.1);
    let picked = tauri::async_runtime::spawn_blocking(move || dialog.blocking_pick_file())
        .await
        .map_err(|e| IpcError::internal(format!("the file dialog failed: {e}")))?;
    picked.map(|p| p.into_path().map_err(|e| IpcError::internal(format!("the chosen file has no path: {e}")))).transpose()
}

/// What a saved file is, for the save dialog's file-type filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveAs {
    /// A bulk run's results.
    Csv,
    /// An evidence dossier (a signed zip).
    Dossier,
}

impl SaveAs {
    fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            SaveAs::Csv => ("CSV", &["csv"]),
            SaveAs::Dossier => ("Evidence dossier (zip)", &["zip"]),
        }
    }
}

pub async fn save_file<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    window: &tauri::Window<R>,
    title: String,
    suggested: String,
    kind: SaveAs,
) -> Result<Option<PathBuf>, IpcError> {
    if let Some(path) = std::env::var_os("SIGNET_TEST_SAVE_FILE") {
        return Ok(Some(PathBuf::from(path)));
    }
    let (filter, extensions) = kind.filter();
    let dialog = app.dialog().file().set_parent(window).set_title(title).set_file_name(suggested).add_filter(filter, extensions);
    let picked = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
        .await
        .map_err(|e| IpcError::internal(format!("the file dialog failed: {e}")))?;
    picked.map(|p| p.into_path().map_err(|e| IpcError::internal(format!("the chosen file has no path: {e}")))).transpose()
}

#[cfg(test)]
mod tests {
    use super::SaveAs;

    #[test]
    fn a_dossier_is_saved_as_a_zip_and_results_as_csv() {
        assert_eq!(SaveAs::Dossier.filter().1, ["zip"]);
        assert_eq!(SaveAs::Csv.filter().1, ["csv"]);
    }
}
