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
use signet_core::{clients, CoreError, ErrorBody};
use signet_providers::HttpConfig;
use tauri::{Manager, State};
use ts_rs::TS;

use crate::error::{CmdResult, IpcError};
use crate::state::AppState;

pub const SIGNER_WINDOW: &str = "signer";

/// The contract loaded for the next signature, and the signature under way.
#[derive(Default)]
pub struct OptinState {
    contract: Mutex<Option<Contract>>,
    session: Mutex<Option<Session>>,
}

struct Session {
    id: String,
    debt_key: String,
    signer: SignerInput,
    contract: Contract,
    geolocation: Option<Geolocation>,
    opened_at: Option<time::OffsetDateTime>,
    scrolled_to_end: bool,
    /// What the signer was reading on when they reached the end: "pages" or "text".
    reading_view: Option<String>,
    /// Pages already drawn for the signer's screen (PNG data URLs), by index.
    drawn: std::collections::BTreeMap<u32, String>,
    /// The language the signer's screen last showed, with its consent wording:
    /// what is recorded is what was on screen, not what the webview claims.
    language: &'static str,
    stage: Stage,
}

#[derive(Clone)]
enum Stage {
    Reading,
    Submitting,
    Done(OptinSubmitted),
    Failed(ErrorBody),
}

/// Where the signature under way stands, for the operator's screen.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OptinStatus {
    pub session_id: String,
    /// reading, submitting, done or failed.
    pub stage: String,
    /// The signer's screen has shown the contract.
    pub opened: bool,
    pub scrolled_to_end: bool,
    pub result: Option<OptinSubmitted>,
    pub error: Option<ErrorBody>,
}

impl Session {
    fn status(&self) -> OptinStatus {
        let (stage, result, error) = match &self.stage {
            Stage::Reading => ("reading", None, None),
            Stage::Submitting => ("submitting", None, None),
            Stage::Done(r) => ("done", Some(r.clone()), None),
            Stage::Failed(e) => ("failed", None, Some(e.clone())),
        };
        OptinStatus { session_id: self.id.clone(), stage: stage.into(), opened: self.opened_at.is_some(), scrolled_to_end: self.scrolled_to_end, result, error }
    }
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
    if let Some(first) = optin::field_errors(&debt, &signer).into_iter().next() {
        return Err(IpcError(first));
    }
    if let Some(g) = &geolocation {
        g.check()?;
    }
    let contract = lock(&optin_state.contract)?.clone().ok_or_else(|| CoreError::invalid("contract", "Load the contract first (PDF or text)."))?;
    {
        let mut session = lock(&optin_state.session)?;
        if matches!(session.as_ref().map(|s| &s.stage), Some(Stage::Submitting)) {
            return Err(CoreError::Conflict("A signature is being sent; wait for its answer.".into()).into());
        }
        *session = Some(Session {
            id: uuid::Uuid::new_v4().to_string(),
            debt_key: debt.trim().into(),
            signer,
            contract,
            geolocation,
            opened_at: None,
            scrolled_to_end: false,
            reading_view: None,
            drawn: Default::default(),
            language: "pt-BR",
            stage: Stage::Reading,
        });
    }
    if let Some(old) = app.get_webview_window(SIGNER_WINDOW) {
        let _ = old.destroy();
    }
    tauri::WebviewWindowBuilder::new(&app, SIGNER_WINDOW, tauri::WebviewUrl::App("signer.html".into()))
        .title("Signet — contrato")
        .inner_size(960.0, 820.0)
        .build()
        .map_err(|e| IpcError::internal(format!("the signer's window could not open: {e}")))?;
    Ok(lock(&optin_state.session)?.as_ref().map(|s| s.id.clone()).unwrap_or_default())
}

#[tauri::command]
pub async fn optin_status(optin_state: State<'_, OptinState>) -> CmdResult<Option<OptinStatus>> {
    Ok(lock(&optin_state.session)?.as_ref().map(Session::status))
}

/// Ends the session (unless it is being sent) and closes the signer's window.
#[tauri::command]
pub async fn optin_cancel<R: tauri::Runtime>(app: tauri::AppHandle<R>, optin_state: State<'_, OptinState>) -> CmdResult<()> {
    let mut session = lock(&optin_state.session)?;
    if matches!(session.as_ref().map(|s| &s.stage), Some(Stage::Submitting)) {
        return Err(CoreError::Conflict("The signature is being sent; it cannot be cancelled now.".into()).into());
    }
    *session = None;
    if let Some(w) = app.get_webview_window(SIGNER_WINDOW) {
        let _ = w.destroy();
    }
    Ok(())
}

// ---- The signer's window ----

