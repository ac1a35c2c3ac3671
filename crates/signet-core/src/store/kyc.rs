//! DollarPe's KYC status per customer, as last seen.

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::Result;

/// A customer's KYC status as the desk last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KycSeen {
    pub status: String,
    pub settled: bool,
    /// RFC 3339, UTC.
    pub checked_at: String,
}

impl Store {
    /// Records `status` for the customer; says what was seen before, if anything.
    pub fn note_kyc_status(&self, profile_id: &str, customer_id: &str, status: &str, settled: bool, at: &str) -> Result<Option<KycSeen>> {
        let before = self.kyc_status(profile_id, customer_id)?;
        self.conn().execute(
            "INSERT INTO kyc_status (profile_id, customer_id, status, settled, checked_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (profile_id, customer_id) DO UPDATE SET status = excluded.status, settled = excluded.settled, checked_at = excluded.checked_at",
            params![profile_id, customer_id, status, settled, at],
        )?;
        Ok(before)
    }

    pub fn kyc_status(&self, profile_id: &str, customer_id: &str) -> Result<Option<KycSeen>> {
        Ok(self
            .conn()
            .query_row("SELECT status, settled, checked_at FROM kyc_status WHERE profile_id = ?1 AND customer_id = ?2", [profile_id, customer_id], |r| {
                Ok(KycSeen { status: r.get(0)?, settled: r.get(1)?, checked_at: r.get(2)? })
            })
            .optional()?)
    }
}
