//! Every request to a provider path, as received, and what became of it. Credentials
//! are redacted so a journal can be exported as evidence without leaking them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::clock;
use crate::state::lock;

const REDACTED_HEADERS: [&str; 5] = ["authorization", "x-signature", "x-api-key", "api-client-key", "x-auth-token"];
/// Bodies beyond this are cut (uploads can be large; the start is what matters).
const BODY_KEPT: usize = 64 * 1024;

/// Deserialize too, so a client of `GET /_sandbox/journal` can read entries back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    /// `ip:port` of the caller.
    pub client: String,
    pub method: String,
    /// Path with query.
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// None when the connection was dropped or never answered.
    pub status: Option<u16>,
    /// The fault injected: "error_rate", "drop_before", "drop_after" or "hang".
    pub fault: Option<String>,
}

#[derive(Default)]
pub(crate) struct Journal {
    entries: Mutex<Vec<JournalEntry>>,
}

impl Journal {
    /// Records an arriving request and returns its `seq`.
    pub fn record(&self, client: SocketAddr, parts: &axum::http::request::Parts, body: &[u8]) -> u64 {
        let mut headers = BTreeMap::new();
        for (name, value) in &parts.headers {
            let name = name.as_str().to_string();
            let value =
                if REDACTED_HEADERS.contains(&name.as_str()) { "<redacted>".to_string() } else { String::from_utf8_lossy(value.as_bytes()).into_owned() };
            // Repeated headers are kept, joined as HTTP allows.
            headers.entry(name).and_modify(|v: &mut String| *v = format!("{v}, {value}")).or_insert(value);
        }
        let mut text = String::from_utf8_lossy(&body[..body.len().min(BODY_KEPT)]).into_owned();
        if body.len() > BODY_KEPT {
            text.push_str(&format!("…[{} more bytes]", body.len() - BODY_KEPT));
        }
        let mut entries = lock(&self.entries);
        let seq = entries.len() as u64 + 1;
        entries.push(JournalEntry {
            seq,
            at: clock::rfc3339_now(),
            client: client.to_string(),
            method: parts.method.to_string(),
            path: parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string(),
            headers,
            body: text,
            status: None,
            fault: None,
        });
        seq
    }

    pub fn finish(&self, seq: u64, status: Option<u16>, fault: Option<&str>) {
        let mut entries = lock(&self.entries);
        if let Some(e) = entries.get_mut(seq as usize - 1) {
            e.status = status;
            e.fault = fault.map(str::to_string);
        }
    }

    pub fn entries(&self) -> Vec<JournalEntry> {
        lock(&self.entries).clone()
    }
}
