//! Signzy contracts at the desk: initiate one for its signers, list those started
//! here, and follow each signer's status.

use std::sync::Mutex;

use serde::Serialize;
use signet_core::catalog::ProviderId;
use signet_core::contracts::{self, InitiatedView};
use signet_core::{clients, validate, CoreError};
use signet_providers::signzy::{ContractStatus, InitiatedContract};
use signet_providers::HttpConfig;
use tauri::State;
use ts_rs::TS;

use crate::error::{CmdResult, IpcError};
use crate::state::AppState;

/// The PDF chosen for the next contract; its bytes stay on the Rust side.
#[derive(Default)]
pub struct SignzyState {
    pdf: Mutex<Option<(String, Vec<u8>)>>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PickedPdf {
    pub name: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A signer as the operator types them.
#[derive(Debug, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignerRow {
    pub name: String,
    pub email: String,
    pub mobile: String,
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, IpcError> {
    m.lock().map_err(|_| IpcError::internal("the Signzy state lock was poisoned; restart Signet"))
}

#[tauri::command]
pub async fn signzy_choose_pdf<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    signzy_state: State<'_, SignzyState>,
) -> CmdResult<Option<PickedPdf>> {
    let Some(path) = crate::dialogs::pick_file(&app, &window, "Choose the contract PDF".into(), ("PDF", &["pdf"])).await? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if !bytes.starts_with(b"%PDF-") {
        return Err(CoreError::invalid("pdf", format!("{name} is not a PDF; Signzy signs PDF contracts.")).into());
    }
    let picked = PickedPdf { name: name.clone(), bytes: bytes.len() as u64 };
    *lock(&signzy_state.pdf)? = Some((name, bytes));
    Ok(Some(picked))
}

#[tauri::command]
pub async fn signzy_initiate(
    state: State<'_, AppState>,
    signzy_state: State<'_, SignzyState>,
    name: String,
    executer: String,
    signers: Vec<SignerRow>,
    ttl_days: u32,
) -> CmdResult<InitiatedContract> {
    let signers = signers.iter().map(|s| contracts::new_signer(&s.name, &s.email, &s.mobile, None)).collect::<Result<Vec<_>, _>>()?;
    if !(1..=365).contains(&ttl_days) {
        return Err(CoreError::invalid("ttl_days", "The contract must stay open between 1 and 365 days.").into());
    }
    let (_, pdf) = lock(&signzy_state.pdf)?.clone().ok_or_else(|| CoreError::invalid("pdf", "Choose the contract PDF first."))?;
    let (profile_id, access) = state.access(ProviderId::Signzy)?;
    let client = clients::signzy(&access, HttpConfig::default())?;
    let (_, started) = contracts::initiate(state.db(), &client, &profile_id, &name, &executer, &pdf, signers, ttl_days).await?;
    Ok(started)
}

/// Contracts initiated from this profile, newest first.
#[tauri::command]
pub async fn signzy_contracts(state: State<'_, AppState>) -> CmdResult<Vec<InitiatedView>> {
    let profile = state.with_settings(|s| s.active_profile())?;
    state.with_store(|s| contracts::initiated(s, &profile.id))
}

/// A contract's status and each signer's, asked of Signzy now.
#[tauri::command]
pub async fn signzy_status(state: State<'_, AppState>, contract_id: String) -> CmdResult<ContractStatus> {
    let id = validate::required("contract_id", &contract_id)?;
    let (_, access) = state.access(ProviderId::Signzy)?;
    let client = clients::signzy(&access, HttpConfig::default())?;
    Ok(client.pull_data(&id, false).await.map_err(CoreError::from)?)
}
