//! Leegality signing requests at the desk: one made from a chosen PDF for its
//! invitees, those made here listed, each invitee followed, and the signed document
//! and audit trail downloaded once everyone signed.

use signet_core::catalog::ProviderId;
use signet_core::clients;
use signet_core::leegality::{self, InitiatedView};
use signet_core::signed_documents::SignedDocument;
use signet_providers::leegality::{Created, DocumentStatus, FileKind};
use signet_providers::HttpConfig;
use tauri::State;
use ts_rs::TS;

use super::picked_pdf::{PdfPicks, PickedPdf};
use crate::error::CmdResult;
use crate::state::AppState;

/// An invitee as the operator types them.
#[derive(Debug, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InviteeRow {
    pub name: String,
    pub email: String,
    pub phone: String,
}

#[tauri::command]
pub async fn leegality_choose_pdf<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    picks: State<'_, PdfPicks>,
) -> CmdResult<Option<PickedPdf>> {
    picks.choose(&app, &window, ProviderId::Leegality).await
}

#[tauri::command]
pub async fn leegality_initiate(
    state: State<'_, AppState>,
    picks: State<'_, PdfPicks>,
    name: String,
    invitees: Vec<InviteeRow>,
    choice: Option<signet_core::outbox::SendChoice>,
) -> CmdResult<Created> {
    let invitees = invitees.iter().map(|i| leegality::new_invitee(&i.name, &i.email, &i.phone)).collect::<Result<Vec<_>, _>>()?;
    let (_, pdf) = picks.picked(ProviderId::Leegality)?;
    let (profile_id, access) = state.access(ProviderId::Leegality)?;
    let client = clients::leegality(&access, HttpConfig::default())?;
    let workflow = access.value("profile_id").unwrap_or_default().to_string();
    let (_, created) = leegality::initiate(state.db(), &client, &profile_id, &workflow, &name, &pdf, invitees, choice.unwrap_or_default()).await?;
    Ok(created)
}

/// Signing requests made from this profile, newest first.
#[tauri::command]
pub async fn leegality_documents(state: State<'_, AppState>) -> CmdResult<Vec<InitiatedView>> {
    let profile = state.with_settings(|s| s.active_profile())?;
    state.with_store(|s| leegality::initiated(s, &profile.id))
}

/// Each invitee's state, asked of Leegality now.
#[tauri::command]
pub async fn leegality_status(state: State<'_, AppState>, document_id: String) -> CmdResult<DocumentStatus> {
    let (_, access) = state.access(ProviderId::Leegality)?;
    let client = clients::leegality(&access, HttpConfig::default())?;
    Ok(leegality::status(&client, &document_id).await?)
}

/// The signed document (or the audit trail), kept in the data folder.
#[tauri::command]
pub async fn leegality_download(state: State<'_, AppState>, document_id: String, kind: FileKind) -> CmdResult<SignedDocument> {
    let (_, access) = state.access(ProviderId::Leegality)?;
    let client = clients::leegality(&access, HttpConfig::default())?;
    Ok(leegality::download(&client, &state.paths.data_dir, &document_id, kind).await?)
}
