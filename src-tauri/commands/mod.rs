//! IPC commands, one module per area of the desk.

pub mod settings;
pub mod status;
