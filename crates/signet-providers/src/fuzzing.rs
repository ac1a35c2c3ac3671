//! Entry points for the fuzz targets in `fuzz/` (not an API): every decoder of a
//! provider's answer, fed whatever status, headers and body a broken or hostile
//! server could send. A decoder may refuse anything; it may not panic.

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, DATE};

use crate::http::Incoming;
use crate::{dollarpe, kpay, qitech, signzy};

/// Runs one answer through every decoder. `qi` must hold QI's public key, so the
/// response-signature checks (an ES512 token in AUTHORIZATION, or a QIT header over
/// an encoded_body) run too; `dp` is any DollarPe client.
pub fn every_decoder(status: u16, date: &[u8], authorization: &[u8], body: &[u8], qi: &qitech::QiTech, dp: &dollarpe::DollarPe) {
    let mut headers = HeaderMap::new();
    for (name, value) in [(DATE, date), (AUTHORIZATION, authorization)] {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.insert(name, v);
        }
    }
    let resp = Incoming { status, headers, body: body.to_vec() };
    let _ = resp.body_excerpt();
    let _ = resp.clock_skew_secs();
    for without_kpay in [false, true] {
        let _ = kpay::payment_reply(&resp, &kpay::PaymentRequest { send_without_kpay: without_kpay, ..Default::default() });
    }
    let _ = kpay::capture_reply(&resp);
    let _ = kpay::decode_ok::<kpay::SignatureRequest>(&resp);
    let _ = signzy::decode::<signzy::InitiatedContract>(&resp);
    let _ = signzy::decode::<signzy::ContractStatus>(&resp);
    let _ = qi.verify_response(&resp, "POST", "/debt/x/signed");
    let _ = qi.decode::<qitech::SignatureReceived>(&resp);
    let _ = qi.decode::<serde_json::Value>(&resp);
    let _ = qi.open_response(Incoming { status, headers: resp.headers.clone(), body: body.to_vec() }, "POST", "/debt/x/signed");
    let _ = dp.decode::<dollarpe::DocumentUpdated>(Incoming { status, headers: resp.headers.clone(), body: body.to_vec() });
    let _ = dp.decode::<serde_json::Value>(resp);
}
