//! IPC commands, one module per area of the desk.

pub mod activity;
pub mod payments;
pub mod settings;
pub mod status;
