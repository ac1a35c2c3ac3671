use signet_core::store::{OperationPage, OperationQuery};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Operations of every area, newest first, filtered and paged.
#[tauri::command]
pub async fn list_operations(state: State<'_, AppState>, query: OperationQuery) -> CmdResult<OperationPage> {
    state.with_store(|s| s.operations_page(&query))
}
