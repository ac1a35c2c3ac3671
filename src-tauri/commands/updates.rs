//! Signed updates (Tauri's updater plugin). The desk asks the update address set in
//! Settings (typically IT's internal server) whether a newer version is offered;
//! the operator installs it, and it is used from the next start. Every package is
//! checked against Signet's release key (minisign) and against the version it was
//! signed for before anything on disk changes; one that fails is refused whole.

use std::sync::Mutex;

use serde::Serialize;
use signet_core::CoreError;
use tauri::{Emitter, State};
use tauri_plugin_updater::UpdaterExt;
use ts_rs::TS;

use crate::error::{CmdResult, IpcError};
use crate::state::AppState;

/// Pushed while a package downloads.
pub const PROGRESS_EVENT: &str = "update-progress";

/// The update last offered, kept for "Install".
#[derive(Default)]
pub struct UpdateState {
    offered: Mutex<Option<tauri_plugin_updater::Update>>,
}

/// A newer version the update address offers.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateOffer {
    pub version: String,
    pub current_version: String,
    pub notes: Option<String>,
    pub date: Option<String>,
}

/// How far a download is.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateProgress {
    #[ts(type = "number")]
    pub downloaded: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, IpcError> {
    m.lock().map_err(|_| IpcError::internal("the update state lock was poisoned; restart Signet"))
}

/// The public key updates must be signed with: the release key in tauri.conf.json.
/// Debug builds (the test suite's) may be given another with `SIGNET_TEST_UPDATE_PUBKEY`;
/// release builds never read it, so nothing in the environment can change whom an
/// installed desk trusts.
pub fn test_pubkey() -> Option<String> {
    if cfg!(debug_assertions) {
        std::env::var("SIGNET_TEST_UPDATE_PUBKEY").ok().filter(|k| !k.is_empty())
    } else {
        None
    }
}

/// What the operator reads when the updater fails: what happened and what to do.
fn refusal(e: tauri_plugin_updater::Error) -> IpcError {
    use tauri_plugin_updater::Error as E;
    let message = match &e {
        E::Minisign(_) | E::SignatureUtf8(_) | E::Base64(_) | E::MissingSignedVersion | E::SignedVersionMismatch { .. } => format!(
            "The update was refused: its package does not carry a valid signature from Signet's release key ({e}). Nothing was installed. Tell IT: the package on the update server was altered or not signed for this version."
        ),
        E::Reqwest(_) | E::Network(_) => format!("The update address could not be reached ({e}). Check the address in Settings and the network, then try again."),
        E::ReleaseNotFound | E::TargetNotFound(_) | E::TargetsNotFound(_) => format!("The update address answered, but offers nothing for this desk ({e}). Ask IT to check the update server."),
        E::InvalidUpdaterFormat => "The update was refused: the package is not a Signet package for this kind of installation. Nothing was installed.".to_string(),
        E::PackageInstallFailed | E::AuthenticationFailed => {
            "The update package could not be installed (the system's installer refused, or the administrator's password was not given). Signet is unchanged.".to_string()
        }
        E::InsecureTransportProtocol => return CoreError::invalid("update_address", "Use https: updates are fetched over https only.").into(),
        _ => format!("The update could not be completed ({e}). Check the log; if Signet no longer starts, install the package from IT again."),
    };
    CoreError::invalid("update", message).into()
}

#[tauri::command]
pub async fn update_address(state: State<'_, AppState>) -> CmdResult<Option<String>> {
    state.with_store(signet_core::settings::update_address)
}

#[tauri::command]
pub async fn set_update_address(state: State<'_, AppState>, address: String) -> CmdResult<Option<String>> {
    state.with_store(|s| signet_core::settings::set_update_address(s, &address, cfg!(debug_assertions)))
}

/// Asks the update address whether a newer version is offered; none if this is the newest.
#[tauri::command]
pub async fn update_check<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    updates: State<'_, UpdateState>,
) -> CmdResult<Option<UpdateOffer>> {
    let address = state
        .with_store(signet_core::settings::update_address)?
        .ok_or_else(|| CoreError::invalid("update_address", "Set the update address first (Settings, Updates): IT gives it."))?;
    let url = address.parse().map_err(|e| CoreError::invalid("update_address", format!("The update address is not a URL ({e}).")))?;
    let mut builder = app.updater_builder().endpoints(vec![url]).map_err(refusal)?;
    if let Some(key) = test_pubkey() {
        builder = builder.pubkey(key);
    }
    let found = builder.build().map_err(refusal)?.check().await.map_err(refusal)?;
    let offer = found.as_ref().map(|u| UpdateOffer {
        version: u.version.clone(),
        current_version: u.current_version.clone(),
        notes: u.body.clone(),
        date: u.date.map(|d| d.to_string()),
    });
    *lock(&updates.offered)? = found;
    Ok(offer)
}

/// Downloads the update offered, checks its signature and installs it; it is used from
/// the next start. Progress is pushed as `update-progress`.
#[tauri::command]
pub async fn update_install<R: tauri::Runtime>(app: tauri::AppHandle<R>, updates: State<'_, UpdateState>) -> CmdResult<String> {
    let update = lock(&updates.offered)?.clone().ok_or_else(|| CoreError::invalid("update", "Check for updates first: no update is offered."))?;
    let mut downloaded = 0u64;
    let bytes = update
        .download(
            |chunk, total| {
                downloaded += chunk as u64;
                let _ = app.emit_to("main", PROGRESS_EVENT, UpdateProgress { downloaded, total });
            },
            || {},
        )
        .await
        .map_err(refusal)?;
    // Installing replaces the program on disk: off the async threads.
    let version = update.version.clone();
    tauri::async_runtime::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|e| IpcError::internal(format!("the installer stopped: {e}")))?
        .map_err(refusal)?;
    tracing::info!(%version, "update installed; used from the next start");
    *lock(&updates.offered)? = None;
    Ok(version)
}

/// Starts Signet again, on the version just installed.
#[tauri::command]
pub async fn update_restart<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> CmdResult<()> {
    app.restart()
}
