//! One error type for the core, and the `{code, message, field?}` shape it takes
//! when it leaves the process (IPC, `--json`). Codes are stable: the UI branches on them.

use serde::Serialize;
use ts_rs::TS;

use crate::error_words::Words;
use crate::secrets::KeyringError;

/// Which translatable words an error said, and the values of their placeholders.
#[derive(Debug, Clone)]
pub struct Said {
    pub id: &'static str,
    pub params: Vec<(&'static str, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Bad input from the operator; `field` names the form field to fix.
    #[error("{message}")]
    Invalid { field: String, message: String, words: Option<Said> },
    #[error("{what} was not found")]
    NotFound { what: String },
    #[error("{0}")]
    ReadOnly(String),
    #[error("{0}")]
    Conflict(String),
    /// The same thing was already sent (or may have been): ask before sending again.
    #[error("{message}")]
    Duplicate { message: String, earlier: Box<crate::store::OperationRecord> },
    /// The provider could not be reached; nothing was sent and the operation waits
    /// for the network, to be sent again by Signet itself.
    #[error("{message}")]
    Waiting { operation_key: String, message: String },
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// A keyring failure during a change, with what it left undone.
    #[error("{0} {1}")]
    KeyringRefused(KeyringError, &'static str),
    #[error("{}", database_problem(.0))]
    Database(#[from] rusqlite::Error),
    #[error("the local database could not be brought up to date: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error(transparent)]
    Provider(#[from] signet_providers::ProviderError),
    /// The team store (PostgreSQL) could not be reached: wait, or override on purpose.
    #[error("{0}")]
    TeamUnreachable(String),
    /// The team store refused (not a member, schema, TLS, permissions).
    #[error("{0}")]
    Team(String),
    /// The evidence archive (S3 Object Lock) could not be reached or refused.
    #[error("{0}")]
    Archive(String),
    /// Another desk of the team already sent this (the cross-desk duplicate guard).
    #[error("{}", .0.describe())]
    ClaimedElsewhere(Box<crate::team::ClaimHolder>),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Invalid { field: field.into(), message: message.into(), words: None }
    }

    /// Bad input in words the desk can translate: `words`' English filled with
    /// `params` is the message, and the id and values go along in the body.
    pub fn invalid_as(field: impl Into<String>, words: Words, params: &[(&'static str, String)]) -> Self {
        let message = words.fill(params);
        CoreError::Invalid { field: field.into(), message, words: Some(Said { id: words.id, params: params.to_vec() }) }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        CoreError::NotFound { what: what.into() }
    }

    /// The stable code the UI and scripts branch on.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Invalid { .. } => "invalid_input",
            CoreError::NotFound { .. } => "not_found",
            CoreError::ReadOnly(_) => "read_only",
            CoreError::Conflict(_) => "conflict",
            CoreError::Duplicate { .. } => "duplicate",
            CoreError::Waiting { .. } => "waiting",
            CoreError::Keyring(e) | CoreError::KeyringRefused(e, _) => e.code(),
            CoreError::Database(_) | CoreError::Migration(_) => "database",
            CoreError::Io { .. } => "io",
            CoreError::TeamUnreachable(_) => "team_unreachable",
            CoreError::Team(_) => "team",
            CoreError::Archive(_) => "archive",
            CoreError::ClaimedElsewhere(_) => "duplicate",
            CoreError::Provider(e) => e.code(),
        }
    }

    /// The local disk or database failed (full, read-only, busy, damaged): every
    /// further write would fail the same way, so long work stops on it.
    pub fn is_storage(&self) -> bool {
        matches!(self, CoreError::Database(_) | CoreError::Migration(_) | CoreError::Io { .. })
    }

    /// Long work (a bulk run) stops on this: storage failed, or the team store that
    /// must be asked before each send cannot be reached.
    pub fn stops_long_work(&self) -> bool {
        self.is_storage() || matches!(self, CoreError::TeamUnreachable(_))
    }

    /// The outside shape of a provider error, without taking ownership of it.
    pub fn body_of_provider(e: &signet_providers::ProviderError) -> ErrorBody {
        let field = match e {
            signet_providers::ProviderError::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        ErrorBody { code: e.code().to_string(), message: e.to_string(), field, detail: None, id: None, params: None }
    }

    pub fn body(&self) -> ErrorBody {
        if let CoreError::Provider(e) = self {
            return CoreError::body_of_provider(e);
        }
        let said = match self {
            CoreError::Invalid { words, .. } => words.clone(),
            CoreError::Keyring(e) => {
                let (words, params) = e.words();
                Some(Said { id: words.id, params })
            }
            _ => None,
        };
        ErrorBody {
            code: self.code().to_string(),
            message: self.to_string(),
            field: match self {
                CoreError::Invalid { field, .. } => Some(field.clone()),
                _ => None,
            },
            detail: match self {
                CoreError::Duplicate { earlier, .. } => serde_json::to_value(earlier).ok(),
                CoreError::Waiting { operation_key, .. } => Some(serde_json::json!({ "operationKey": operation_key })),
                CoreError::ClaimedElsewhere(holder) => Some(serde_json::json!({ "team": holder })),
                _ => None,
            },
            id: said.as_ref().map(|s| s.id.to_string()),
            params: said.filter(|s| !s.params.is_empty()).map(|s| s.params.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
        }
    }
}

/// What went wrong with the local database, in words that say what to do.
fn database_problem(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode::*;
    let code = match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    match code {
        Some(DatabaseBusy | DatabaseLocked) => "The local database stayed busy: another Signet (the desk or the command line) is writing to it. Try again in a moment; if it persists, close the other Signet.".into(),
        Some(DiskFull) => "The disk holding Signet's data folder is full. Free some space, then try again.".into(),
        Some(ReadOnly | CannotOpen | PermissionDenied) => {
            format!("Signet cannot write to its data folder ({e}). Check that the folder is yours and writable (and the disk not mounted read-only), then try again.")
        }
        Some(SystemIoFailure) => format!("Signet could not write its data folder ({e}); the disk may be full or failing. Free space or check the disk, then try again."),
        Some(DatabaseCorrupt | NotADatabase) => {
            format!("The local database file is damaged ({e}). Keep a copy of the data folder for support before changing anything.")
        }
        _ => format!("the local database failed: {e}"),
    }
}

/// What an error looks like outside the process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// Structured context, e.g. the earlier operation behind a `duplicate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "unknown")]
    pub detail: Option<serde_json::Value>,
    /// The id of the words said (error_words.rs), for the window to translate.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub id: Option<String>,
    /// The values of those words' `{name}`s.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub params: Option<std::collections::BTreeMap<String, String>>,
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
