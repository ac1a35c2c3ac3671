//! The cross-desk duplicate guard. Before a one-shot write with a business key (an
//! invoice, a capture, a KYC customer, a debt, a contract), the desk claims the key
//! in the team store; the unique constraint on (scope, key, attempt) decides between
//! desks racing for it. The refusal names the desk, operator and time of the send
//! that holds it. A deliberate second send, and a send made while the store was
//! unreachable, claim the next attempt and are recorded as such.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::GenericClient;

use super::{db_error, DeskIdentity, Team};
use crate::error::{CoreError, Result};

/// What a write claims. Stored with its operation (JSON) so a retried send claims
/// the same key again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessKey {
    /// What kind of thing: invoice, capture, kyc_customer, debt, contract.
    pub scope: String,
    pub key: String,
    /// The operator saw the earlier send and sends again on purpose.
    #[serde(default)]
    pub again: bool,
}

impl BusinessKey {
    pub fn new(scope: &str, key: &str, again: bool) -> BusinessKey {
        BusinessKey { scope: scope.into(), key: key.trim().to_ascii_lowercase(), again }
    }
}

/// The send that holds a business key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClaimHolder {
    pub scope: String,
    pub business_key: String,
    pub attempt: i32,
    #[serde(skip)]
    #[ts(skip)]
    pub desk_id: String,
    pub desk_name: String,
    pub operator: String,
    pub branch: String,
    pub operation_key: String,
    pub claimed_at: String,
}

impl ClaimHolder {
    pub fn describe(&self) -> String {
        format!(
            "{} {} was already sent from desk {} by {} ({}) at {} (operation {})",
            self.scope, self.business_key, self.desk_name, self.operator, self.branch, self.claimed_at, self.operation_key
        )
    }
}

/// What a claim came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Granted,
    Held(ClaimHolder),
}

/// How the claim is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The usual claim: granted only if nobody holds the key (or we already do).
    First,
    /// Claims the next attempt whatever holds it: a deliberate resend, or an
    /// override made while the store was unreachable.
    Next { offline: bool },
}

impl Team {
    /// Claims `key` for `operation_key`. `known_locally` says whether an operation
    /// key of this desk exists in its own database: a claim this desk made for an
    /// operation it never recorded (killed in between) was never sent, and is taken
    /// over rather than refused.
    pub async fn claim(&self, key: &BusinessKey, operation_key: &str, mode: Mode, note: &str, known_locally: impl Fn(&str) -> bool + Sync) -> Result<Claim> {
        let result = self.claim_once(key, operation_key, mode, note, &known_locally).await;
        if matches!(result, Err(CoreError::TeamUnreachable(_))) {
            self.forget().await;
        }
        result
    }

    /// The usual first claim for many keys at once, in one statement (one commit):
    /// for a bulk run, whose rows would otherwise queue their claims one commit
    /// after another on the desk's connection. Says, per key, whether it was granted;
    /// a key not granted goes through `claim` for the holder and the takeover rule.
    pub async fn claim_first_many(&self, keys: &[(BusinessKey, String)]) -> Result<Vec<bool>> {
        let result = self.claim_first_many_once(keys).await;
        if matches!(result, Err(CoreError::TeamUnreachable(_))) {
            self.forget().await;
        }
        result
    }

    async fn claim_first_many_once(&self, keys: &[(BusinessKey, String)]) -> Result<Vec<bool>> {
        let (client, me) = self.connected().await?;
        let desk = uuid::Uuid::parse_str(&me.desk_id).map_err(|e| CoreError::Conflict(format!("this desk's id is not a UUID: {e}")))?;
        let scopes: Vec<&str> = keys.iter().map(|(k, _)| k.scope.as_str()).collect();
        let business_keys: Vec<&str> = keys.iter().map(|(k, _)| k.key.as_str()).collect();
        let operations: Vec<&str> = keys.iter().map(|(_, op)| op.as_str()).collect();
        let rows = client
            .query_typed(
                "INSERT INTO signet.claims (scope, business_key, attempt, desk_id, desk_name, operator, branch, operation_key, deliberate, offline_override, note)
                 SELECT s, k, 1, $4, $5, $6, $7, o, false, false, '' FROM unnest($1::text[], $2::text[], $3::text[]) AS t(s, k, o)
                 ON CONFLICT (scope, business_key, attempt) DO NOTHING RETURNING operation_key",
                &[
                    (&scopes, Type::TEXT_ARRAY),
                    (&business_keys, Type::TEXT_ARRAY),
                    (&operations, Type::TEXT_ARRAY),
                    (&desk, Type::UUID),
                    (&me.desk_name, Type::TEXT),
                    (&me.operator, Type::TEXT),
                    (&me.branch, Type::TEXT),
                ],
            )
            .await
            .map_err(|e| db_error("the team store could not record the claims", e))?;
        let granted: std::collections::HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
        Ok(operations.iter().map(|op| granted.contains(*op)).collect())
    }

