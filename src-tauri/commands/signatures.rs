use signet_core::catalog::ProviderId;
use signet_core::clients;
use signet_core::signatures::{self, CaptureSent, TrackedSignature};
use signet_providers::HttpConfig;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// The active profile's followed signature requests, as last seen (no network).
#[tauri::command]
pub async fn list_tracked_signatures(state: State<'_, AppState>) -> CmdResult<Vec<TrackedSignature>> {
    let profile = state.with_settings(|s| s.active_profile())?;
    state.with_store(|s| signatures::tracked(s, &profile.id))
}

/// What is wrong with the spiRequestUUID typed so far, if anything.
#[tauri::command]
pub async fn signature_check_form(spi_request_uuid: String) -> CmdResult<Vec<signet_core::error::ErrorBody>> {
    Ok(signatures::spi_errors(&spi_request_uuid))
}

/// Follows a signature request (by its spiRequestUUID) and asks myKaarma for it.
/// It stays followed even if that first look fails; the error says why.
#[tauri::command]
pub async fn track_signature(state: State<'_, AppState>, spi_request_uuid: String, label: String) -> CmdResult<TrackedSignature> {
    let profile = state.with_settings(|s| s.active_profile())?;
    let tracked = state.with_store(|s| signatures::track(s, &profile.id, &spi_request_uuid, &label))?;
    let (profile_id, access) = state.access(ProviderId::Mykaarma)?;
    let client = clients::kpay(&access, HttpConfig::default())?;
    Ok(signatures::refresh(state.db(), &client, &profile_id, &tracked.spi_request_uuid).await?)
}

#[tauri::command]
pub async fn untrack_signature(state: State<'_, AppState>, spi_request_uuid: String) -> CmdResult<()> {
    let profile = state.with_settings(|s| s.active_profile())?;
    state.with_store(|s| signatures::untrack(s, &profile.id, &spi_request_uuid))
}

/// Asks myKaarma for a followed request's status, capture URL, documents, signers.
#[tauri::command]
pub async fn refresh_signature<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    spi_request_uuid: String,
) -> CmdResult<TrackedSignature> {
    let (profile_id, access) = state.access(ProviderId::Mykaarma)?;
    let client = clients::kpay(&access, HttpConfig::default())?;
    let signed = |t: &TrackedSignature| t.request.as_ref().is_some_and(|r| r.is_signed);
    let before = state.with_store(|s| signatures::tracked(s, &profile_id))?.into_iter().find(|t| t.spi_request_uuid == spi_request_uuid);
    let now = signatures::refresh(state.db(), &client, &profile_id, &spi_request_uuid).await?;
    if before.is_some_and(|b| !signed(&b)) && signed(&now) {
        let which = if now.label.is_empty() { now.spi_request_uuid.clone() } else { now.label.clone() };
        crate::notify::tell(&app, crate::notify::Notice::Signed { which });
    }
    Ok(now)
}

/// Submits the signed document's https URL for a signature request (PUT capture).
#[tauri::command]
pub async fn capture_signature(
    state: State<'_, AppState>,
    spi_request_uuid: String,
    url: String,
    choice: Option<signet_core::outbox::SendChoice>,
) -> CmdResult<CaptureSent> {
    // Bad input is refused before credentials are needed.
    signet_core::validate::uuid("spi_request_uuid", &spi_request_uuid)?;
    signet_core::validate::document_url("url", &url)?;
    let (profile_id, access) = state.access(ProviderId::Mykaarma)?;
    let client = clients::kpay(&access, HttpConfig::default())?;
    Ok(signatures::capture(state.db(), &client, &profile_id, &spi_request_uuid, &url, choice.unwrap_or_default()).await?)
}
