//! Signed documents kept in the data folder, opened in the system's PDF viewer.

use signet_core::{signed_documents, CoreError};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Opens a kept signed document by its file name (nothing outside that folder).
#[tauri::command]
pub async fn open_signed_document<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>, file_name: String) -> CmdResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let path = signed_documents::path_of(&state.paths.data_dir, &file_name)?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| CoreError::Io { context: "cannot open the PDF viewer".into(), source: std::io::Error::other(e.to_string()) })?;
    Ok(())
}
