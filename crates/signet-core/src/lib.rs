//! Signet's domain, free of Tauri so that the desk, the command line and the tests
//! all enter the same code.

pub mod access;
pub mod archive;
pub mod bulk;
pub mod catalog;
pub mod clients;
pub mod connection;
pub mod contract;
pub mod contracts;
pub mod error;
pub mod error_words;
pub mod evidence;
pub mod group_commit;
pub mod hosting;
pub mod kyc;
pub mod kyc_files;
pub mod leegality;
pub mod optin;
pub mod optin_session;
pub mod outbox;
pub mod paths;
pub mod payments;
pub mod retry;
pub mod secrets;
pub mod send_journal;
pub mod settings;
pub mod signatures;
pub mod signed_documents;
pub mod store;
pub mod team;
pub mod today;
pub mod untrusted;
pub mod validate;

pub use error::{CoreError, ErrorBody};
