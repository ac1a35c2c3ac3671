//! Bulk payment requests at the desk: pick and preview a CSV file, send it in the
//! background with its progress pushed to the window (`bulk-progress`), pause, cancel, resume, export.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use signet_core::bulk::{self, Control, ParsedRow, Progress, UnfinishedRun};
use signet_core::catalog::ProviderId;
use signet_core::{clients, CoreError};
use signet_providers::HttpConfig;
use tauri::{Manager, State};
use ts_rs::TS;

use crate::error::{CmdResult, IpcError};
use crate::state::AppState;

/// Files read and checked but not yet sent, and runs in progress.
#[derive(Default)]
pub struct BulkState {
    imports: Mutex<HashMap<String, Import>>,
    running: Mutex<HashMap<String, Running>>,
}

/// A run being sent: its controls and its latest report (with rate and time left).
#[derive(Clone, Default)]
struct Running {
    control: Arc<Control>,
    latest: Arc<Mutex<Option<Progress>>>,
}

struct Import {
    source: String,
    bytes: Vec<u8>,
    rows: Vec<ParsedRow>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkPreview {
    /// Names this import for `bulk_start`; the file itself stays on the Rust side.
    pub token: String,
    pub source: String,
    pub rows: Vec<ParsedRow>,
    pub ready: u32,
    pub problems: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkStatus {
    pub progress: Progress,
    /// Being sent by this desk now (not paused or stopped).
    pub running: bool,
    pub paused: bool,
}

fn lock<T>(m: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, IpcError> {
    m.lock().map_err(|_| IpcError::internal("the bulk state lock was poisoned; restart Signet"))
}

/// Opens a CSV file in a native dialog and checks every row. Returns null if cancelled.
#[tauri::command]
pub async fn bulk_choose_file<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    bulk_state: State<'_, BulkState>,
) -> CmdResult<Option<BulkPreview>> {
    let Some(path) = crate::dialogs::pick_file(&app, &window, "Choose a CSV file of payment requests".into(), ("CSV", &["csv", "txt"])).await? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?;
    let rows = bulk::parse_csv(&bytes)?;
    let source = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let problems = rows.iter().filter(|r| r.problem.is_some()).count() as u32;
    let token = uuid::Uuid::new_v4().to_string();
    let preview = BulkPreview { token: token.clone(), source: source.clone(), ready: rows.len() as u32 - problems, problems, rows: rows.clone() };
    lock(&bulk_state.imports)?.insert(token, Import { source, bytes, rows });
    Ok(Some(preview))
}

/// Records the run (or finds the unfinished run of the same file) and starts sending.
#[tauri::command]
pub async fn bulk_start<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    bulk_state: State<'_, BulkState>,
    token: String,
    concurrency: usize,
) -> CmdResult<String> {
    bulk::check_concurrency(concurrency)?;
    let import = lock(&bulk_state.imports)?.remove(&token).ok_or_else(|| CoreError::invalid_as("file", signet_core::error_words::IMPORT_EXPIRED, &[]))?;
    let (profile_id, _) = state.access(ProviderId::Mykaarma)?;
    let (run_id, _) = state.with_store(|s| bulk::open_run(s, &profile_id, &import.source, &import.bytes, &import.rows))?;
    launch(app, &state, &bulk_state, run_id.clone(), concurrency)?;
    Ok(run_id)
}

/// Continues a run that was stopped (closed, killed or cancelled).
#[tauri::command]
pub async fn bulk_resume<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    bulk_state: State<'_, BulkState>,
    run_id: String,
    concurrency: usize,
) -> CmdResult<()> {
    launch(app, &state, &bulk_state, run_id, concurrency)
}

fn launch<R: tauri::Runtime>(app: tauri::AppHandle<R>, state: &AppState, bulk_state: &BulkState, run_id: String, concurrency: usize) -> CmdResult<()> {
    bulk::check_concurrency(concurrency)?;
    let (profile_id, access) = state.access(ProviderId::Mykaarma)?;
    let client = clients::kpay(&access, HttpConfig::default())?;
    let run = Running::default();
    {
        let mut running = lock(&bulk_state.running)?;
        if running.contains_key(&run_id) {
            return Err(CoreError::Conflict("This run is already being sent.".into()).into());
        }
        running.insert(run_id.clone(), run.clone());
    }
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let last_push = Mutex::new(None::<Instant>);
        let report = |p: &Progress| {
            if let Ok(mut latest) = run.latest.lock() {
                *latest = Some(p.clone());
            }
            // Pushed at a pace the eye can follow, and always once nothing is in flight
            // (a pause that has settled, the end of the run).
            let due = last_push.lock().is_ok_and(|mut last| {
                let due = p.in_flight == 0 || last.is_none_or(|at| at.elapsed() >= PUSH_EVERY);
                if due {
                    *last = Some(Instant::now());
                }
                due
            });
            if due {
                push(&app, BulkStatus { progress: p.clone(), running: true, paused: run.control.is_paused() });
            }
        };
        let failure = bulk::execute(state.shared_db(), &client, &profile_id, &run_id, concurrency, &run.control, report).await.err();
        if let Some(e) = &failure {
            tracing::error!(run = %run_id, "bulk run stopped: {e}");
        }
        if let Ok(mut running) = app.state::<BulkState>().running.lock() {
            running.remove(&run_id);
        }
        // The run is over (finished, stopped or failed): its counts as recorded.
        match state.with_store(|s| bulk::progress(s, &run_id)) {
            Ok(progress) => {
                tell_run_ended(&app, &progress, failure.as_ref());
                push(&app, BulkStatus { progress, running: false, paused: false });
            }
            Err(e) => tracing::error!(run = %run_id, "the run's counts could not be read: {}", e.0.message),
        }
    });
    Ok(())
}

