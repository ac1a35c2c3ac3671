//! Opt-in signing at the desk. The operator loads the contract and enters the
//! signer's details in the main window; the signer reads and accepts in a window of
//! its own, whose capability grants only the `signer_*` commands below. The
//! acceptance is captured in Rust (times, addresses, device, consent wording) and
//! sent through `optin::submit`, which writes the evidence first.

use std::sync::Mutex;

use serde::Serialize;
use signet_core::catalog::ProviderId;
use signet_core::contract::{self, Contract};
use signet_core::evidence::Geolocation;
use signet_core::optin::{self, Circumstances, OptinSubmitted, SignerInput};
use signet_core::optin_session::{self, Accepting, OptinStatus, Session};
use signet_core::{clients, CoreError, ErrorBody};
use signet_providers::HttpConfig;
use tauri::{Emitter, Manager, State};
use ts_rs::TS;

use crate::error::{CmdResult, IpcError};
use crate::state::AppState;

pub const SIGNER_WINDOW: &str = "signer";
/// Pushed to the operator's window whenever the signing session moves on.
pub const STATUS_EVENT: &str = "optin-status";

/// The contract loaded for the next signature, and the signature under way.
#[derive(Default)]
pub struct OptinState {
    contract: Mutex<Option<Contract>>,
    session: Mutex<Option<Session>>,
}

/// What the signer's screen shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignerView {
    pub session_id: String,
    pub source_name: String,
    pub pages: Option<u32>,
    /// The contract is a PDF, so its pages can be shown as typeset.
    pub has_pages: bool,
    pub text: String,
    pub text_sha256: String,
    pub language: String,
    pub consent_wording: String,
    pub consent_version: String,
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, IpcError> {
    m.lock().map_err(|_| IpcError::internal("the opt-in state lock was poisoned; restart Signet"))
}

/// Tells the operator's window where the session is (opened, read to the end,
/// being sent, done, failed, or none), so the Opt-in screen follows it without
/// asking, also when it is opened again in the middle of a signature.
fn publish<R: tauri::Runtime>(app: &tauri::AppHandle<R>, optin_state: &OptinState) {
    // Emitted under the lock, so two commands' pushes reach the window in order.
    let Ok(session) = lock(&optin_state.session) else { return };
    if let Err(e) = app.emit_to("main", STATUS_EVENT, session.as_ref().map(Session::status)) {
        tracing::warn!("the opt-in status could not be pushed: {e}");
    }
}

fn screen_language(raw: &str) -> &'static str {
    if raw == "en" {
        "en"
    } else {
        "pt-BR"
    }
}

/// Opens a PDF or text contract in a native dialog and extracts its text. Null if cancelled.
#[tauri::command]
pub async fn optin_choose_contract<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    optin_state: State<'_, OptinState>,
) -> CmdResult<Option<Contract>> {
    let Some(path) = crate::dialogs::pick_file(&app, &window, "Choose the contract (PDF or text)".into(), ("Contract", &["pdf", "txt"])).await? else {
        return Ok(None);
    };
    let loaded = tauri::async_runtime::spawn_blocking(move || contract::load(&path))
        .await
        .map_err(|e| IpcError::internal(format!("reading the contract failed: {e}")))??;
    *lock(&optin_state.contract)? = Some(loaded.clone());
    Ok(Some(loaded))
}

/// Every problem with the operator's form, each naming its field; with the typed
/// latitude and longitude when the operator records a location.
#[tauri::command]
pub async fn optin_check_form(debt: String, signer: SignerInput, location: Option<(String, String)>) -> CmdResult<Vec<ErrorBody>> {
    let mut found = optin::field_errors(&debt, &signer);
    if let Some((latitude, longitude)) = location {
        found.extend(optin::location_errors(&latitude, &longitude));
    }
    Ok(found)
}

/// Starts a signing session for the loaded contract and opens the signer's window.
#[tauri::command]
pub async fn optin_open_signer<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    optin_state: State<'_, OptinState>,
    debt: String,
    signer: SignerInput,
    geolocation: Option<Geolocation>,
) -> CmdResult<String> {
    let contract = lock(&optin_state.contract)?.clone();
    {
        let mut session = lock(&optin_state.session)?;
        optin_session::may_replace(session.as_ref())?;
        *session = Some(Session::open(&debt, signer, contract, geolocation)?);
    }
    if let Some(old) = app.get_webview_window(SIGNER_WINDOW) {
        let _ = old.destroy();
    }
    tauri::WebviewWindowBuilder::new(&app, SIGNER_WINDOW, tauri::WebviewUrl::App("signer.html".into()))
        .title("Signet — contrato")
        .inner_size(960.0, 820.0)
        .build()
        .map_err(|e| IpcError::internal(format!("the signer's window could not open: {e}")))?;
    publish(&app, &optin_state);
    Ok(lock(&optin_state.session)?.as_ref().map(|s| s.id().to_string()).unwrap_or_default())
}

#[tauri::command]
pub async fn optin_status(optin_state: State<'_, OptinState>) -> CmdResult<Option<OptinStatus>> {
    Ok(lock(&optin_state.session)?.as_ref().map(Session::status))
}

/// Ends the session (unless it is being sent) and closes the signer's window.
#[tauri::command]
pub async fn optin_cancel<R: tauri::Runtime>(app: tauri::AppHandle<R>, optin_state: State<'_, OptinState>) -> CmdResult<()> {
    {
        let mut session = lock(&optin_state.session)?;
        optin_session::may_cancel(session.as_ref())?;
        *session = None;
    }
    if let Some(w) = app.get_webview_window(SIGNER_WINDOW) {
        let _ = w.destroy();
    }
    publish(&app, &optin_state);
    Ok(())
}

// ---- The signer's window ----

