//! Team mode: many desks, one PostgreSQL. The desk's SQLite stays its own record
//! and is written first; the team store receives a copy of its history
//! (`sync`), answers team-wide questions (`activity`), and decides, before a
//! one-shot write, whether another desk already sent it (`claims`). Who sees and
//! writes what is enforced by PostgreSQL itself (roles and row-level security,
//! `team-migrations/`), not by the desk.
//!
//! A profile is in team mode when its "Team store (PostgreSQL)" connection is set
//! (Settings): a `postgresql://host:port/database` address, the desk's database
//! role and its password (keyring), and the CA of the server's certificate when it
//! is not a public one. TLS is required except on this machine's loopback.

pub mod activity;
pub mod claims;
mod connect;
pub mod schema;
pub mod sync;

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

pub use claims::{BusinessKey, ClaimHolder};
pub use connect::TeamConfig;
/// A connection as the team store's owner (IT's set-up).
pub use tokio_postgres::Client as AdminClient;

use crate::access::ProviderAccess;
use crate::error::{CoreError, Result};

/// Who this desk is in the team: its id (one per data folder), its name, and what
/// the team store says of its database role.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeskIdentity {
    pub desk_id: String,
    pub desk_name: String,
    /// The database role the desk logs in as: the operator, team-wide.
    pub operator: String,
    pub branch: String,
    pub supervisor: bool,
}

/// A team profile's connection to the team store. Connects lazily and again after
/// any failure; every call says `TeamUnreachable` rather than hanging when the
/// store is down.
pub struct Team {
    pub profile_id: String,
    /// How to reach the store, or why it cannot be (a password the keyring will not
    /// give): then every claim says the store is unreachable, never "go ahead".
    config: std::result::Result<TeamConfig, String>,
    desk_id: String,
    desk_name: String,
    connection: tokio::sync::Mutex<Option<Connected>>,
    /// Replication's own connection (it runs transactions).
    sync_connection: tokio::sync::Mutex<Option<tokio_postgres::Client>>,
    /// What went wrong on the last push, for the status bar; none when it worked.
    problem: std::sync::Mutex<Option<String>>,
}

struct Connected {
    client: Arc<tokio_postgres::Client>,
    identity: DeskIdentity,
}

impl Team {
    /// The team profile `profile_id` as its settings describe it (nothing is
    /// contacted yet). `access` is an error when the settings cannot be read whole.
    pub fn new(profile_id: &str, access: std::result::Result<&ProviderAccess, String>, desk_id: &str) -> Team {
        let desk_name =
            access.as_ref().ok().and_then(|a| a.value("desk_name")).map(str::to_string).filter(|n| !n.is_empty()).unwrap_or_else(crate::optin::device_name);
        let config = access.and_then(|a| TeamConfig::from_access(a).map_err(|e| e.to_string()));
        Team {
            profile_id: profile_id.into(),
            config,
            desk_id: desk_id.into(),
            desk_name,
            connection: tokio::sync::Mutex::new(None),
            sync_connection: tokio::sync::Mutex::new(None),
            problem: std::sync::Mutex::new(None),
        }
    }

    /// Why the last push failed, if it did.
    pub fn problem(&self) -> Option<String> {
        self.problem.lock().ok().and_then(|p| p.clone())
    }

    fn note_outcome<T>(&self, result: &Result<T>) {
        if let Ok(mut p) = self.problem.lock() {
            *p = result.as_ref().err().map(|e| e.to_string());
        }
    }

    fn config(&self) -> Result<&TeamConfig> {
        self.config.as_ref().map_err(|why| CoreError::TeamUnreachable(format!("the team store's settings cannot be used ({why})")))
    }

    /// A live client and who we are, connecting (and checking the schema and our
    /// membership) if there is none or the last one failed.
    async fn connected(&self) -> Result<(Arc<tokio_postgres::Client>, DeskIdentity)> {
        let mut slot = self.connection.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok((c.client.clone(), c.identity.clone()));
        }
        *slot = None;
        let client = Arc::new(self.config()?.connect().await?);
        schema::check_version(&client).await?;
        let identity = connect::register(&client, &self.desk_id, &self.desk_name).await?;
        *slot = Some(Connected { client: client.clone(), identity: identity.clone() });
        Ok((client, identity))
    }

    /// Who this desk is, asking the team store (Test connection, the status bar).
    pub async fn identity(&self) -> Result<DeskIdentity> {
        Ok(self.connected().await?.1)
    }

    /// Drops the connection after a failure, so the next call connects afresh.
    async fn forget(&self) {
        *self.connection.lock().await = None;
    }

    pub fn desk_id(&self) -> &str {
        &self.desk_id
    }
}

/// Turns a PostgreSQL failure into what the operator can act on: the store cannot
/// be reached (wait or override), or it refused (what and why).
pub(crate) fn db_error(context: &str, e: tokio_postgres::Error) -> CoreError {
    if e.is_closed() || e.as_db_error().is_none() {
        return CoreError::TeamUnreachable(format!("{context}: {e}"));
    }
    let db = e.as_db_error().expect("checked");
    match db.code().code() {
        // insufficient_privilege, and row-level security refusals.
        "42501" => CoreError::Team(format!("{context}: the team store refused it ({}). Ask IT to check this desk's database role.", db.message())),
        _ => CoreError::Team(format!("{context}: {}", db.message())),
    }
}

/// Whether `profile_id` has a team store (its address is set). The Sandbox profile works alone.
pub fn configured(store: &crate::store::Store, profile_id: &str) -> Result<bool> {
    Ok(profile_id != crate::settings::SANDBOX_PROFILE_ID
        && store.provider_settings(profile_id, crate::catalog::ProviderId::Team)?.contains_key(crate::settings::BASE_URL_FIELD))
}

/// Puts the desk in team mode for `profile_id` with its team store's access (read
/// by the caller when `configured` said so), or out of team mode with `None`.
pub fn activate(store: &mut crate::store::Store, profile_id: &str, access: Option<Result<ProviderAccess>>) -> Result<Option<Arc<Team>>> {
    let Some(access) = access else {
        store.set_team_profile(None)?;
        store.set_team(None);
        return Ok(None);
    };
    let access = access.map_err(|e| e.to_string());
    let team = Arc::new(Team::new(profile_id, access.as_ref().map_err(Clone::clone), &store.desk_id()?));
    store.set_team_profile(Some(profile_id))?;
    store.set_team(Some(team.clone()));
    Ok(Some(team))
}

/// What "Test connection" says of a team store.
pub async fn probe(access: &ProviderAccess, desk_id: &str) -> Result<String> {
    let team = Team::new("", Ok(access), desk_id);
    let me = team.identity().await?;
    Ok(format!(
        "Connected to the team store as {} ({}, branch {}); schema {} is current. This desk is {}.",
        me.operator,
        if me.supervisor { "supervisor: sees every branch" } else { "operator: sees its branch" },
        me.branch,
        schema::VERSION,
        me.desk_name
    ))
}

/// IT's side: a connection as the team store's owner, to initialise or migrate the
/// schema and to add members (`signet team init`, `signet team member`).
pub async fn admin_connect(address: &str, password: secrecy::SecretString, ca_pem: Option<&str>) -> Result<tokio_postgres::Client> {
    TeamConfig::new(address, "", password, ca_pem)?.connect().await
}
