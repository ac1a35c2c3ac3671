//! The team store's schema: versioned migrations embedded in the binary, applied by
//! `signet team init` as IT's admin role. A desk checks the version on connecting:
//! one it does not know (newer) is refused with a clear message, one that is behind
//! asks for `signet team init`.

use crate::error::{CoreError, Result};

/// Each migration in order; the schema's version is their count.
const MIGRATIONS: &[&str] = &[include_str!("../../team-migrations/0001_team.sql")];

/// The schema version this Signet writes and reads.
pub const VERSION: i32 = MIGRATIONS.len() as i32;

/// The version a team store is at; 0 for one never initialised.
pub async fn version(client: &tokio_postgres::Client) -> Result<i32> {
    let exists = client
        .query_one("SELECT to_regclass('signet.schema_version') IS NOT NULL", &[])
        .await
        .map_err(|e| super::db_error("the team store's schema could not be read", e))?;
    if !exists.get::<_, bool>(0) {
        return Ok(0);
    }
    let row = client
        .query_one("SELECT coalesce(max(version), 0) FROM signet.schema_version", &[])
        .await
        .map_err(|e| super::db_error("the team store's schema version could not be read", e))?;
    Ok(row.get(0))
}

/// Refuses a store this desk cannot work with.
pub async fn check_version(client: &tokio_postgres::Client) -> Result<()> {
    let at = version(client).await?;
    if at > VERSION {
        return Err(CoreError::Team(format!(
            "The team store is at schema {at}, set up by a newer Signet; this desk knows schema {VERSION}. Update Signet on this desk; nothing was written."
        )));
    }
    if at < VERSION {
        return Err(CoreError::Team(format!(
            "The team store is at schema {at}; this desk needs schema {VERSION}. Ask IT to run: signet team init (it migrates in place)."
        )));
    }
    Ok(())
}

/// Applies the migrations the store lacks, each in its own transaction, as the
/// store's owner. Returns the versions before and after.
pub async fn init(client: &mut tokio_postgres::Client) -> Result<(i32, i32)> {
    let before = version(client).await?;
    if before > VERSION {
        return Err(CoreError::Team(format!(
            "The team store is at schema {before}, newer than this Signet's {VERSION}: run `signet team init` from a newer Signet."
        )));
    }
    for (n, sql) in MIGRATIONS.iter().enumerate().skip(before as usize) {
        let tx = client.transaction().await.map_err(|e| super::db_error("the team store could not start the migration", e))?;
        tx.batch_execute(sql).await.map_err(|e| super::db_error(&format!("migration {} failed (nothing of it was applied)", n + 1), e))?;
        tx.commit().await.map_err(|e| super::db_error(&format!("migration {} could not be committed", n + 1), e))?;
        tracing::info!(version = n + 1, "team store migrated");
    }
    Ok((before, VERSION))
}

/// Adds (or moves) a member: a login role and its branch. Run by IT's admin role.
pub async fn add_member(client: &tokio_postgres::Client, role: &str, branch: &str, supervisor: bool) -> Result<()> {
    let role = role.trim();
    let branch = branch.trim();
    if role.is_empty() || branch.is_empty() {
        return Err(CoreError::invalid(if role.is_empty() { "role" } else { "branch" }, "Give the database role and its branch."));
    }
    let group = if supervisor { "signet_supervisor" } else { "signet_operator" };
    let quoted = format!("\"{}\"", role.replace('"', "\"\""));
    let grant = format!("GRANT {group} TO {quoted}");
    client
        .batch_execute(&grant)
        .await
        .map_err(|e| super::db_error(&format!("the role {role} could not join {group} (create it first: CREATE ROLE {role} LOGIN PASSWORD '...')"), e))?;
    if !supervisor {
        let revoke = format!("REVOKE signet_supervisor FROM {quoted}");
        client.batch_execute(&revoke).await.map_err(|e| super::db_error("the supervisor role could not be taken back", e))?;
    }
    client
        .execute(
            "INSERT INTO signet.members (role_name, branch, supervisor) VALUES ($1, $2, $3)
             ON CONFLICT (role_name) DO UPDATE SET branch = EXCLUDED.branch, supervisor = EXCLUDED.supervisor",
            &[&role, &branch, &supervisor],
        )
        .await
        .map_err(|e| super::db_error("the member could not be recorded", e))?;
    Ok(())
}
