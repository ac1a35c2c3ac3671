//! `signet`: the desk's operations from a terminal. It opens the same database and
//! keyring entries as the desk and enters at the same core services.

mod bulk_cmd;
mod cli;
mod context;
mod evidence_cmd;
mod ops;
mod output;
mod settings_cmds;

use clap::Parser;

#[tokio::main]
async fn main() {
    let args = cli::Cli::parse();
    let out = output::Output { json: args.json };
    let result = match args.command {
        cli::Command::Sandbox(cmd) => ops::sandbox(cmd).await,
        // Checking a dossier needs no database: it may run on any machine.
        cli::Command::Evidence(cli::EvidenceCmd::Check { dossier, public_key }) => evidence_cmd::check(&dossier, public_key.as_deref()),
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
    use cli::Command::*;
    match command {
        Profile(cli::ProfileCmd::Test { provider }) => ops::test_connection(&ctx, &provider).await,
        Profile(cmd) => settings_cmds::profile(&ctx, cmd),
        Secret(cmd) => settings_cmds::secret(&ctx, cmd),
        PaymentRequest(cmd) => ops::payment_request(&ctx, cmd, out).await,
        Signature(cmd) => ops::signature(&ctx, cmd).await,
        Kyc(cmd) => ops::kyc(&ctx, cmd, out).await,
        Optin(cmd) => ops::optin(&ctx, cmd).await,
        Signzy(cmd) => ops::signzy(&ctx, cmd).await,
        Leegality(cmd) => ops::leegality(&ctx, cmd).await,
        Outbox(cmd) => ops::outbox(&ctx, cmd).await,
        Evidence(cmd) => evidence_cmd::run(&ctx, cmd),
        Sandbox(_) => unreachable!("handled before opening the database"),
    }
}
