//! The sandbox's clock, in the formats each provider writes.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

/// `2026-11-21T05:24:00.123Z`: journal entries and Signzy times.
pub fn rfc3339_now() -> String {
    let now = OffsetDateTime::now_utc();
    let millis = now.replace_nanosecond(now.millisecond() as u32 * 1_000_000).unwrap_or(now);
    millis.format(&Rfc3339).expect("UTC times format")
}

/// `2026-11-21 05:24:00`: QI Tech's `event_datetime`.
pub fn qi_now() -> String {
    OffsetDateTime::now_utc().format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).expect("UTC times format")
}

pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}
