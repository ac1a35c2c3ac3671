use signet_core::catalog::ProviderId;
use signet_core::payments::{self, Department, PaymentSentView};
use signet_core::store::OperationRecord;
use signet_core::{clients, CoreError};
use signet_providers::kpay::PaymentRequest;
use signet_providers::HttpConfig;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// The active profile's departments: the Sandbox's demo ones, or those in Settings.
#[tauri::command]
pub async fn list_departments(state: State<'_, AppState>) -> CmdResult<Vec<Department>> {
    let (profile_id, access) = state.access(ProviderId::Mykaarma)?;
    if profile_id == signet_core::settings::SANDBOX_PROFILE_ID {
        return Ok(signet_sandbox::demo::DEPARTMENTS.iter().map(|(uuid, name)| Department { name: name.to_string(), uuid: uuid.to_string() }).collect());
    }
    Ok(payments::parse_departments("mykaarma.departments", access.value("departments").unwrap_or_default())?)
}

/// Every problem with the payment request form, each naming its field (checked as
/// the operator types; the rules live in core, not in the window).
#[tauri::command]
pub async fn payment_check_form(department: String, request: PaymentRequest) -> CmdResult<Vec<signet_core::error::ErrorBody>> {
    Ok(payments::field_errors(&department, &request))
}

/// Sends one payment request. Without `again`, an invoice that already has one is
/// refused with code `duplicate` and the earlier operation in `detail`.
#[tauri::command]
pub async fn send_payment_request(
    state: State<'_, AppState>,
    department: String,
    request: PaymentRequest,
    choice: signet_core::outbox::SendChoice,
) -> CmdResult<PaymentSentView> {
    payments::check(&department, &request)?;
    let (profile_id, access) = state.access(ProviderId::Mykaarma)?;
    let client = clients::kpay(&access, HttpConfig::default())?;
    let sent = payments::send(state.db(), &client, &profile_id, &department, &request, choice).await?;
    Ok(PaymentSentView::from(&sent))
}

/// Every payment request recorded for an invoice, newest first.
#[tauri::command]
pub async fn payment_history(state: State<'_, AppState>, invoice: String) -> CmdResult<Vec<OperationRecord>> {
    state.with_store(|s| payments::history(s, &invoice))
}

/// Opens a payment or invoice link in the default browser. Only web links.
#[tauri::command]
pub async fn open_link<R: tauri::Runtime>(app: tauri::AppHandle<R>, url: String) -> CmdResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let url = signet_core::validate::document_url("url", &url).or_else(|_| signet_core::validate::base_url("url", &url))?;
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| CoreError::Io { context: "cannot open the browser".into(), source: std::io::Error::other(e.to_string()) })?;
    Ok(())
}

#[tauri::command]
pub async fn copy_text<R: tauri::Runtime>(app: tauri::AppHandle<R>, text: String) -> CmdResult<()> {
    use tauri_plugin_clipboard_manager::ClipboardExt;
    app.clipboard().write_text(text).map_err(|e| CoreError::Io { context: "cannot use the clipboard".into(), source: std::io::Error::other(e.to_string()) })?;
    Ok(())
}

/// Sends again a payment request that failed, or whose unknown outcome the operator
/// has judged not received (it is marked so first).
#[tauri::command]
pub async fn resend_payment_request(state: State<'_, AppState>, key: String) -> CmdResult<PaymentSentView> {
    let (profile_id, access) = state.access(ProviderId::Mykaarma)?;
    let client = clients::kpay(&access, HttpConfig::default())?;
    let sent = payments::send_again(state.db(), &client, &profile_id, &key).await?;
    Ok(PaymentSentView::from(&sent))
}
