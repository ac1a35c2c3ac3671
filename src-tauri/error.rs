//! The error every command returns: `{code, message, field?}` on the wire, the same
//! shape the CLI prints with `--json`.

use serde::Serialize;
use signet_core::{CoreError, ErrorBody};

/// Boxed: every command's `Result` carries it, and the body is large.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct IpcError(pub Box<ErrorBody>);

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        // Messages name fields and causes but never carry secret values.
        tracing::warn!(code = e.code(), "command failed: {e}");
        IpcError(Box::new(e.body()))
    }
}

impl IpcError {
    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::error!("internal error: {message}");
        IpcError(Box::new(ErrorBody { code: "internal".into(), message, field: None, detail: None, id: None, params: None }))
    }
}

pub type CmdResult<T> = Result<T, IpcError>;
