//! Logs go to a daily-rotated file in the OS log folder (14 days kept) and, in debug
//! builds, to stderr. `RUST_LOG` adjusts the level. Secret values are never logged:
//! they travel as `SecretString`, whose Debug output is redacted.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Keeps the background log writer alive; dropping it flushes the file.
pub struct LogGuard(#[allow(dead_code)] WorkerGuard);

pub fn init(dir: &Path) -> Result<LogGuard, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let appender = Builder::new().rotation(Rotation::DAILY).filename_prefix("signet").filename_suffix("log").max_log_files(14).build(dir)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let file_layer = fmt::layer().with_writer(writer).with_ansi(false);
    let stderr_layer = cfg!(debug_assertions).then(|| fmt::layer().with_writer(std::io::stderr));
    tracing_subscriber::registry().with(filter).with(file_layer).with(stderr_layer).try_init()?;
    Ok(LogGuard(guard))
}
