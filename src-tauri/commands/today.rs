//! The Today screen: what needs the operator now, gathered by the core.

use signet_core::today::{self, Today};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// `utc_offset_minutes` is the operator's clock (east of UTC positive), so "today's
/// opt-ins" start at their midnight.
#[tauri::command]
pub async fn today(state: State<'_, AppState>, utc_offset_minutes: i32) -> CmdResult<Today> {
    let profile = state.with_settings(|s| s.active_profile())?;
    state.with_store(|s| today::today(s, &profile.id, time::OffsetDateTime::now_utc(), utc_offset_minutes))
}
