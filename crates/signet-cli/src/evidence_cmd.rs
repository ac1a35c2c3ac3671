//! `signet evidence`: the ledger verified, searched, and dossiers exported and checked.

use std::path::Path;

use serde_json::{json, Value};
use signet_core::archive::{archiver, check, Archive};
use signet_core::catalog::ProviderId;
use signet_core::evidence::{dossier, key, ledger};
use signet_core::CoreError;

use crate::cli::EvidenceCmd;
use crate::context::Context;

/// Exit code when the evidence does not hold.
const BROKEN: i32 = 6;

pub fn run(ctx: &Context, cmd: EvidenceCmd) -> Result<Value, CoreError> {
    match cmd {
        EvidenceCmd::Verify { .. } => {
            let report = ctx.with_store(|s| ledger::verify(s, key::recorded_public_key(s)?.as_deref()))?;
            let code = if report.intact() { 0 } else { BROKEN };
            let public_key = ctx.with_store(key::recorded_public_key)?;
            Ok(
                json!({ "intact": report.intact(), "records": report.records, "files": report.files, "head": report.head, "publicKey": public_key, "problems": report.problems, "exitCode": code }),
            )
        }
        EvidenceCmd::Find { key } => {
            let found = ctx.with_store(|s| ledger::find(s, &key))?;
            let rows: Vec<Value> = found
                .into_iter()
                .map(|r| {
                    json!({
                        "position": r.seq,
                        "kind": r.kind,
                        "sessionId": r.session_id,
                        "debtKey": r.debt_key,
                        "recordedAt": r.recorded_at,
                        "body": serde_json::from_str::<Value>(&r.body).unwrap_or(Value::String(r.body)),
                    })
                })
                .collect();
            Ok(Value::Array(rows))
        }
        EvidenceCmd::Export { session_id, out } => {
            let bytes = ctx.with_evidence_key(|store, signing_key| dossier::export(store, signing_key, session_id.trim()))?;
            std::fs::write(&out, &bytes).map_err(|source| CoreError::Io { context: format!("cannot write {}", out.display()), source })?;
            Ok(json!({ "dossier": out.display().to_string(), "bytes": bytes.len() }))
        }
        EvidenceCmd::Check { dossier, public_key } => check(&dossier, public_key.as_deref()),
        EvidenceCmd::Archive | EvidenceCmd::Rebuild { .. } => unreachable!("run by `archive`"),
    }
}

/// The commands that talk to the evidence archive.
pub async fn archive(ctx: &Context, cmd: EvidenceCmd) -> Result<Value, CoreError> {
    let archive = Archive::from_access(&ctx.access(ProviderId::Archive)?)?;
    let public_key = |given: Option<String>| -> Result<String, CoreError> {
        match given {
            Some(k) => Ok(k.trim().to_string()),
            None => ctx.with_store(key::recorded_public_key)?.ok_or_else(|| {
                CoreError::invalid("public_key", "This installation has no evidence yet: give the installation's public key with --public-key.")
            }),
        }
    };
    match cmd {
        EvidenceCmd::Archive => {
            let signing_key = ctx.with_evidence_key(|_, k| Ok(k.clone()))?;
            let pass = archiver::run(ctx.db(), &signing_key, &archive).await?;
            Ok(serde_json::to_value(&pass).expect("reports serialize"))
        }
        EvidenceCmd::Verify { public_key: given, .. } => {
            let key = public_key(given.clone())?;
            // From another machine (a key given that is not ours), there is no local ledger to compare.
            let ours = ctx.with_store(key::recorded_public_key)?.as_deref() == Some(key.as_str());
            let local = if ours { Some(ctx.with_store(check::LocalLedger::read)?) } else { None };
            let report = check::verify(&archive, &key, local.as_ref()).await?;
            let code = if report.intact() { 0 } else { BROKEN };
            let mut value = serde_json::to_value(&report).expect("reports serialize");
            value["intact"] = json!(report.intact());
            value["exitCode"] = json!(code);
            Ok(value)
        }
        EvidenceCmd::Rebuild { out, public_key: given } => {
            let key = public_key(given)?;
            let report = check::rebuild(&archive, &key, &out).await?;
            let code = if report.intact() { 0 } else { BROKEN };
            Ok(
                json!({ "rebuilt": out.display().to_string(), "intact": report.intact(), "records": report.records, "files": report.files, "head": report.head, "problems": report.problems, "exitCode": code }),
            )
        }
        _ => unreachable!("the ledger's own commands are run by `run`"),
    }
}

pub fn check(path: &Path, public_key: Option<&str>) -> Result<Value, CoreError> {
    let bytes = std::fs::read(path).map_err(|source| CoreError::Io { context: format!("cannot read {}", path.display()), source })?;
    let report = dossier::check(&bytes, public_key)?;
    let code = if report.valid() { 0 } else { BROKEN };
    let mut value = serde_json::to_value(&report).expect("reports serialize");
    value["valid"] = json!(report.valid());
    if !report.origin_verified {
        value["note"] = json!("Intact, but its origin is only shown by its key: compare publicKey with the installation's (`signet evidence verify` prints it), or pass --public-key.");
    }
    value["exitCode"] = json!(code);
    Ok(value)
}
