//! KYC documents at the desk: look up what DollarPe takes for a customer, pick the
//! front and back (read and checked in Rust; the bytes never cross IPC), upload
//! them and send the update, then follow the customer's KYC status.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Deserialize;
use signet_core::catalog::ProviderId;
use signet_core::kyc::{self, DocumentFile, DocumentInput, KycConfiguration, KycSubmitted};
use signet_core::kyc_files::{self, CheckedDocument, FileLimits};
use signet_core::{clients, validate, CoreError};
use signet_providers::HttpConfig;
use tauri::{Emitter, State};
use ts_rs::TS;

use crate::error::{CmdResult, IpcError};
use crate::state::AppState;

/// The files picked for the next update, by side, with what their check found,
/// and the submission under way or last made.
#[derive(Default)]
pub struct KycState {
    files: Mutex<HashMap<String, (DocumentFile, CheckedDocument)>>,
    upload: Mutex<Option<KycUpload>>,
}

/// Pushed to the operator's window at each step of a submission and at its end.
pub const UPLOAD_EVENT: &str = "kyc-upload";

/// A submission as the KYC screen shows it: while it runs (the step it is at) and
/// once it ended (what DollarPe answered, or why it failed). Kept in Rust so the
/// screen shows it again when the operator comes back to it.
#[derive(Debug, Clone, serde::Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KycUpload {
    pub customer_id: String,
    /// The step under way; none once the submission ended.
    pub step: Option<kyc::KycStep>,
    pub submitted: Option<KycSubmitted>,
    pub error: Option<signet_core::ErrorBody>,
}

/// A file dropped on the window, as the KYC screen hears of it.
#[derive(Debug, Clone, serde::Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DroppedDocument {
    pub side: String,
    pub document: Option<CheckedDocument>,
    pub error: Option<signet_core::ErrorBody>,
}

/// Reads and checks the file at `path` for `side` and keeps it; the check runs off
/// the main thread, and a file too large is refused before it is read.
async fn take_file(kyc_state: &KycState, limits: FileLimits, side: &'static str, path: std::path::PathBuf) -> Result<CheckedDocument, IpcError> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let size = std::fs::metadata(&path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?.len();
    kyc_files::check_size(side, &name, size, &limits)?;
    let bytes = std::fs::read(&path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?;
    let (file, checked) = tauri::async_runtime::spawn_blocking(move || {
        let checked = kyc_files::check(side, &name, &bytes, &limits)?;
        Ok::<_, CoreError>((DocumentFile { name, bytes }, checked))
    })
    .await
    .map_err(|e| IpcError::internal(format!("checking the file failed: {e}")))??;
    lock(&kyc_state.files)?.insert(side.into(), (file, checked.clone()));
    Ok(checked)
}

/// The active profile's document limits (defaults if it cannot be read now).
fn limits_of(state: &AppState) -> FileLimits {
    state.access(ProviderId::Dollarpe).map(|(_, a)| FileLimits::for_profile(&a)).unwrap_or_default()
}

/// Files dropped on the main window: the first goes to the front (or the back if
/// a front is already picked), a second to the back. Each is checked like a
/// picked one, and the KYC screen hears of it through the `kyc-file` event.
pub fn files_dropped<R: tauri::Runtime>(app: &tauri::AppHandle<R>, paths: Vec<std::path::PathBuf>) {
    use tauri::{Emitter, Manager};
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let kyc_state = app.state::<KycState>();
        let limits = limits_of(&app.state::<AppState>());
        for path in paths.into_iter().take(2) {
            let side = match lock(&kyc_state.files) {
                Ok(files) if files.contains_key("front") => "back",
                _ => "front",
            };
            let dropped = match take_file(&kyc_state, limits, side, path).await {
                Ok(document) => DroppedDocument { side: side.into(), document: Some(document), error: None },
                Err(e) => DroppedDocument { side: side.into(), document: None, error: Some(*e.0) },
            };
            let _ = app.emit_to("main", "kyc-file", dropped);
        }
    });
}

