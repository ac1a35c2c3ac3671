//! `signet team`: IT sets the team store up (init, member); a desk says who it is
//! in the team (status), pushes what it has not yet (sync), and reads the team's
//! activity.

use std::io::IsTerminal;

use secrecy::SecretString;
use serde_json::{json, Value};
use signet_core::team::{self, activity::TeamQuery};
use signet_core::CoreError;

use crate::cli::{TeamAdmin, TeamCmd};
use crate::context::Context;

/// The admin password: SIGNET_TEAM_ADMIN_PASSWORD, or asked for without echo.
fn admin_password() -> Result<SecretString, CoreError> {
    if let Some(pw) = std::env::var("SIGNET_TEAM_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty()) {
        return Ok(SecretString::from(pw));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CoreError::invalid(
            "SIGNET_TEAM_ADMIN_PASSWORD",
            "Give the admin role's password in SIGNET_TEAM_ADMIN_PASSWORD (nothing is asked without a terminal).",
        ));
    }
    rpassword::prompt_password("Team store admin password (input hidden): ")
        .map(SecretString::from)
        .map_err(|source| CoreError::Io { context: "cannot read the password".into(), source })
}

async fn admin(a: &TeamAdmin) -> Result<team::AdminClient, CoreError> {
    let ca = match &a.ca_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?),
        None => None,
    };
    team::admin_connect(&a.url, admin_password()?, ca.as_deref()).await
}

pub async fn init(a: &TeamAdmin) -> Result<Value, CoreError> {
    let mut client = admin(a).await?;
    let (before, after) = team::schema::init(&mut client).await?;
    Ok(json!({ "schemaBefore": before, "schemaNow": after, "migrated": before != after }))
}

pub async fn member(a: &TeamAdmin, role: &str, branch: &str, supervisor: bool) -> Result<Value, CoreError> {
    let client = admin(a).await?;
    team::schema::add_member(&client, role, branch, supervisor).await?;
    Ok(json!({ "role": role, "branch": branch, "supervisor": supervisor }))
}

pub async fn desk(ctx: &Context, cmd: TeamCmd) -> Result<Value, CoreError> {
    let team = ctx.team().ok_or_else(|| {
        CoreError::invalid(
            "team",
            format!("Profile {} is not in team mode: set its team store with signet profile configure --provider team.", ctx.profile.name),
        )
    })?;
    match cmd {
        TeamCmd::Status => {
            let queued = ctx.with_store(|s| s.team_queue_len())?;
            let me = team.identity().await?;
            Ok(json!({ "desk": me, "queued": queued }))
        }
        TeamCmd::Sync { all } => {
            if all {
                ctx.with_store(|s| s.requeue_team_history())?;
            }
            let mut total = 0;
            loop {
                let report = team.sync(ctx.db(), 50).await?;
                total += report.pushed;
                if report.remaining == 0 || report.pushed == 0 {
                    return Ok(json!({ "pushed": total, "remaining": report.remaining }));
                }
            }
        }
        TeamCmd::Activity { branch, desk, operator, text, limit } => {
            let page = team.operations(&TeamQuery { branch, desk, operator, text, limit, ..Default::default() }).await?;
            Ok(json!(page))
        }
        TeamCmd::Init(_) | TeamCmd::Member { .. } => unreachable!("run before opening the desk's database"),
    }
}
