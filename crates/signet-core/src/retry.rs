//! Sends again, by itself, every operation that waited for the network and whose
//! next try is due. The desk runs this every few seconds; `signet outbox retry`
//! runs it once.

use std::sync::Mutex;

use serde::Serialize;
use signet_providers::HttpConfig;
use ts_rs::TS;

use crate::access::ProviderAccess;
use crate::catalog::ProviderId;
use crate::error::{CoreError, Result};
use crate::outbox::{self, now};
use crate::store::Store;
use crate::{clients, payments, signatures};

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RetryPass {
    /// Sent and answered (accepted or refused by the provider).
    pub sent: u32,
    /// Still unreachable, or the access could not be built: waiting longer.
    pub still_waiting: u32,
    /// Taken by another process, given up, or ended unknown.
    pub other: u32,
}

/// A profile's access to a provider, as the caller (desk or CLI) resolves it.
pub type AccessFor<'a> = dyn Fn(&str, ProviderId) -> Result<ProviderAccess> + Send + Sync + 'a;

pub async fn run_due(db: &Mutex<Store>, access_for: &AccessFor<'_>) -> Result<RetryPass> {
    let due = outbox::lock(db)?.due_operations(&now())?;
    let mut pass = RetryPass::default();
    for op in due {
        if outbox::give_up_if_stale(db, &op)? {
            pass.other += 1;
            continue;
        }
        let outcome = match op.kind.as_str() {
            payments::SEND_KIND | signatures::CAPTURE_KIND => {
                match access_for(&op.profile_id, ProviderId::Mykaarma).and_then(|access| clients::kpay(&access, HttpConfig::default())) {
                    Ok(client) if op.kind == payments::SEND_KIND => payments::retry_waiting(db, &client, &op).await,
                    Ok(client) => signatures::retry_waiting(db, &client, &op).await,
                    Err(e) => Err(e),
                }
            }
            other => Err(CoreError::Conflict(format!("operations of kind {other} are not sent again by Signet"))),
        };
        match outcome {
            Ok(true) => pass.sent += 1,
            Ok(false) => pass.other += 1,
            Err(CoreError::Waiting { .. }) => pass.still_waiting += 1,
            // Refused by the provider, or unknown: recorded as such by the outbox.
            Err(CoreError::Provider(_)) => pass.sent += 1,
            Err(e) => {
                // Nothing was sent (no access, locked keyring, unreadable record):
                // try again later rather than spin on it.
                tracing::warn!(operation = %op.key, "cannot send a waiting operation yet: {e}");
                let later = (time::OffsetDateTime::now_utc() + time::Duration::minutes(1))
                    .format(&time::format_description::well_known::Rfc3339)
                    .expect("UTC timestamps always format");
                outbox::lock(db)?.reschedule_waiting(&op.key, &later)?;
                pass.still_waiting += 1;
            }
        }
    }
    Ok(pass)
}
