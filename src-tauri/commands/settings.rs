use secrecy::SecretString;
use signet_core::catalog::{FieldKind, ProviderId};
use signet_core::settings::{ProfileDetail, ProfileSummary, ProviderSettingsInput, ProviderView};
use signet_core::CoreError;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Largest key file we read: PEM keys are a few hundred bytes.
const KEY_FILE_MAX_BYTES: u64 = 64 * 1024;

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> CmdResult<Vec<ProfileSummary>> {
    state.with_settings(|s| s.profiles())
}

#[tauri::command]
pub async fn get_profile(state: State<'_, AppState>, id: String) -> CmdResult<ProfileDetail> {
    state.with_settings(|s| s.profile_detail(&id))
}

#[tauri::command]
pub async fn create_profile(state: State<'_, AppState>, name: String) -> CmdResult<ProfileSummary> {
    state.with_settings(|s| s.create_profile(&name))
}

#[tauri::command]
pub async fn rename_profile(state: State<'_, AppState>, id: String, name: String) -> CmdResult<ProfileSummary> {
    state.with_settings(|s| s.rename_profile(&id, &name))
}

#[tauri::command]
pub async fn delete_profile(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    state.with_settings(|s| s.delete_profile(&id))
}

#[tauri::command]
pub async fn set_active_profile(state: State<'_, AppState>, id: String) -> CmdResult<ProfileSummary> {
    let active = state.with_settings(|s| s.set_active_profile(&id))?;
    state.refresh_team()?;
    Ok(active)
}

#[tauri::command]
pub async fn save_provider_settings(
    state: State<'_, AppState>,
    profile_id: String,
    provider: ProviderId,
    input: ProviderSettingsInput,
) -> CmdResult<ProviderView> {
    let saved = state.with_settings(|s| s.save_provider_settings(&profile_id, provider, &input))?;
    if provider == ProviderId::Team {
        state.refresh_team()?;
    }
    Ok(saved)
}

/// The value arrives as a `SecretString`, so it is redacted from any Debug output.
#[tauri::command]
pub async fn set_secret(state: State<'_, AppState>, profile_id: String, provider: ProviderId, field: String, value: SecretString) -> CmdResult<()> {
    state.with_settings(|s| s.set_secret(&profile_id, provider, &field, &value))?;
    if provider == ProviderId::Team {
        state.refresh_team()?;
    }
    Ok(())
}

/// Picks a key file in a native dialog and stores its contents as the secret. The
/// file is read here, so its bytes never cross IPC. Returns false if cancelled.
#[tauri::command]
pub async fn set_secret_from_file<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    profile_id: String,
    provider: ProviderId,
    field: String,
) -> CmdResult<bool> {
    let label = match provider.field(&field) {
        Some(spec) if spec.kind == FieldKind::PrivateKeyPem => spec.label,
        _ => {
            return Err(CoreError::invalid(format!("{}.{field}", provider.as_str()), "Only a private key can be read from a file; paste other secrets.").into())
        }
    };
    let title = format!("Choose the {provider} {label} file");
    let Some(path) = crate::dialogs::pick_file(&app, &window, title, ("PEM key", &["pem", "key", "txt"])).await? else {
        return Ok(false);
    };
    let value = read_key_file(&path, &format!("{}.{field}", provider.as_str()))?;
    state.with_settings(|s| s.set_secret(&profile_id, provider, &field, &value))?;
    Ok(true)
}

fn read_key_file(path: &std::path::Path, field: &str) -> Result<SecretString, CoreError> {
    let name = path.display();
    let len = std::fs::metadata(path).map_err(|source| CoreError::Io { context: format!("cannot read {name}"), source })?.len();
    if len > KEY_FILE_MAX_BYTES {
        return Err(CoreError::invalid(field, format!("{name} is {len} bytes; a PEM key is a few hundred. Choose the key file itself.")));
    }
    let bytes = std::fs::read(path).map_err(|source| CoreError::Io { context: format!("cannot read {name}"), source })?;
    String::from_utf8(bytes).map(SecretString::from).map_err(|_| CoreError::invalid(field, format!("{name} is not a text PEM file; choose the .pem key.")))
}

#[tauri::command]
pub async fn delete_secret(state: State<'_, AppState>, profile_id: String, provider: ProviderId, field: String) -> CmdResult<()> {
    state.with_settings(|s| s.delete_secret(&profile_id, provider, &field))?;
    if provider == ProviderId::Team {
        state.refresh_team()?;
    }
    Ok(())
}

/// "Test connection": one harmless call to `provider` with the profile's saved
/// settings and credentials, and what its answer means.
#[tauri::command]
pub async fn test_connection(state: State<'_, AppState>, profile_id: String, provider: ProviderId) -> CmdResult<signet_core::connection::ConnectionCheck> {
    let access = state.access_for(&profile_id, provider)?;
    let desk_id = state.with_store(|s| s.desk_id())?;
    Ok(signet_core::connection::test(&access, &desk_id).await?)
}

/// Keeps the operator's choice ("system", "en" or "pt-BR") and answers the language
/// the desk is now shown in (app_status has the choice).
#[tauri::command]
pub async fn set_language(state: State<'_, AppState>, language: String) -> CmdResult<String> {
    state.with_store(|s| signet_core::settings::set_language(s, &language))
}

/// Whether desktop notifications are on (they are unless turned off).
#[tauri::command]
pub async fn notifications_setting(state: State<'_, AppState>) -> CmdResult<bool> {
    state.with_store(signet_core::settings::notifications_enabled)
}

#[tauri::command]
pub async fn set_notifications(state: State<'_, AppState>, on: bool) -> CmdResult<()> {
    state.with_store(|s| signet_core::settings::set_notifications(s, on))
}
