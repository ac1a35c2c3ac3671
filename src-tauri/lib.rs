//! The Tauri shell: it opens the window, holds the state, and turns IPC calls into
//! calls on `signet-core`. Logic lives in the core; commands here only parse, call
//! and map errors.

pub mod commands;
mod dialogs;
mod error;
mod instance;
pub mod logging;
mod notify;
mod state;
mod webkit_tuning;

pub use error::IpcError;
pub use state::{AppPaths, AppState};

use tauri::Manager;

/// Registers every command and plugin; shared by `run` and the mock-runtime tests.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .manage(commands::bulk::BulkState::default())
        .manage(commands::optin::OptinState::default())
        .manage(commands::picked_pdf::PdfPicks::default())
        .manage(commands::kyc::KycState::default())
        .manage(commands::updates::UpdateState::default())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .invoke_handler(tauri::generate_handler![
            commands::status::app_status,
            commands::status::window_ready,
            commands::today::today,
            commands::settings::list_profiles,
            commands::settings::get_profile,
            commands::settings::create_profile,
            commands::settings::rename_profile,
            commands::settings::delete_profile,
            commands::settings::set_active_profile,
            commands::settings::save_provider_settings,
            commands::settings::set_secret,
            commands::settings::set_secret_from_file,
            commands::settings::delete_secret,
            commands::payments::list_departments,
            commands::payments::payment_check_form,
            commands::payments::send_payment_request,
            commands::payments::payment_history,
            commands::payments::open_link,
            commands::payments::copy_text,
            commands::activity::list_operations,
            commands::activity::resolve_operation,
            commands::activity::check_operation,
            commands::payments::resend_payment_request,
            commands::bulk::bulk_choose_file,
            commands::bulk::bulk_start,
            commands::bulk::bulk_resume,
            commands::bulk::bulk_status,
            commands::bulk::bulk_pause,
            commands::bulk::bulk_cancel,
            commands::bulk::bulk_unfinished,
            commands::bulk::bulk_running,
            commands::bulk::bulk_export,
            commands::activity::retry_operation_now,
            commands::activity::cancel_waiting_operation,
            commands::signatures::list_tracked_signatures,
            commands::signatures::signature_check_form,
            commands::signatures::track_signature,
            commands::signatures::untrack_signature,
            commands::signatures::refresh_signature,
            commands::signatures::capture_signature,
            commands::optin::optin_choose_contract,
            commands::optin::optin_check_form,
            commands::optin::optin_open_signer,
            commands::optin::optin_status,
            commands::optin::optin_cancel,
            commands::evidence::evidence_find,
            commands::evidence::evidence_export,
            commands::evidence::evidence_check,
            commands::evidence::evidence_verify,
            commands::optin::signer_view,
            commands::optin::signer_reached_end,
            commands::optin::signer_pages,
            commands::optin::signer_accept,
            commands::signzy::signzy_choose_pdf,
            commands::signzy::signzy_initiate,
            commands::signzy::signzy_contracts,
            commands::signzy::signzy_status,
            commands::signzy::signzy_signed_copy,
            commands::leegality::leegality_choose_pdf,
            commands::leegality::leegality_initiate,
            commands::leegality::leegality_documents,
            commands::leegality::leegality_status,
            commands::leegality::leegality_download,
            commands::signed::open_signed_document,
            commands::settings::test_connection,
            commands::settings::notifications_setting,
            commands::settings::set_notifications,
            commands::settings::set_language,
            commands::activity::team_operations,
            commands::activity::team_directory,
            commands::evidence::verify_archive,
            commands::kyc::kyc_configuration,
            commands::kyc::kyc_choose_file,
            commands::kyc::kyc_clear_file,
            commands::kyc::kyc_submit,
            commands::kyc::kyc_progress,
            commands::kyc::kyc_picked,
            commands::updates::update_address,
            commands::updates::set_update_address,
            commands::updates::update_check,
            commands::updates::update_install,
            commands::updates::update_restart,
        ])
}

/// The Sandbox of every provider, on a free loopback port, for the Sandbox profile.
/// It lives as long as the desk; if it cannot start, the desk still opens and says why.
fn start_sandbox() -> Result<signet_sandbox::Sandbox, String> {
    let started = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(signet_sandbox::SandboxConfig::default()));
    match started {
        Ok(sandbox) => {
            tracing::info!(url = %sandbox.base_url(), "Sandbox serving every provider");
            Ok(sandbox)
        }
        Err(e) => {
            tracing::error!("the Sandbox could not start: {e}");
            Err(format!("The built-in Sandbox could not start: {e}"))
        }
    }
}

