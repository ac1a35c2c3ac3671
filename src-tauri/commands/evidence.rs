//! The evidence ledger at the desk: look a signature up, export its dossier, check
//! a dossier, verify the whole ledger again.

use serde::Serialize;
use signet_core::evidence::ledger::{self, LedgerReport};
use signet_core::evidence::{dossier, dossier::DossierReport};
use signet_core::CoreError;
use tauri::State;
use ts_rs::TS;

use crate::error::CmdResult;
use crate::state::AppState;

/// One ledger record as the lookup lists it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EvidenceEntry {
    #[ts(type = "number")]
    pub position: u64,
    pub kind: String,
    pub session_id: String,
    pub debt_key: String,
    pub recorded_at: String,
    #[ts(type = "unknown")]
    pub body: serde_json::Value,
}

/// The records about a session id, a debt key or a CPF.
#[tauri::command]
pub async fn evidence_find(state: State<'_, AppState>, query: String) -> CmdResult<Vec<EvidenceEntry>> {
    let found = state.with_store(|s| ledger::find(s, &query))?;
    Ok(found
        .into_iter()
        .map(|r| EvidenceEntry {
            position: r.seq,
            kind: r.kind,
            session_id: r.session_id,
            debt_key: r.debt_key,
            recorded_at: r.recorded_at,
            body: serde_json::from_str(&r.body).unwrap_or(serde_json::Value::String(r.body)),
        })
        .collect())
}

/// Writes a session's dossier where the operator chooses. Null if cancelled.
#[tauri::command]
pub async fn evidence_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    session_id: String,
) -> CmdResult<Option<String>> {
    let key = state.evidence_key()?;
    let bytes = state.with_store(|s| dossier::export(s, &key, session_id.trim()))?;
    let name = format!("dossie-{}.zip", session_id.trim());
    let Some(path) = crate::dialogs::save_file(&app, &window, "Save the dossier".into(), name, crate::dialogs::SaveAs::Dossier).await? else {
        return Ok(None);
    };
    std::fs::write(&path, bytes).map_err(|source| CoreError::Io { context: format!("cannot write {}", path.display()), source })?;
    Ok(Some(path.display().to_string()))
}

/// Checks a dossier chosen in a native dialog, against this installation's key.
#[tauri::command]
pub async fn evidence_check<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, AppState>,
) -> CmdResult<Option<DossierReport>> {
    let Some(path) = crate::dialogs::pick_file(&app, &window, "Choose a dossier to check".into(), ("Dossier", &["zip"])).await? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?;
    let expected = state.with_store(signet_core::evidence::key::recorded_public_key)?;
    Ok(Some(dossier::check(&bytes, expected.as_deref())?))
}

/// Verifies the whole ledger again (as at start-up).
#[tauri::command]
pub async fn evidence_verify(state: State<'_, AppState>) -> CmdResult<LedgerReport> {
    Ok(state.verify_evidence()?)
}

/// Checks the evidence archive against this desk's ledger: every record there and
/// unchanged, the archived chain, checkpoints and dossiers intact.
#[tauri::command]
pub async fn verify_archive(state: State<'_, AppState>) -> CmdResult<signet_core::archive::check::ArchiveReport> {
    let archive =
        state.archive()?.ok_or_else(|| CoreError::invalid("archive.bucket", "This profile has no evidence archive: set it in Settings, Evidence archive."))?;
    let public_key = state
        .with_store(signet_core::evidence::key::recorded_public_key)?
        .ok_or_else(|| CoreError::Conflict("This installation has no evidence yet: there is nothing to check.".into()))?;
    let local = state.with_store(signet_core::archive::check::LocalLedger::read)?;
    Ok(signet_core::archive::check::verify(&archive, &public_key, Some(&local)).await?)
}
