//! App commands are declared here so Tauri generates an `allow-<command>` permission
//! for each; a window can call only those its capability grants.

const COMMANDS: &[&str] = &[
    "app_status",
    "list_profiles",
    "get_profile",
    "create_profile",
    "rename_profile",
    "delete_profile",
    "set_active_profile",
    "save_provider_settings",
    "set_secret",
    "set_secret_from_file",
    "delete_secret",
    "list_departments",
    "send_payment_request",
    "payment_history",
    "open_link",
    "copy_text",
    "list_operations",
    "resolve_operation",
    "check_operation",
    "resend_payment_request",
    "bulk_choose_file",
    "bulk_start",
    "bulk_resume",
    "bulk_status",
    "bulk_pause",
    "bulk_cancel",
    "bulk_unfinished",
    "bulk_export",
    "retry_operation_now",
    "cancel_waiting_operation",
    "list_tracked_signatures",
    "track_signature",
    "untrack_signature",
    "refresh_signature",
    "capture_signature",
];

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .expect("tauri-build failed");
}