/// The form, without the files (they are already on the Rust side).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KycForm {
    pub customer_id: String,
    pub document_type: String,
    pub full_address: String,
    pub document_number: String,
    pub additional_data: BTreeMap<String, String>,
    /// Team mode: the operator's decision after the team guard stopped the send.
    #[serde(default)]
    pub choice: signet_core::outbox::SendChoice,
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, IpcError> {
    m.lock().map_err(|_| IpcError::internal("the KYC state lock was poisoned; restart Signet"))
}

fn side(raw: &str) -> Result<&'static str, CoreError> {
    match raw {
        "front" => Ok("front"),
        "back" => Ok("back"),
        _ => Err(CoreError::invalid("side", "A document has a front and a back.")),
    }
}

/// What DollarPe takes for this customer, and its KYC status and updates left.
#[tauri::command]
pub async fn kyc_configuration<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: State<'_, AppState>, customer_id: String) -> CmdResult<KycConfiguration> {
    let customer = validate::required("customer", &customer_id)?;
    let (profile_id, access) = state.access(ProviderId::Dollarpe)?;
    let client = clients::dollarpe(&access, HttpConfig::default())?;
    look_up(&app, &state, &client, &profile_id, &customer).await
}

/// Asks DollarPe about a customer and records the status it gives; a decision just
/// made is told to the operator (a notification, and Today changes).
async fn look_up<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    state: &AppState,
    client: &signet_providers::dollarpe::DollarPe,
    profile_id: &str,
    customer: &str,
) -> CmdResult<KycConfiguration> {
    let answer = client.kyc_configuration(customer).await.map_err(CoreError::from)?;
    let config = KycConfiguration::from_answer(customer, &answer);
    let news = state.with_store(|s| kyc::note_status(s, profile_id, &config, &signet_core::outbox::now()))?;
    if news {
        let status = config.kyc_status.clone().unwrap_or_default();
        crate::notify::tell(app, crate::notify::Notice::KycDecided { customer: customer.to_string(), status });
        let _ = app.emit_to("main", "status-changed", ());
    }
    Ok(config)
}

/// How many customers one round of following asks about, at most.
const FOLLOW_AT_ONCE: usize = 10;

/// One quick try per customer: the next round comes soon enough.
fn follow_http() -> HttpConfig {
    HttpConfig {
        connect_timeout: std::time::Duration::from_secs(5),
        total_timeout: std::time::Duration::from_secs(10),
        max_attempts: 1,
        ..HttpConfig::default()
    }
}

/// Asks DollarPe about the customers whose documents this desk sent and that it has
/// not decided on yet (the active profile's), so the operator hears of a decision
/// without keeping the KYC screen open. The ones asked about longest ago go first;
/// a round ends at the first failure to reach DollarPe. Quiet when there is nothing
/// to follow or DollarPe is not set up.
pub async fn follow_unsettled<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    let state = app.state::<AppState>();
    let Ok(profile) = state.with_settings(|s| s.active_profile()) else { return };
    let since = (time::OffsetDateTime::now_utc() - time::Duration::days(signet_core::today::KYC_DAYS))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let Ok(customers) = state.with_store(|s| kyc::customers_to_follow(s, &profile.id, &since, FOLLOW_AT_ONCE)) else { return };
    if customers.is_empty() {
        return;
    }
    let Ok(access) = state.access_for(&profile.id, ProviderId::Dollarpe) else { return };
    let Ok(client) = clients::dollarpe(&access, follow_http()) else { return };
    for customer in customers {
        if let Err(e) = look_up(app, &state, &client, &profile.id, &customer).await {
            tracing::debug!(%customer, "KYC status not read this time: {}", e.0.message);
            return;
        }
    }
}

/// Opens a native dialog for one side, reads and checks the file. Null if cancelled.
#[tauri::command]
pub async fn kyc_choose_file<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    kyc_state: State<'_, KycState>,
    side: String,
) -> CmdResult<Option<CheckedDocument>> {
    let side = self::side(&side)?;
    let title = format!("Choose the document's {side} (JPG, PNG or PDF)");
    let Some(path) = crate::dialogs::pick_file(&app, &window, title, ("Document", &["jpg", "jpeg", "png", "pdf"])).await? else {
        return Ok(None);
    };
    Ok(Some(take_file(&kyc_state, limits_of(&state), side, path).await?))
}