/// How often the desk looks for waiting operations whose next try is due.
const RETRY_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// While the desk is open, operations that could not reach their provider are sent
/// again when their time comes (their backoff is kept in the database).
/// On the same tick, a notification when more operations need attention.
fn spawn_retry_timer<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut attention = notify::AttentionWatch::default();
        loop {
            tokio::time::sleep(RETRY_TICK).await;
            app.state::<AppState>().retry_due().await;
            attention.look(&app);
        }
    });
}

/// How often the desk asks DollarPe about the KYC updates it sent and that are not
/// decided yet.
const KYC_FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// How often the desk pushes its new history to the team store.
const TEAM_SYNC_TICK: std::time::Duration = std::time::Duration::from_secs(3);
/// How often new evidence is archived (the profile's evidence archive).
const ARCHIVE_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// In team mode, what the desk records reaches the team store in the background;
/// a store that is down is tried again on the next tick (nothing leaves the queue
/// until the store has it).
/// Follows the KYC updates the desk sent until DollarPe decides, on a timer of its
/// own so a slow DollarPe never holds up the sends waiting for the network.
fn spawn_kyc_following<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(KYC_FOLLOW_EVERY).await;
            commands::kyc::follow_unsettled(&app).await;
        }
    });
}

/// Archives new evidence while the desk is open (the profile's evidence archive).
fn spawn_archiving<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(ARCHIVE_TICK).await;
            if app.state::<AppState>().archive_pass().await {
                use tauri::Emitter;
                let _ = app.emit_to("main", "status-changed", ());
            }
        }
    });
}

fn spawn_team_sync<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(TEAM_SYNC_TICK).await;
            let state = app.state::<AppState>();
            let Some(team) = state.team() else { continue };
            let before = team.problem();
            let outcome = team.sync(state.db(), 20).await;
            // The status bar's "to push" count and the team indicator follow at once.
            let changed = matches!(&outcome, Ok(report) if report.pushed > 0) || team.problem() != before;
            if let Err(e) = outcome {
                tracing::debug!("team store not reached this time: {e}");
            }
            if changed {
                use tauri::Emitter;
                let _ = app.emit_to("main", "status-changed", ());
            }
        }
    });
}

/// Verifies the evidence ledger once at start-up, off the main thread.
fn spawn_evidence_check<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = app.state::<AppState>().verify_evidence() {
            tracing::error!("the evidence ledger could not be verified: {e}");
        }
    });
}

/// Says why this desk cannot start (on stderr and in a dialog), then closes it.
fn refuse_to_start(app: &tauri::AppHandle, problem: String) {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    eprintln!("signet-desk: {problem}");
    if let Some(main) = app.get_webview_window("main") {
        let _ = main.hide();
    }
    let handle = app.clone();
    app.dialog().message(problem).title("Signet").kind(MessageDialogKind::Warning).show(move |_| handle.exit(3));
}

pub fn run() {
    commands::status::STARTED.get_or_init(std::time::Instant::now);
    webkit_tuning::apply();
    builder(tauri::Builder::default())
        .setup(|app| {
            let paths = AppPaths::resolve(app.handle())?;
            let lock = match instance::DeskLock::take(&paths.data_dir) {
                Ok(lock) => lock,
                Err(problem) => {
                    refuse_to_start(app.handle(), problem);
                    return Ok(());
                }
            };
            app.manage(lock);
            let guard = logging::init(&paths.log_dir)?;
            tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %paths.data_dir.display(), "Signet starting");
            let mut state = AppState::open(paths, std::sync::Arc::new(signet_core::secrets::OsKeyring))?;
            match start_sandbox() {
                Ok(sandbox) => {
                    state.sandbox = Ok(sandbox.base_url());
                    // Managed so it lives, and serves, as long as the desk.
                    app.manage(sandbox);
                }
                Err(problem) => state.sandbox = Err(problem),
            }
            if let Err(e) = state.refresh_team() {
                tracing::warn!("team mode could not be set up: {}", e.0.message);
            }
            app.manage(state);
            app.manage(guard);
            spawn_retry_timer(app.handle().clone());
            spawn_team_sync(app.handle().clone());
            spawn_archiving(app.handle().clone());
            spawn_kyc_following(app.handle().clone());
            spawn_evidence_check(app.handle().clone());
            let handle = app.handle().clone();
            if let Some(main) = app.get_webview_window("main") {
                // Documents dropped on the window are read and checked in Rust, like picked ones.
                main.on_window_event(move |event| {
                    if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                        commands::kyc::files_dropped(&handle, paths.clone());
                    }
                });
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the Signet window could not be started");
}
