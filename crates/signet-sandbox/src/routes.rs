//! One router for every provider, and which provider a path belongs to (so faults
//! and unknown paths answer in that provider's own error shape).

use axum::extract::DefaultBodyLimit;
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};

use crate::server::MAX_BODY;
use crate::state::AppState;
use crate::{admin, dollarpe, kpay, leegality, pages, qitech, signzy};

pub(crate) fn router(shared: AppState) -> Router {
    Router::new()
        .merge(kpay::routes())
        .merge(dollarpe::routes(shared.clone()))
        .merge(qitech::routes(shared.clone()))
        .merge(signzy::routes(shared.clone()))
        .merge(leegality::routes(shared.clone()))
        .merge(pages::routes())
        .merge(admin::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

/// `/_sandbox/...`: the sandbox's own controls; never faulted, never journaled.
pub(crate) fn is_admin(path: &str) -> bool {
    path == "/_sandbox" || path.starts_with("/_sandbox/")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Provider {
    Kpay,
    DollarPe,
    QiTech,
    Signzy,
    Leegality,
}

pub(crate) fn provider_of(path: &str) -> Option<Provider> {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/payment") || under("/pay") || under("/invoice") || under("/sign") {
        Some(Provider::Kpay)
    } else if under("/cms") {
        Some(Provider::DollarPe)
    } else if under("/debt") || under("/upload") || under("/notification") || under("/test") {
        Some(Provider::QiTech)
    } else if under("/api/v3/contract") || under("/signzy") {
        Some(Provider::Signzy)
    } else if under("/v3.0") || under("/v3.1") || under("/v3.2") || under("/leegality") {
        Some(Provider::Leegality)
    } else {
        None
    }
}

/// The 500 a provider gives when it fails (an injected `error_rate` fault).
pub(crate) async fn internal_error(shared: &AppState, parts: &Parts) -> Response {
    match provider_of(parts.uri.path()) {
        Some(Provider::Kpay) => kpay::errors(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error", "An unexpected error occurred.", "Try again later."),
        Some(Provider::DollarPe) => dollarpe::failure(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        Some(Provider::QiTech) => {
            let resp = qitech::internal_error();
            let uri = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            qitech::sign_response(shared, parts.method.as_str(), uri, resp).await
        }
        Some(Provider::Signzy) => signzy::error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        Some(Provider::Leegality) => leegality::internal_error(),
        None => plain_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    }
}

async fn not_found(uri: Uri) -> Response {
    let message = format!("No route for {}", uri.path());
    match provider_of(uri.path()) {
        Some(Provider::Kpay) => kpay::errors(StatusCode::NOT_FOUND, "Not Found", &message, "Check the path."),
        Some(Provider::DollarPe) => dollarpe::failure(StatusCode::NOT_FOUND, &message),
        // Unsigned: QI paths that exist are signed by their middleware; this one does not.
        Some(Provider::QiTech) => qitech::error(StatusCode::NOT_FOUND, "LEG000404", "Not Found", &message, "Recurso não encontrado.", serde_json::json!({})),
        Some(Provider::Signzy) => signzy::error(StatusCode::NOT_FOUND, &message),
        Some(Provider::Leegality) => {
            (StatusCode::NOT_FOUND, Json(serde_json::json!({ "status": 0, "messages": [{ "code": "not.found", "message": message }], "data": null })))
                .into_response()
        }
        None => plain_error(StatusCode::NOT_FOUND, &message),
    }
}

/// Errors of the sandbox's own paths.
pub(crate) fn plain_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}
