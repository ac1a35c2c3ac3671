use serde::Serialize;
use signet_core::secrets::KeyringStatus;
use signet_core::settings::ProfileSummary;
use signet_core::store::OperationStatus;
use tauri::State;
use ts_rs::TS;

use crate::error::CmdResult;
use crate::state::AppState;

/// What the status bar shows.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatus {
    pub version: String,
    /// The language the desk is shown in: "en" or "pt-BR".
    pub language: String,
    /// What Settings has: "system" (follow the computer, the default) or a language.
    pub language_choice: String,
    pub active_profile: ProfileSummary,
    pub keyring: KeyringStatus,
    pub data_dir: String,
    pub log_dir: String,
    /// Where the built-in Sandbox serves every provider (http://127.0.0.1:PORT).
    pub sandbox_url: Option<String>,
    /// Why the Sandbox is not running, if it is not.
    pub sandbox_problem: Option<String>,
    /// Operations being sent right now.
    pub pending_operations: u32,
    /// Operations whose outcome is unknown: someone must check them.
    pub needs_attention: u32,
    /// Operations that could not reach their provider; sent again by themselves.
    pub waiting_operations: u32,
    /// What the start-up verification of the evidence ledger found, once it ran.
    pub evidence: Option<signet_core::evidence::ledger::LedgerReport>,
    /// In team mode: what is not in the team store yet, and why, if it cannot be reached.
    pub team: Option<TeamStatus>,
    /// With an evidence archive: what is not archived yet, and why, if it is stuck.
    pub archive: Option<ArchiveStatus>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ArchiveStatus {
    #[ts(type = "number")]
    pub not_archived: u64,
    pub problem: Option<String>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamStatus {
    #[ts(type = "number")]
    pub queued: u64,
    pub problem: Option<String>,
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let active_profile = state.with_settings(|s| s.active_profile())?;
    let counts = state.with_store(|s| s.operation_counts())?;
    let count = |status| counts.iter().filter(|(s, _)| *s == status).map(|(_, n)| *n as u32).sum();
    Ok(AppStatus {
        version: env!("CARGO_PKG_VERSION").into(),
        language: state.with_store(signet_core::settings::language)?,
        language_choice: state.with_store(signet_core::settings::language_choice)?,
        active_profile,
        keyring: state.secrets().status(),
        data_dir: state.paths.data_dir.display().to_string(),
        log_dir: state.paths.log_dir.display().to_string(),
        sandbox_url: state.sandbox.as_ref().ok().cloned(),
        sandbox_problem: state.sandbox.as_ref().err().cloned(),
        pending_operations: count(OperationStatus::Pending),
        needs_attention: count(OperationStatus::Unknown),
        waiting_operations: count(OperationStatus::Waiting),
        evidence: state.evidence.lock().ok().and_then(|e| e.clone()),
        team: match state.team() {
            Some(team) => Some(TeamStatus { queued: state.with_store(|s| s.team_queue_len())?, problem: team.problem() }),
            None => None,
        },
        archive: match state.archive_configured() {
            true => Some(ArchiveStatus {
                not_archived: state.with_store(signet_core::archive::archiver::not_archived)?,
                problem: state.archive_problem.lock().ok().and_then(|p| p.clone()),
            }),
            false => None,
        },
    })
}

/// When the process started, for the time the window took to be ready.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// The window says it is drawn and usable (fonts loaded, first status shown). Logged
/// with the time since start: scripts/check-bundle.sh waits for this line when it
/// starts an unpacked package, and an operator's log shows how long start-up took.
#[tauri::command]
pub fn window_ready() {
    let after_ms = STARTED.get().map(|t| t.elapsed().as_millis() as u64).unwrap_or_default();
    tracing::info!(after_ms, "window ready");
}
