use signet_core::catalog::ProviderId;
use signet_core::outbox::{self, Resolution};
use signet_core::store::{OperationPage, OperationQuery, OperationRecord};
use signet_core::{clients, signatures};
use signet_providers::HttpConfig;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Operations of every area, newest first, filtered and paged.
#[tauri::command]
pub async fn list_operations(state: State<'_, AppState>, query: OperationQuery) -> CmdResult<OperationPage> {
    state.with_store(|s| s.operations_page(&query))
}

/// The operator's decision on an operation whose outcome was unknown.
#[tauri::command]
pub async fn resolve_operation(state: State<'_, AppState>, key: String, resolution: Resolution, note: String) -> CmdResult<OperationRecord> {
    state.with_store(|s| outbox::resolve(s, &key, resolution, &note))
}

/// Asks the provider again where it can be read: a signature capture is settled by
/// whether the signature request is now signed.
#[tauri::command]
pub async fn check_operation(state: State<'_, AppState>, key: String) -> CmdResult<OperationRecord> {
    let (_, access) = state.access(ProviderId::Mykaarma)?;
    let client = clients::kpay(&access, HttpConfig::default())?;
    Ok(signatures::settle_by_check(state.db(), &client, &key).await?)
}
