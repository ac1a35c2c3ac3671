//! `signet`: the desk's operations from a terminal. It opens the same database and
//! keyring entries as the desk and enters at the same core services.

mod bulk_cmd;
mod cli;
mod context;
mod evidence_cmd;
mod manual;
mod ops;
mod output;
mod settings_cmds;
mod team_cmd;

use clap::Parser;

#[tokio::main]
async fn main() {
    let args = cli::Cli::parse();
    let out = output::Output { json: args.json };
    let result = match args.command {
        cli::Command::Sandbox(cmd) => ops::sandbox(cmd).await,
        cli::Command::Completions { shell } => match manual::completions(shell) {
            Ok(()) => return,
            Err(e) => Err(e),
        },
        cli::Command::Manual { out: dir } => {
            manual::write(&dir).map(|pages| serde_json::json!({ "pages": pages.iter().map(|p| p.display().to_string()).collect::<Vec<_>>() }))
        }
        // Checking a dossier needs no database: it may run on any machine.
        cli::Command::Evidence(cli::EvidenceCmd::Check { dossier, public_key }) => evidence_cmd::check(&dossier, public_key.as_deref()),
        // IT's set-up of a team store needs no desk either.
        cli::Command::Team(cli::TeamCmd::Init(admin)) => team_cmd::init(&admin).await,
        cli::Command::Team(cli::TeamCmd::Member { admin, role, branch, supervisor }) => team_cmd::member(&admin, &role, &branch, supervisor).await,
        command => match context::Context::open(&args.global) {
            Ok(ctx) => run(ctx, command, &out).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(value) => {
            out.success(&value);
            // A bulk run reports its worst row outcome as the exit code.
            if let Some(code) = value.get("exitCode").and_then(|c| c.as_i64()).filter(|c| *c != 0) {
                std::process::exit(code as i32);
            }
        }
        Err(e) => std::process::exit(out.failure(&e)),
    }
}

async fn run(ctx: context::Context, command: cli::Command, out: &output::Output) -> Result<serde_json::Value, signet_core::CoreError> {
    let result = run_command(&ctx, command, out).await;
    // In team mode, what the command recorded is pushed before it exits (what does
    // not fit in the time, or finds the store down, goes with the next command or
    // `signet team sync`: it stays queued).
    if let Some(team) = ctx.team() {
        match tokio::time::timeout(std::time::Duration::from_secs(15), team.sync(ctx.db(), 50)).await {
            Ok(Ok(report)) if report.remaining > 0 => {
                out.note(&format!("{} change(s) not yet in the team store; they go with the next command or `signet team sync`.", report.remaining))
            }
            Ok(Err(e)) => out.note(&format!("Not pushed to the team store yet ({e}); it stays queued.")),
            _ => {}
        }
    }
    // With an evidence archive, new evidence is archived before the command exits
    // (or stays planned for the next command, `signet evidence archive` or the desk).
    if let Some(archive) = ctx.archive() {
        if let Ok(signing_key) = ctx.with_evidence_key(|_, k| Ok(k.clone())) {
            match tokio::time::timeout(std::time::Duration::from_secs(30), signet_core::archive::archiver::run(ctx.db(), &signing_key, &archive)).await {
                Ok(Ok(pass)) if pass.pending > 0 || pass.problem.is_some() => out.note(&format!(
                    "{} object(s) not archived yet{}; they go with the next command or `signet evidence archive`.",
                    pass.pending,
                    pass.problem.map(|p| format!(" ({p})")).unwrap_or_default()
                )),
                Ok(Err(e)) => out.note(&format!("Evidence not archived yet ({e}); it stays planned.")),
                _ => {}
            }
        }
    }
    result
}

async fn run_command(ctx: &context::Context, command: cli::Command, out: &output::Output) -> Result<serde_json::Value, signet_core::CoreError> {
    use cli::Command::*;
    match command {
        Profile(cli::ProfileCmd::Test { provider }) => ops::test_connection(ctx, &provider).await,
        Profile(cmd) => settings_cmds::profile(ctx, cmd),
        Secret(cmd) => settings_cmds::secret(ctx, cmd),
        PaymentRequest(cmd) => ops::payment_request(ctx, cmd, out).await,
        Signature(cmd) => ops::signature(ctx, cmd).await,
        Kyc(cmd) => ops::kyc(ctx, cmd, out).await,
        Optin(cmd) => ops::optin(ctx, cmd).await,
        Signzy(cmd) => ops::signzy(ctx, cmd).await,
        Leegality(cmd) => ops::leegality(ctx, cmd).await,
        Team(cmd) => team_cmd::desk(ctx, cmd).await,
        Outbox(cmd) => ops::outbox(ctx, cmd).await,
        Evidence(cmd @ (cli::EvidenceCmd::Archive | cli::EvidenceCmd::Rebuild { .. } | cli::EvidenceCmd::Verify { archive: true, .. })) => {
            evidence_cmd::archive(ctx, cmd).await
        }
        Evidence(cmd) => evidence_cmd::run(ctx, cmd),
        Sandbox(_) | Completions { .. } | Manual { .. } => unreachable!("handled before opening the database"),
    }
}
