//! DollarPe request signing: `X-SIGNATURE` = Base64(HMAC-SHA256(api_secret,
//! "{api_key}|{timestamp}|{body}")), where body is the sorted JSON text sent (`{}`
//! for a GET). Method and path are not signed.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a GET signs in place of a body.
pub const EMPTY_BODY: &str = "{}";

pub fn signature(api_key: &str, api_secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(api_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{api_key}|{timestamp}|{body}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a signature in constant time (the Sandbox's side of the exchange).
pub fn verify(api_key: &str, api_secret: &str, timestamp: i64, body: &str, signature_b64: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature_b64.trim()) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(api_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{api_key}|{timestamp}|{body}").as_bytes());
    mac.verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written down from Python 3:
    //   base64.b64encode(hmac.new(b"sk_test_123", b"ak_test_456|1700000000|{}", hashlib.sha256).digest())
    #[test]
    fn matches_a_vector_computed_with_python() {
        assert_eq!(signature("ak_test_456", "sk_test_123", 1_700_000_000, EMPTY_BODY), PY_VECTOR_GET);
        assert!(verify("ak_test_456", "sk_test_123", 1_700_000_000, EMPTY_BODY, PY_VECTOR_GET));
        assert!(!verify("ak_test_456", "sk_test_123", 1_700_000_001, EMPTY_BODY, PY_VECTOR_GET));
        assert!(!verify("ak_test_456", "sk_test_123", 1_700_000_000, EMPTY_BODY, "not base64!"));
    }

    const PY_VECTOR_GET: &str = "sYpDM4fvC3GTgIUc6qh+DzuKY8ITQS2+O1epqPgDZnw=";
}
