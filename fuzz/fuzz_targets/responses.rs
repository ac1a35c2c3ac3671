//! Whatever a provider (or something pretending to be one) answers: any status,
//! Date and AUTHORIZATION headers, any body. Every decoder refuses or accepts it
//! without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use signet_providers::{dollarpe::DollarPe, qitech::QiTech, HttpConfig};

fn clients() -> &'static (QiTech, DollarPe) {
    static CLIENTS: OnceLock<(QiTech, DollarPe)> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let key = SecretString::from(include_str!("../../crates/signet-core/tests/fixtures/p521-private.pem"));
        let public = include_str!("../../crates/signet-core/tests/fixtures/p521-public.pem");
        let qi = QiTech::new("https://qi.example", "client".into(), &key, Some(public), signet_providers::qitech::AuthScheme::EncodedBody, HttpConfig::default()).unwrap();
        let dp = DollarPe::new("https://dp.example", "k".into(), "s".into(), Default::default(), HttpConfig::default());
        (qi, dp)
    })
}

fuzz_target!(|data: &[u8]| {
    // status (2 bytes), then the Date header, AUTHORIZATION and body split at two 0xFF bytes.
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]) % 600;
    let mut parts = data[2..].splitn(3, |&b| b == 0xFF);
    let (date, authorization, body) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let (qi, dp) = clients();
    signet_providers::fuzzing::every_decoder(status, date, authorization, body, qi, dp);
});