#[tauri::command]
pub async fn signer_view<R: tauri::Runtime>(app: tauri::AppHandle<R>, optin_state: State<'_, OptinState>, language: String) -> CmdResult<SignerView> {
    let view = signer_view_of(&optin_state, &language)?;
    publish(&app, &optin_state);
    Ok(view)
}

fn signer_view_of(optin_state: &OptinState, language: &str) -> Result<SignerView, IpcError> {
    let mut session = lock(&optin_state.session)?;
    let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
    let language = screen_language(language);
    // A change of language changes the consent shown: it is what gets recorded.
    s.shown(language, time::OffsetDateTime::now_utc());
    let contract = s.contract();
    Ok(SignerView {
        session_id: s.id().to_string(),
        source_name: contract.source_name.clone(),
        pages: contract.pages,
        has_pages: contract.pdf.is_some(),
        text: contract.text.clone(),
        text_sha256: contract.text_sha256.clone(),
        language: language.into(),
        consent_wording: optin::consent_wording(language).into(),
        consent_version: optin::CONSENT_VERSION.into(),
    })
}

/// Pages of the contract as typeset, drawn by the confined reader, a batch at a time.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignerPages {
    pub total: u32,
    pub first: u32,
    /// PNG images as data: URLs, in order.
    pub pages: Vec<String>,
}

/// How wide pages are drawn for the signer's screen (its window is 960 px wide).
const PAGE_WIDTH_PX: u32 = 1100;
const PAGE_BATCH: u32 = 4;

/// The next pages of the contract under signature, from `first`; drawn once per session.
#[tauri::command]
pub async fn signer_pages(optin_state: State<'_, OptinState>, first: u32) -> CmdResult<SignerPages> {
    use base64::Engine;
    use signet_core::untrusted::{self, Job, Reply};
    let (pdf, total_known, cached) = {
        let session = lock(&optin_state.session)?;
        let s = session.as_ref().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
        let pdf = s.contract().pdf.clone().ok_or_else(|| CoreError::invalid("view", "This contract is text only: it has no pages to show."))?;
        (pdf, s.contract().pages.unwrap_or(0), s.drawn_pages(first, PAGE_BATCH))
    };
    if !cached.is_empty() {
        return Ok(SignerPages { total: total_known, first, pages: cached });
    }
    let name = lock(&optin_state.session)?.as_ref().map(|s| s.contract().source_name.clone()).unwrap_or_default();
    let job = Job::RenderPages { width: PAGE_WIDTH_PX, first, count: PAGE_BATCH };
    let drawn = tauri::async_runtime::spawn_blocking(move || untrusted::read(&job, &pdf))
        .await
        .map_err(|e| IpcError::internal(format!("drawing the pages failed: {e}")))?;
    let (total, pngs) = match drawn {
        Ok(Reply::Rendered { total, pages }) => (total, pages),
        Ok(_) => return Err(IpcError::internal("the document reader answered something else")),
        Err(failure) => return Err(untrusted::refusal("view", &name, failure).into()),
    };
    let pages: Vec<String> = pngs.iter().map(|png| format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))).collect();
    if let Some(s) = lock(&optin_state.session)?.as_mut() {
        s.keep_drawn(first, &pages);
    }
    Ok(SignerPages { total, first, pages })
}

/// The signer's screen reports the contract was scrolled to its end, in the view
/// ("pages" or "text") the signer was reading.
#[tauri::command]
pub async fn signer_reached_end<R: tauri::Runtime>(app: tauri::AppHandle<R>, optin_state: State<'_, OptinState>, view: String) -> CmdResult<()> {
    {
        let mut session = lock(&optin_state.session)?;
        let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
        s.reached_end(&view)?;
    }
    publish(&app, &optin_state);
    Ok(())
}

/// The signer accepts: capture the circumstances, write the evidence, send.
#[tauri::command]
pub async fn signer_accept<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    optin_state: State<'_, OptinState>,
) -> CmdResult<OptinStatus> {
    let accepted_at = time::OffsetDateTime::now_utc();
    let accepting = {
        let mut session = lock(&optin_state.session)?;
        let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
        match s.accept(accepted_at)? {
            Ok(accepting) => accepting,
            Err(already) => return Ok(already),
        }
    };
    publish(&app, &optin_state);
    let outcome = submit(&state, &accepting, accepted_at).await;
    let finished = {
        let mut session = lock(&optin_state.session)?;
        let s = session.as_mut().ok_or_else(|| CoreError::Conflict("The session ended while it was being sent.".into()))?;
        s.finish(outcome)
    };
    publish(&app, &optin_state);
    Ok(finished)
}

async fn submit(state: &AppState, a: &Accepting, accepted_at: time::OffsetDateTime) -> Result<OptinSubmitted, CoreError> {
    let profile = state.with_settings(|s| s.active_profile()).map_err(|e| CoreError::Conflict(e.0.message))?;
    let access = state.access_for(&profile.id, ProviderId::Qitech)?;
    let client = clients::qitech(&access, HttpConfig::default())?;
    let addresses = optin::addresses(&access).await?;
    let at = Circumstances {
        session_id: a.session_id.clone(),
        accepted_at,
        opened_at: a.opened_at,
        scrolled_to_end: true,
        reading_view: a.reading_view.clone(),
        public_ip: addresses.public_ip,
        local_ip: Some(addresses.local_ip),
        local_port: Some(addresses.local_port),
        geolocation: a.geolocation.clone(),
        consent: optin::consent(a.language),
        operator: optin::operator(&profile.id, &profile.name),
    };
    let signing_key = state.evidence_key()?;
    optin::submit(state.db(), &signing_key, &client, &profile.id, &a.debt_key, &a.signer, &a.contract, &at).await
}