    async fn claim_once(&self, key: &BusinessKey, operation_key: &str, mode: Mode, note: &str, known_locally: &(dyn Fn(&str) -> bool + Sync)) -> Result<Claim> {
        let (client, me) = self.connected().await?;
        claim_with(&*client, &me, key, operation_key, mode, note, known_locally).await
    }
}

/// The claim itself, on a client or inside a transaction (replication records
/// offline overrides in its batch).
pub(super) async fn claim_with<C: GenericClient>(
    client: &C,
    me: &DeskIdentity,
    key: &BusinessKey,
    operation_key: &str,
    mode: Mode,
    note: &str,
    known_locally: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Claim> {
    let desk = uuid::Uuid::parse_str(&me.desk_id).map_err(|e| CoreError::Conflict(format!("this desk's id is not a UUID: {e}")))?;
    let insert =
        "INSERT INTO signet.claims (scope, business_key, attempt, desk_id, desk_name, operator, branch, operation_key, deliberate, offline_override, note)
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (scope, business_key, attempt) DO NOTHING RETURNING id";
    let (deliberate, offline) = match mode {
        Mode::First => (false, false),
        Mode::Next { offline } => (!offline, offline),
    };
    // Parameters typed here, so each statement is one round trip (no prepare).
    let try_attempt = |attempt: i32, note: &str| {
        let note = note.to_string();
        async move {
            let params: [(&(dyn ToSql + Sync), Type); 11] = [
                (&key.scope, Type::TEXT),
                (&key.key, Type::TEXT),
                (&attempt, Type::INT4),
                (&desk, Type::UUID),
                (&me.desk_name, Type::TEXT),
                (&me.operator, Type::TEXT),
                (&me.branch, Type::TEXT),
                (&operation_key, Type::TEXT),
                (&deliberate, Type::BOOL),
                (&offline, Type::BOOL),
                (&note, Type::TEXT),
            ];
            let rows = client.query_typed(insert, &params).await.map_err(|e| db_error("the team store could not record the claim", e))?;
            Ok::<bool, CoreError>(!rows.is_empty())
        }
    };
    // The usual case, a key nobody holds, takes one round trip: the first attempt.
    if mode == Mode::First && try_attempt(1, note).await? {
        return Ok(Claim::Granted);
    }
    // A few rounds at most: each lost race means another desk claimed an attempt.
    for _ in 0..5 {
        let holder = holder(client, key).await?;
        let attempt = match (&holder, mode) {
            (None, _) => 1,
            (Some(h), _) if h.operation_key == operation_key => return Ok(Claim::Granted),
            (Some(h), Mode::First) if h.desk_id == me.desk_id && !known_locally(&h.operation_key) => h.attempt + 1,
            (Some(h), Mode::First) => return Ok(Claim::Held(h.clone())),
            (Some(h), Mode::Next { .. }) => h.attempt + 1,
        };
        let note = if attempt > 1 && mode == Mode::First { "taken over: this desk's earlier claim was never recorded, so never sent" } else { note };
        if try_attempt(attempt, note).await? {
            return Ok(Claim::Granted);
        }
    }
    Err(CoreError::TeamUnreachable(format!("the claim on {} {} kept colliding with other desks; try again", key.scope, key.key)))
}

async fn holder<C: GenericClient>(client: &C, key: &BusinessKey) -> Result<Option<ClaimHolder>> {
    let rows = client
        .query_typed(
            "SELECT attempt, desk_id, desk_name, operator, branch, operation_key, to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM signet.claim_holder($1, $2)",
            &[(&key.scope, Type::TEXT), (&key.key, Type::TEXT)],
        )
        .await
        .map_err(|e| db_error("the team store could not say who holds the key", e))?;
    Ok(rows.first().map(|r| ClaimHolder {
        scope: key.scope.clone(),
        business_key: key.key.clone(),
        attempt: r.get(0),
        desk_id: r.get(1),
        desk_name: r.get(2),
        operator: r.get(3),
        branch: r.get(4),
        operation_key: r.get(5),
        claimed_at: r.get(6),
    }))
}
