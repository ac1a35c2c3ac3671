//! Any file chosen for a bulk send: parsing never panics, and every row it returns
//! either has a problem or is a request that would pass the single-send check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::{bulk, payments};

fuzz_target!(|data: &[u8]| {
    let Ok(rows) = bulk::parse_csv(data) else { return };
    for row in rows {
        if row.problem.is_none() {
            assert!(payments::check(&row.department, &row.request).is_ok(), "row {} passed the file check but not the send check", row.row_no);
        }
    }
});
