//! Where the desk and the command line keep their database: the same folder, so
//! they share profiles. It matches Tauri's app data folder for our identifier.

use std::path::PathBuf;

/// The app identifier in tauri.conf.json; the data folder is named after it.
pub const APP_IDENTIFIER: &str = "app.signet.desk";
/// Moves the data folder (tests, portable installs).
pub const DATA_DIR_ENV: &str = "SIGNET_DATA_DIR";

pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER))
}
