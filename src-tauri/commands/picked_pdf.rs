//! A PDF chosen for a provider's signing request (Signzy, Leegality): read in Rust
//! from a native dialog, kept here until it is sent; its bytes never cross IPC.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use signet_core::catalog::ProviderId;
use signet_core::CoreError;
use ts_rs::TS;

use crate::error::{CmdResult, IpcError};

/// The PDF each provider's form has chosen: its file name and bytes.
type Picks = HashMap<ProviderId, (String, Vec<u8>)>;

#[derive(Default)]
pub struct PdfPicks {
    picks: Mutex<Picks>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PickedPdf {
    pub name: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

impl PdfPicks {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Picks>, IpcError> {
        self.picks.lock().map_err(|_| IpcError::internal("the chosen-PDF lock was poisoned; restart Signet"))
    }

    /// Opens the dialog and keeps the file for `provider` if it is a PDF.
    pub async fn choose<R: tauri::Runtime>(&self, app: &tauri::AppHandle<R>, window: &tauri::Window<R>, provider: ProviderId) -> CmdResult<Option<PickedPdf>> {
        let title = format!("Choose the PDF to send to {provider}");
        let Some(path) = crate::dialogs::pick_file(app, window, title, ("PDF", &["pdf"])).await? else {
            return Ok(None);
        };
        let bytes = std::fs::read(&path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if !bytes.starts_with(b"%PDF-") {
            return Err(CoreError::invalid("pdf", format!("{name} is not a PDF; {provider} signs PDF documents.")).into());
        }
        let picked = PickedPdf { name: name.clone(), bytes: bytes.len() as u64 };
        self.lock()?.insert(provider, (name, bytes));
        Ok(Some(picked))
    }

    /// The file chosen for `provider`: its name and bytes.
    pub fn picked(&self, provider: ProviderId) -> CmdResult<(String, Vec<u8>)> {
        self.lock()?.get(&provider).cloned().ok_or_else(|| CoreError::invalid("pdf", "Choose the PDF first.").into())
    }
}
