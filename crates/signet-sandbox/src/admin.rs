//! The sandbox's own controls under `/_sandbox/` (no auth, never faulted, never
//! journaled): journal, faults, the caller's address, health, and a file host for
//! documents providers fetch by URL (DollarPe takes KYC images only as links).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::config::Faults;
use crate::routes::plain_error;
use crate::state::{lock, AppState, HostedFile};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/journal", get(journal))
        .route("/_sandbox/faults", get(get_faults).put(put_faults))
        .route("/_sandbox/whoami", get(whoami))
        .route("/_sandbox/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/_sandbox/files/{*key}", get(get_file).put(put_file))
}

async fn journal(State(s): State<AppState>) -> Response {
    Json(s.journal.entries()).into_response()
}

async fn get_faults(State(s): State<AppState>) -> Response {
    Json(s.faults()).into_response()
}

async fn put_faults(State(s): State<AppState>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return plain_error(StatusCode::BAD_REQUEST, &format!("not a Faults object: {e}")),
    };
    let rates = [("error_rate", faults.error_rate), ("drop_before_rate", faults.drop_before_rate), ("drop_after_rate", faults.drop_after_rate)];
    if let Some((name, _)) = rates.iter().find(|(_, r)| !(0.0..=1.0).contains(r)) {
        return plain_error(StatusCode::BAD_REQUEST, &format!("{name} must be between 0 and 1"));
    }
    s.set_faults(faults.clone());
    Json(faults).into_response()
}

/// The caller's own address as the server sees it (for evidence: IP and source port).
async fn whoami(ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    Json(json!({ "ip": peer.ip().to_string(), "port": peer.port() })).into_response()
}

async fn put_file(State(s): State<AppState>, Path(key): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/octet-stream").to_string();
    let size = body.len();
    lock(&s.files).insert(key.clone(), HostedFile { content_type, bytes: body });
    let url = format!("{}/_sandbox/files/{key}", s.base_url);
    (StatusCode::CREATED, Json(json!({ "url": url, "size": size }))).into_response()
}

async fn get_file(State(s): State<AppState>, Path(key): Path<String>) -> Response {
    match lock(&s.files).get(&key) {
        Some(f) => ([(header::CONTENT_TYPE, f.content_type.clone())], f.bytes.clone()).into_response(),
        None => plain_error(StatusCode::NOT_FOUND, &format!("no file {key}")),
    }
}
