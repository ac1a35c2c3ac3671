use signet_core::catalog::ProviderId;
use signet_core::outbox::{self, Resolution};
use signet_core::store::{OperationPage, OperationQuery, OperationRecord};
use signet_core::{clients, leegality, signatures, CoreError};
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
/// whether the signature request is now signed, a Leegality request by looking for
/// its irn.
#[tauri::command]
pub async fn check_operation(state: State<'_, AppState>, key: String) -> CmdResult<OperationRecord> {
    let op = state.with_store(|s| s.operation(&key)?.ok_or_else(|| CoreError::not_found(format!("Operation {key}"))))?;
    // Asked as the profile that sent it, which may no longer be the active one.
    if op.kind == leegality::CREATE_KIND {
        let client = clients::leegality(&state.access_for(&op.profile_id, ProviderId::Leegality)?, HttpConfig::default())?;
        return Ok(leegality::settle_by_search(state.db(), &client, &key).await?);
    }
    let client = clients::kpay(&state.access_for(&op.profile_id, ProviderId::Mykaarma)?, HttpConfig::default())?;
    Ok(signatures::settle_by_check(state.db(), &client, &key).await?)
}

/// Sends a waiting operation at once instead of at its next try.
#[tauri::command]
pub async fn retry_operation_now(state: State<'_, AppState>, key: String) -> CmdResult<()> {
    state.with_store(|s| outbox::retry_now(s, &key))?;
    state.retry_due().await;
    Ok(())
}

/// The operator's "don't send it" for an operation waiting for the network.
#[tauri::command]
pub async fn cancel_waiting_operation(state: State<'_, AppState>, key: String) -> CmdResult<OperationRecord> {
    state.with_store(|s| outbox::cancel_waiting(s, &key))
}

/// The team's operations this desk's role may see (team mode only).
#[tauri::command]
pub async fn team_operations(state: State<'_, AppState>, query: signet_core::team::activity::TeamQuery) -> CmdResult<signet_core::team::activity::TeamPage> {
    let team = state.team().ok_or_else(|| CoreError::invalid_as("team", signet_core::error_words::NOT_TEAM, &[]))?;
    Ok(team.operations(&query).await?)
}

/// The desks, operators and branches this desk's role may see, for the filters.
#[tauri::command]
pub async fn team_directory(state: State<'_, AppState>) -> CmdResult<signet_core::team::activity::TeamDirectory> {
    let team = state.team().ok_or_else(|| CoreError::invalid_as("team", signet_core::error_words::NOT_TEAM, &[]))?;
    Ok(team.directory().await?)
}