fn tell_run_ended<R: tauri::Runtime>(app: &tauri::AppHandle<R>, p: &Progress, failure: Option<&CoreError>) {
    use crate::notify::Notice;
    let (sent, failed, unknown) = (p.sent, p.failed, p.unknown);
    let notice = if p.remaining == 0 && p.in_flight == 0 {
        Notice::BulkFinished { sent, failed, unknown }
    } else {
        Notice::BulkStopped { sent, failed, unknown, remaining: p.remaining, why: failure.map(|e| e.to_string()) }
    };
    crate::notify::tell(app, notice);
}

/// The event a run's progress is pushed to the main window with (a [`BulkStatus`]).
pub const PROGRESS_EVENT: &str = "bulk-progress";
/// How often, at most, a run's progress is pushed while rows are in flight.
const PUSH_EVERY: Duration = Duration::from_millis(150);

fn push<R: tauri::Runtime>(app: &tauri::AppHandle<R>, status: BulkStatus) {
    use tauri::Emitter;
    if let Err(e) = app.emit_to("main", PROGRESS_EVENT, status) {
        tracing::debug!("bulk progress not pushed: {e}");
    }
}

#[tauri::command]
pub async fn bulk_status(state: State<'_, AppState>, bulk_state: State<'_, BulkState>, run_id: String) -> CmdResult<BulkStatus> {
    let run = lock(&bulk_state.running)?.get(&run_id).cloned();
    let reported = run.as_ref().and_then(|r| r.latest.lock().ok().and_then(|l| l.clone()));
    let progress = match reported {
        Some(p) => p,
        None => state.with_store(|s| bulk::progress(s, &run_id))?,
    };
    Ok(BulkStatus { progress, running: run.is_some(), paused: run.is_some_and(|r| r.control.is_paused()) })
}

#[tauri::command]
pub async fn bulk_pause<R: tauri::Runtime>(app: tauri::AppHandle<R>, bulk_state: State<'_, BulkState>, run_id: String, paused: bool) -> CmdResult<()> {
    let Some(run) = lock(&bulk_state.running)?.get(&run_id).cloned() else { return Ok(()) };
    run.control.pause(paused);
    // The window shows "Paused" at once; the counts follow as the rows in flight settle.
    let latest = run.latest.lock().ok().and_then(|l| l.clone());
    if let Some(progress) = latest {
        push(&app, BulkStatus { progress, running: true, paused });
    }
    Ok(())
}

/// Stops starting new rows; those in flight finish. The run can be resumed later.
#[tauri::command]
pub async fn bulk_cancel(bulk_state: State<'_, BulkState>, run_id: String) -> CmdResult<()> {
    if let Some(run) = lock(&bulk_state.running)?.get(&run_id) {
        run.control.cancel();
    }
    Ok(())
}

/// Runs of the active profile that stopped before the end, to offer resuming them.
/// The runs this desk is sending now, so a screen opened again shows their progress.
#[tauri::command]
pub async fn bulk_running(bulk_state: State<'_, BulkState>) -> CmdResult<Vec<String>> {
    Ok(lock(&bulk_state.running)?.keys().cloned().collect())
}

#[tauri::command]
pub async fn bulk_unfinished(state: State<'_, AppState>, bulk_state: State<'_, BulkState>) -> CmdResult<Vec<UnfinishedRun>> {
    let (profile_id, _) = state.access(ProviderId::Mykaarma)?;
    let running = lock(&bulk_state.running)?.keys().cloned().collect::<Vec<_>>();
    let runs = state.with_store(|s| bulk::unfinished_runs(s, &profile_id))?;
    Ok(runs.into_iter().filter(|r| !running.contains(&r.progress.run_id)).collect())
}

/// Writes the per-row results to a CSV file chosen in a save dialog. Null if cancelled.
#[tauri::command]
pub async fn bulk_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    run_id: String,
) -> CmdResult<Option<String>> {
    let csv = state.with_store(|s| bulk::results_csv(s, &run_id))?;
    let Some(path) =
        crate::dialogs::save_file(&app, &window, "Save the results".into(), "payment-requests-results.csv".into(), crate::dialogs::SaveAs::Csv).await?
    else {
        return Ok(None);
    };
    std::fs::write(&path, csv).map_err(|source| CoreError::Io { context: format!("cannot write {}", path.display()), source })?;
    Ok(Some(path.display().to_string()))
}
