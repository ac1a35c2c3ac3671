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
        OptinStatus {
            session_id: self.id.clone(),
            stage: stage.into(),
            opened: self.opened_at.is_some(),
            scrolled_to_end: self.scrolled_to_end,
            result,
            error,
        }
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

/// Every problem with the operator's form, each naming its field.
#[tauri::command]
pub async fn optin_check_form(debt: String, signer: SignerInput) -> CmdResult<Vec<ErrorBody>> {
    Ok(optin::field_errors(&debt, &signer))
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
        if !(-90.0..=90.0).contains(&g.latitude) || !(-180.0..=180.0).contains(&g.longitude) {
            return Err(CoreError::invalid("geolocation", "Latitude runs from -90 to 90 and longitude from -180 to 180.").into());
        }
    }
    let contract = lock(&optin_state.contract)?
        .clone()
        .ok_or_else(|| CoreError::invalid("contract", "Load the contract first (PDF or text)."))?;
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
        text: s.contract.text.clone(),
        text_sha256: s.contract.text_sha256.clone(),
        language: language.into(),
        consent_wording: optin::consent_wording(language).into(),
        consent_version: optin::CONSENT_VERSION.into(),
    })
}

/// The signer's screen reports the text was scrolled to its end.
#[tauri::command]
pub async fn signer_reached_end(optin_state: State<'_, OptinState>) -> CmdResult<()> {
    let mut session = lock(&optin_state.session)?;
    let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
    if s.opened_at.is_none() {
        return Err(CoreError::Conflict("The contract was not shown yet.".into()).into());
    }
    s.scrolled_to_end = true;
    Ok(())
}

/// The signer accepts: capture the circumstances, write the evidence, send.
#[tauri::command]
pub async fn signer_accept(state: State<'_, AppState>, optin_state: State<'_, OptinState>) -> CmdResult<OptinStatus> {
    let accepted_at = time::OffsetDateTime::now_utc();
    let (id, debt, signer, contract, geolocation, opened_at, language) = {
        let mut session = lock(&optin_state.session)?;
        let s = session.as_mut().ok_or_else(|| CoreError::Conflict("No contract is waiting to be signed.".into()))?;
        if !matches!(s.stage, Stage::Reading) {
            return Ok(s.status());
        }
        if !s.scrolled_to_end {
            return Err(CoreError::invalid("accept", "The contract must be read to its end before it can be accepted.").into());
        }
        s.stage = Stage::Submitting;
        (s.id.clone(), s.debt_key.clone(), s.signer.clone(), s.contract.clone(), s.geolocation.clone(), s.opened_at.unwrap_or(accepted_at), s.language)
    };
    let outcome = submit(&state, &id, &debt, &signer, &contract, geolocation, opened_at, accepted_at, language).await;
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