#[tauri::command]
pub async fn signer_view(optin_state: State<'_, OptinState>, language: String) -> CmdResult<SignerView> {
    let mut session = lock(&optin_state.session)?;
    let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
    s.opened_at.get_or_insert_with(time::OffsetDateTime::now_utc);
    let language = screen_language(&language);
    if s.language != language {
        // The consent shown changed: it must be read and ticked again in this language.
        s.language = language;
    }
    Ok(SignerView {
        session_id: s.id.clone(),
        source_name: s.contract.source_name.clone(),
        pages: s.contract.pages,
        has_pages: s.contract.pdf.is_some(),
        text: s.contract.text.clone(),
        text_sha256: s.contract.text_sha256.clone(),
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
        let pdf = s.contract.pdf.clone().ok_or_else(|| CoreError::invalid("view", "This contract is text only: it has no pages to show."))?;
        let total = s.contract.pages.unwrap_or(0);
        let cached: Vec<String> = (first..(first + PAGE_BATCH).min(total)).map_while(|n| s.drawn.get(&n).cloned()).collect();
        (pdf, total, cached)
    };
    if !cached.is_empty() {
        return Ok(SignerPages { total: total_known, first, pages: cached });
    }
    let name = lock(&optin_state.session)?.as_ref().map(|s| s.contract.source_name.clone()).unwrap_or_default();
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
        for (n, page) in pages.iter().enumerate() {
            s.drawn.insert(first + n as u32, page.clone());
        }
    }
    Ok(SignerPages { total, first, pages })
}

/// The signer's screen reports the contract was scrolled to its end, in the view
/// ("pages" or "text") the signer was reading.
#[tauri::command]
pub async fn signer_reached_end(optin_state: State<'_, OptinState>, view: String) -> CmdResult<()> {
    let mut session = lock(&optin_state.session)?;
    let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
    if s.opened_at.is_none() {
        return Err(CoreError::Conflict("The contract was not shown yet.".into()).into());
    }
    let view = match view.as_str() {
        "pages" if s.contract.pdf.is_some() => "pages",
        "text" => "text",
        _ => return Err(CoreError::invalid("view", "The view is \"pages\" (a PDF's pages) or \"text\".").into()),
    };
    if !s.scrolled_to_end {
        s.reading_view = Some(view.into());
    }
    s.scrolled_to_end = true;
    Ok(())
}

/// The signer accepts: capture the circumstances, write the evidence, send.
#[tauri::command]
pub async fn signer_accept(state: State<'_, AppState>, optin_state: State<'_, OptinState>) -> CmdResult<OptinStatus> {
    let accepted_at = time::OffsetDateTime::now_utc();
    let (id, debt, signer, contract, geolocation, opened_at, language, reading_view) = {
        let mut session = lock(&optin_state.session)?;
        let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
        if !matches!(s.stage, Stage::Reading) {
            return Ok(s.status());
        }
        if !s.scrolled_to_end {
            return Err(CoreError::invalid("accept", "The contract must be read to its end before it can be accepted.").into());
        }
        s.stage = Stage::Submitting;
        (
            s.id.clone(),
            s.debt_key.clone(),
            s.signer.clone(),
            s.contract.clone(),
            s.geolocation.clone(),
            s.opened_at.unwrap_or(accepted_at),
            s.language,
            s.reading_view.clone(),
        )
    };
    let outcome = submit(&state, &id, &debt, &signer, &contract, geolocation, opened_at, accepted_at, language, reading_view).await;
    let mut session = lock(&optin_state.session)?;
    let s = session.as_mut().ok_or_else(|| CoreError::Conflict("The session ended while it was being sent.".into()))?;
    s.stage = match outcome {
        Ok(done) => Stage::Done(done),
        Err(e) => {
            tracing::warn!(session = %id, code = e.code(), "opt-in signature not completed: {e}");
            Stage::Failed(e.body())
        }
    };
    Ok(s.status())
}

#[allow(clippy::too_many_arguments)]
async fn submit(
    state: &AppState,
    session_id: &str,
    debt: &str,
    signer: &SignerInput,
    contract: &Contract,
    geolocation: Option<Geolocation>,
    opened_at: time::OffsetDateTime,
    accepted_at: time::OffsetDateTime,
    language: &str,
    reading_view: Option<String>,
) -> Result<OptinSubmitted, CoreError> {
    let profile = state.with_settings(|s| s.active_profile()).map_err(|e| CoreError::Conflict(e.0.message))?;
    let access = state.access_for(&profile.id, ProviderId::Qitech)?;
    let client = clients::qitech(&access, HttpConfig::default())?;
    let addresses = optin::addresses(&access).await?;
    let at = Circumstances {
        session_id: session_id.into(),
        accepted_at,
        opened_at,
        scrolled_to_end: true,
        reading_view,
        public_ip: addresses.public_ip,
        local_ip: Some(addresses.local_ip),
        local_port: Some(addresses.local_port),
        geolocation,
        consent: optin::consent(language),
        operator: optin::operator(&profile.id, &profile.name),
    };
    let signing_key = state.evidence_key()?;
    optin::submit(state.db(), &signing_key, &client, &profile.id, debt, signer, contract, &at).await
}
