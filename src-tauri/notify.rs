//! Desktop notifications: when something the operator waits for happens while they
//! are looking elsewhere (the main window not focused), unless turned off in Settings.
//! Sent from Rust through Tauri's notification plugin; the webview has no permission.

use signet_core::store::OperationStatus;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// Tells the operator `title` (and `body`), if notifications are on and the desk's
/// window does not have the focus (then they see it there already).
pub fn tell<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    let state = app.state::<AppState>();
    match state.with_store(signet_core::settings::notifications_enabled) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!("notification setting unreadable: {}", e.0.message);
            return;
        }
    }
    let focused = app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false);
    if focused {
        tracing::debug!(title, "not notified: the window has the focus");
        return;
    }
    match app.notification().builder().title(title).body(body).show() {
        Ok(()) => tracing::info!(title, "notification shown"),
        Err(e) => tracing::warn!(title, "notification could not be shown: {e}"),
    }
}

/// Watches the number of operations whose outcome is unknown and tells the operator
/// when it grows (whatever area they came from).
#[derive(Default)]
pub struct AttentionWatch {
    last: Option<u64>,
}

impl AttentionWatch {
    pub fn look<R: Runtime>(&mut self, app: &AppHandle<R>) {
        let counts = match app.state::<AppState>().with_store(|s| s.operation_counts()) {
            Ok(counts) => counts,
            Err(_) => return,
        };
        let unknown = counts.iter().filter(|(s, _)| *s == OperationStatus::Unknown).map(|(_, n)| n).sum();
        // The first look only learns what was already there when the desk opened.
        if self.last.is_some_and(|before| unknown > before) {
            let body = if unknown == 1 {
                "1 operation may or may not have reached its provider: check it in Activity before sending it again.".to_string()
            } else {
                format!("{unknown} operations may or may not have reached their provider: check them in Activity before sending them again.")
            };
            tell(app, "An operation needs attention", &body);
        }
        self.last = Some(unknown);
    }
}
