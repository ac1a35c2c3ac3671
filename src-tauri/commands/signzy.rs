//! Signzy contracts at the desk: initiate one for its signers, list those started
//! here, and follow each signer's status.

use signet_core::catalog::ProviderId;
use signet_core::contracts::{self, InitiatedView};
use signet_core::signed_documents::SignedDocument;
use signet_core::{clients, validate, CoreError};
use signet_providers::signzy::{ContractStatus, InitiatedContract};
use signet_providers::HttpConfig;
use tauri::State;
use ts_rs::TS;

use super::picked_pdf::{PdfPicks, PickedPdf};
use crate::error::CmdResult;
use crate::state::AppState;

/// A signer as the operator types them.
#[derive(Debug, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignerRow {
    pub name: String,
    pub email: String,
    pub mobile: String,
}

#[tauri::command]
pub async fn signzy_choose_pdf<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    picks: State<'_, PdfPicks>,
) -> CmdResult<Option<PickedPdf>> {
    picks.choose(&app, &window, ProviderId::Signzy).await
}

#[tauri::command]
pub async fn signzy_initiate(
    state: State<'_, AppState>,
    picks: State<'_, PdfPicks>,
    name: String,
    executer: String,
    signers: Vec<SignerRow>,
    ttl_days: u32,
    choice: Option<signet_core::outbox::SendChoice>,
) -> CmdResult<InitiatedContract> {
    let signers = signers.iter().map(|s| contracts::new_signer(&s.name, &s.email, &s.mobile, None)).collect::<Result<Vec<_>, _>>()?;
    if !(1..=365).contains(&ttl_days) {
        return Err(CoreError::invalid("ttl_days", "The contract must stay open between 1 and 365 days.").into());
    }
    let (_, pdf) = picks.picked(ProviderId::Signzy)?;
    let (profile_id, access) = state.access(ProviderId::Signzy)?;
    let client = clients::signzy(&access, HttpConfig::default())?;
    let (_, started) = contracts::initiate(state.db(), &client, &profile_id, &name, &executer, &pdf, signers, ttl_days, choice.unwrap_or_default()).await?;
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

/// Signzy's signed copy of a contract (the final one, or one signer's), kept in the
/// data folder with its hash checked against the one Signzy states.
#[tauri::command]
pub async fn signzy_signed_copy(state: State<'_, AppState>, contract_id: String, signer_id: Option<String>) -> CmdResult<SignedDocument> {
    let (_, access) = state.access(ProviderId::Signzy)?;
    let client = clients::signzy(&access, HttpConfig::default())?;
    Ok(contracts::signed_copy(&client, &state.paths.data_dir, &contract_id, signer_id.as_deref()).await?)
}
