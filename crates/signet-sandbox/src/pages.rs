//! The small HTML pages behind the links the sandbox hands out (payment, invoice,
//! signature capture, Signzy signing), so a person following one sees something real.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::{lock, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/pay/{id}", get(pay))
        .route("/invoice/{guid}", get(invoice))
        .route("/sign/{spi}", get(sign))
        .route("/signzy/sign/{contract_id}/{signer_id}", get(signzy_sign))
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Response {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t} · Signet sandbox</title></head>\
         <body style=\"font-family:sans-serif;max-width:36rem;margin:2rem auto\"><h1>{t}</h1>{body}\
         <p><small>Served by the Signet sandbox: nothing here reaches a real provider.</small></p></body></html>",
        t = escape(title)
    ))
    .into_response()
}

fn missing(what: &str) -> Response {
    (StatusCode::NOT_FOUND, page("Not found", &format!("<p>{} does not exist.</p>", escape(what)))).into_response()
}

async fn pay(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let store = lock(&s.kpay);
    let Some(p) = store.payment_request(&id) else { return missing("This payment request") };
    let inv = store.invoice(&p.invoice_guid);
    let how = if p.send_without_kpay { "Pay at the dealership (online payment is off for this request)." } else { "Pay online with KPay." };
    page(
        &format!("Pay invoice {}", inv.number),
        &format!("<p>{} — {}</p><p><strong>Amount due: ${}</strong></p><p>{how}</p>", escape(&inv.customer), escape(&inv.description), inv.amount),
    )
}

async fn invoice(State(s): State<AppState>, Path(guid): Path<String>) -> Response {
    let Ok(guid) = signet_core::validate::uuid("invoiceGuid", &guid) else { return missing("This invoice") };
    let inv = lock(&s.kpay).invoice(&guid);
    page(
        &format!("Invoice {}", inv.number),
        &format!("<p>Customer: {}</p><p>{}</p><p>Total: ${}</p>", escape(&inv.customer), escape(&inv.description), inv.amount),
    )
}

async fn sign(State(s): State<AppState>, Path(spi): Path<String>) -> Response {
    let store = lock(&s.kpay);
    let Some(r) = store.signature_request(&spi) else { return missing("This signature request") };
    let inv = store.invoice(&r.invoice_guid);
    let state = match &r.signed_document_url {
        Some(url) => format!("<p>Signed. <a href=\"{0}\">{0}</a></p>", escape(url)),
        None => "<p>Awaiting signature.</p>".to_string(),
    };
    page(&format!("Sign invoice {}", inv.number), &format!("<p>{}</p>{state}", escape(&inv.customer)))
}

async fn signzy_sign(State(s): State<AppState>, Path((contract_id, signer_id)): Path<(String, String)>) -> Response {
    let store = lock(&s.signzy);
    let Some(c) = store.contract(&contract_id) else { return missing("This contract") };
    let Some(x) = c.signers.iter().find(|x| x.id == signer_id) else { return missing("This signer") };
    let action = match &x.signed_at {
        Some(at) => format!("<p>Signed at {}.</p>", escape(at)),
        None => format!(
            "<form method=\"post\" action=\"/_sandbox/signzy/{}/signers/{}/sign\"><button>Sign as {}</button></form>",
            escape(&contract_id),
            escape(&signer_id),
            escape(&x.name)
        ),
    };
    page(&format!("Sign {}", c.name), &format!("<p>Signer: {} ({})</p>{action}", escape(&x.name), escape(&x.signature_type)))
}