/// The files picked so far (kept while the operator looks elsewhere), by side.
#[tauri::command]
pub async fn kyc_picked(kyc_state: State<'_, KycState>) -> CmdResult<BTreeMap<String, CheckedDocument>> {
    Ok(lock(&kyc_state.files)?.iter().map(|(side, (_, checked))| (side.clone(), checked.clone())).collect())
}

#[tauri::command]
pub async fn kyc_clear_file(kyc_state: State<'_, KycState>, side: String) -> CmdResult<()> {
    lock(&kyc_state.files)?.remove(self::side(&side)?);
    Ok(())
}

/// Uploads the picked files and sends the update with their links.
#[tauri::command]
pub async fn kyc_submit<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    kyc_state: State<'_, KycState>,
    form: KycForm,
) -> CmdResult<KycSubmitted> {
    let customer_id = form.customer_id.clone();
    let publish = |upload: KycUpload| {
        if let Ok(mut u) = kyc_state.upload.lock() {
            *u = Some(upload.clone());
        }
        if let Err(e) = app.emit_to("main", UPLOAD_EVENT, upload) {
            tracing::warn!("the KYC upload's progress could not be pushed: {e}");
        }
    };
    // A form refused before any step began is answered to the caller alone.
    let started = std::sync::atomic::AtomicBool::new(false);
    let sent = submit(&state, &kyc_state, form, |step| {
        started.store(true, std::sync::atomic::Ordering::Relaxed);
        publish(KycUpload { customer_id: customer_id.clone(), step: Some(step.clone()), submitted: None, error: None })
    })
    .await;
    match &sent {
        Ok(submitted) => publish(KycUpload { customer_id, step: None, submitted: Some(submitted.clone()), error: None }),
        Err(e) if started.load(std::sync::atomic::Ordering::Relaxed) => {
            publish(KycUpload { customer_id, step: None, submitted: None, error: Some((*e.0).clone()) })
        }
        Err(_) => {}
    }
    sent
}

async fn submit(state: &AppState, kyc_state: &KycState, form: KycForm, report: impl Fn(&kyc::KycStep)) -> Result<KycSubmitted, IpcError> {
    // Copies: the picked files stay picked until the update has gone.
    let (front, back) = {
        let files = lock(&kyc_state.files)?;
        let front = files.get("front").map(|(f, _)| f.clone()).ok_or_else(|| CoreError::invalid("front", "Choose the document's front first."))?;
        (front, files.get("back").map(|(f, _)| f.clone()))
    };
    let (profile_id, access) = state.access(ProviderId::Dollarpe)?;
    let client = clients::dollarpe(&access, HttpConfig::default())?;
    let host = signet_core::hosting::DocumentHost::for_profile(&profile_id, state.sandbox.as_deref().ok(), &access)?;
    let input = DocumentInput {
        customer_id: form.customer_id,
        document_type: form.document_type,
        full_address: form.full_address,
        document_number: form.document_number,
        front_url: String::new(),
        back_url: None,
        additional_data: form.additional_data,
    };
    let sent = kyc::submit_files(state.db(), &client, &host, &profile_id, &input, front, back, &FileLimits::for_profile(&access), form.choice, report).await?;
    lock(&kyc_state.files)?.clear();
    Ok(sent)
}

/// The submission under way, or the last one made if the screen has not been shown it
/// since it ended (it is then let go, so a later visit opens on a fresh form).
#[tauri::command]
pub async fn kyc_progress(kyc_state: State<'_, KycState>) -> CmdResult<Option<KycUpload>> {
    let mut upload = lock(&kyc_state.upload)?;
    Ok(match upload.as_ref() {
        Some(running) if running.step.is_some() => Some(running.clone()),
        _ => upload.take(),
    })
}
