//! `signet payment-request bulk FILE.csv`: the core's bulk run with a progress bar.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use signet_core::bulk::{self, Control, Progress};
use signet_core::catalog::ProviderId;
use signet_core::{clients, CoreError};
use signet_providers::HttpConfig;

use crate::context::Context;
use crate::output::{exit_code, Output};

pub async fn run(ctx: &Context, file: &Path, concurrency: usize, results: Option<PathBuf>, out: &Output) -> Result<Value, CoreError> {
    bulk::check_concurrency(concurrency)?;
    let bytes = std::fs::read(file).map_err(|source| CoreError::Io { context: format!("cannot read {}", file.display()), source })?;
    let rows = bulk::parse_csv(&bytes)?;
    for row in rows.iter().filter(|r| r.problem.is_some()) {
        out.note(&format!("line {}: {}", row.row_no, row.problem.as_deref().unwrap_or_default()));
    }
    let client = clients::kpay(&ctx.access(ProviderId::Mykaarma)?, HttpConfig::default())?;
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let (run_id, resumed) = ctx.with_store(|s| bulk::open_run(s, &ctx.profile.id, &name, &bytes, &rows))?;
    if resumed {
        out.note(&format!("Resuming the unfinished run of {name} ({run_id}); rows already sent are not sent again."));
    }

    let control = Arc::new(Control::default());
    control.send_unchecked(ctx.choice().unchecked);
    let on_interrupt = control.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nStopping after the rows in flight; run the same command again to resume.");
            on_interrupt.cancel();
        }
    });

    let bar = if out.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").expect("a valid template").progress_chars("=> "));
    let show = |p: &Progress| {
        bar.set_length(p.total - p.invalid);
        bar.set_position(p.sent + p.failed + p.unknown);
        let eta = p.eta_secs.map(|s| format!(", {}s left", s.round())).unwrap_or_default();
        bar.set_message(format!("{} sent, {} failed, {} unknown | {:.1}/s{eta}", p.sent, p.failed, p.unknown, p.rate_per_sec));
    };
    let done = bulk::execute(ctx.shared_db(), &client, &ctx.profile.id, &run_id, concurrency, &control, show).await?;
    bar.finish();

    let results = results.unwrap_or_else(|| file.with_extension("results.csv"));
    let csv = ctx.with_store(|s| bulk::results_csv(s, &run_id))?;
    std::fs::write(&results, csv).map_err(|source| CoreError::Io { context: format!("cannot write {}", results.display()), source })?;

    // Worst first: unknown outcomes need a check, failures a fix, bad rows an edit.
    let code = if !done.finished() {
        1
    } else if done.unknown > 0 {
        exit_code("outcome_unknown")
    } else if done.failed > 0 {
        exit_code("provider_rejected")
    } else if done.invalid > 0 {
        exit_code("invalid_input")
    } else {
        0
    };
    Ok(json!({
        "runId": run_id,
        "resumed": resumed,
        "finished": done.finished(),
        "total": done.total,
        "sent": done.sent,
        "failed": done.failed,
        "unknown": done.unknown,
        "invalid": done.invalid,
        "notSentYet": done.remaining,
        "results": results.display().to_string(),
        "exitCode": code,
    }))
}
