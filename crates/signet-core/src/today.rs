//! The Today screen: what needs the operator now, gathered from the desk's own record
//! in one read, so the window only lays it out.

use serde::Serialize;
use time::{Duration, OffsetDateTime, UtcOffset};
use ts_rs::TS;

use crate::bulk::{self, UnfinishedRun};
use crate::error::{CoreError, Result};
use crate::kyc;
use crate::optin::SUBMIT_KIND;
use crate::signatures::{self, TrackedSignature};
use crate::store::{OperationQuery, OperationRecord, OperationStatus, Store};

/// Each list shows at most this many; its count is the whole number.
pub const SHOWN: u32 = 20;
/// KYC updates sent this long ago or less are listed (and followed) until DollarPe decides.
pub const KYC_DAYS: i64 = 30;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Section<T: TS> {
    pub items: Vec<T>,
    pub count: u32,
}

impl<T: TS> Section<T> {
    fn of(mut items: Vec<T>) -> Section<T> {
        let count = items.len() as u32;
        items.truncate(SHOWN as usize);
        Section { items, count }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Today {
    /// Sent, but whether it arrived is unknown: to settle in Activity.
    pub needs_attention: Section<OperationRecord>,
    /// Sends that could not reach their provider and go again by themselves.
    pub waiting: Section<OperationRecord>,
    /// Followed signature requests of the active profile not yet signed (or not yet looked at).
    pub unsigned_signatures: Section<TrackedSignature>,
    /// KYC updates sent in the last [`KYC_DAYS`] days that DollarPe has not yet
    /// verified or rejected (the newest per customer).
    pub kyc_unverified: Section<OperationRecord>,
    /// Bulk runs of the active profile that stopped before their end.
    pub unfinished_runs: Section<UnfinishedRun>,
    /// Opt-in signatures taken since midnight, the operator's time.
    pub optins_today: Section<OperationRecord>,
    /// Where "today" began, in UTC (RFC 3339).
    pub since: String,
}

/// Gathers the Today screen for `profile_id` at `now`; `utc_offset_minutes` is the
/// operator's clock (east of UTC positive), so that today starts at their midnight.
pub fn today(store: &Store, profile_id: &str, now: OffsetDateTime, utc_offset_minutes: i32) -> Result<Today> {
    let offset = UtcOffset::from_whole_seconds(utc_offset_minutes.saturating_mul(60))
        .ok()
        .filter(|_| utc_offset_minutes.abs() <= 18 * 60)
        .ok_or_else(|| CoreError::invalid("utcOffsetMinutes", format!("{utc_offset_minutes} minutes is not a time zone; give -1080 to 1080.")))?;
    let midnight = now.to_offset(offset).replace_time(time::Time::MIDNIGHT);
    let since = rfc3339(midnight.to_offset(UtcOffset::UTC));
    let by_status = |status| -> Result<Section<OperationRecord>> {
        let page = store.operations_page(&OperationQuery { status: Some(status), limit: SHOWN, ..Default::default() })?;
        Ok(Section { items: page.items, count: page.total })
    };
    let unsigned = signatures::tracked(store, profile_id)?.into_iter().filter(|t| t.request.as_ref().is_none_or(|r| !r.is_signed)).collect();
    let kyc = kyc::unsettled_updates(store, profile_id, &rfc3339(now - Duration::days(KYC_DAYS)))?;
    Ok(Today {
        needs_attention: by_status(OperationStatus::Unknown)?,
        waiting: by_status(OperationStatus::Waiting)?,
        unsigned_signatures: Section::of(unsigned),
        kyc_unverified: Section::of(kyc),
        unfinished_runs: Section::of(bulk::unfinished_runs(store, profile_id)?),
        optins_today: Section::of(store.operations_since(SUBMIT_KIND, &since)?),
        since,
    })
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).expect("UTC timestamps always format")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kyc::UPDATE_KIND as KYC_KIND;
    use crate::store::OperationRecord;

    fn op(key: &str, kind: &str, status: OperationStatus, at: &str) -> OperationRecord {
        OperationRecord {
            key: key.into(),
            area: kind.split('.').next().unwrap().into(),
            kind: kind.into(),
            profile_id: "p".into(),
            subject: key.into(),
            request: serde_json::json!({}),
            status,
            response: None,
            created_at: at.into(),
            updated_at: at.into(),
            attempts: 1,
            retry_at: None,
            checkable_with: None,
        }
    }

    #[test]
    fn today_starts_at_the_operators_midnight_and_lists_what_needs_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        // São Paulo (UTC-3): 01:30 UTC on the 30th is still the 29th there.
        for (key, kind, status, at) in [
            ("late-yesterday", SUBMIT_KIND, OperationStatus::Sent, "2026-11-30T02:59:00Z"),
            ("this-morning", SUBMIT_KIND, OperationStatus::Sent, "2026-11-30T03:00:00Z"),
            ("lost", "payments.payment_request.send", OperationStatus::Unknown, "2026-11-20T10:00:00Z"),
            ("offline", "payments.payment_request.send", OperationStatus::Waiting, "2026-11-30T09:00:00Z"),
            ("kyc-recent", KYC_KIND, OperationStatus::Sent, "2026-11-25T09:00:00Z"),
            ("kyc-old", KYC_KIND, OperationStatus::Sent, "2026-11-01T09:00:00Z"),
            ("kyc-refused", KYC_KIND, OperationStatus::Failed, "2026-11-29T09:00:00Z"),
        ] {
            store.insert_operation(&op(key, kind, status, at)).unwrap();
            if status != OperationStatus::Pending {
                store.finish_operation(key, status, &serde_json::json!({}), at).unwrap();
            }
        }
        let now = time::macros::datetime!(2026-11-30 12:00 UTC);
        let t = today(&store, "p", now, -180).unwrap();
        let keys = |s: &Section<OperationRecord>| s.items.iter().map(|o| o.key.clone()).collect::<Vec<_>>();
        assert_eq!(t.since, "2026-11-30T03:00:00Z");
        assert_eq!(keys(&t.optins_today), ["this-morning"]);
        assert_eq!((keys(&t.needs_attention), t.needs_attention.count), (vec!["lost".to_string()], 1));
        assert_eq!(keys(&t.waiting), ["offline"]);
        assert_eq!(keys(&t.kyc_unverified), ["kyc-recent", "kyc-old"]);
        // DollarPe's decision, once seen, takes the customer off the list; one seen
        // before the update was sent was about earlier documents and does not.
        let verified = |customer: &str, at: &str| {
            let config = kyc::KycConfiguration {
                customer_id: customer.into(),
                kyc_status: Some("VERIFIED".into()),
                settled: true,
                document_types: vec![],
                updates_used: None,
                updates_allowed: None,
            };
            kyc::note_status(&store, "p", &config, at).unwrap()
        };
        assert!(verified("kyc-recent", "2026-11-26T10:00:00.5Z"), "a decision is news the first time");
        assert!(!verified("kyc-recent", "2026-11-26T11:00:00Z"), "and not again");
        verified("kyc-old", "2026-10-30T10:00:00Z");
        assert_eq!(keys(&today(&store, "p", now, -180).unwrap().kyc_unverified), ["kyc-old"]);
        // In Lisbon (UTC) the late one of the evening before is today's.
        assert_eq!(today(&store, "p", now, 0).unwrap().optins_today.count, 2);
        let e = today(&store, "p", now, 24 * 60).unwrap_err();
        assert!(e.to_string().contains("not a time zone"), "{e}");
    }
}
