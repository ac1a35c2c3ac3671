//! IPC commands, one module per area of the desk.

pub mod activity;
pub mod bulk;
pub mod payments;
pub mod settings;
pub mod signatures;
pub mod status;
