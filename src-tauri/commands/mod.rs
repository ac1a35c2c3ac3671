//! IPC commands, one module per area of the desk.

pub mod activity;
pub mod bulk;
pub mod evidence;
pub mod kyc;
pub mod leegality;
pub mod optin;
pub mod payments;
pub mod picked_pdf;
pub mod settings;
pub mod signatures;
pub mod signed;
pub mod signzy;
pub mod status;
pub mod today;
pub mod updates;
