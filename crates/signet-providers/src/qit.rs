//! QI Tech's second authentication scheme, the one its `api-auth` gateway's public
//! clients use (QI's own samples, `anaue/qitech`, `Captalys/qitech-auth`):
//!
//! - a JSON body travels as `{"encoded_body": <ES512 JWT whose payload is the body>}`;
//! - `Authorization: QIT <API-CLIENT-KEY>:<ES512 JWT of {"sub": <API-CLIENT-KEY>,
//!   "signature": <string to sign>}>`, beside `API-CLIENT-KEY`;
//! - the string to sign is five lines: the method, the MD5 (hex) of the
//!   `encoded_body` token (empty without a body; for a multipart upload, of the
//!   file's bytes), the content type (`application/json` with a JSON body, else
//!   empty), the date in HTTP form (`Tue, 03 Dec 2019 14:51:07 GMT`, UTC) and the
//!   path with its query, exactly as sent;
//! - QI answers `{"encoded_body": <JWT signed by QI>}` with its own `Authorization:
//!   QIT <API-CLIENT-KEY>:<JWT>` over the same five lines (its MD5 of the answer's
//!   token), both verified with QI's public key.
//!
//! (The other scheme, a bare `AUTHORIZATION` token with `payload_md5` claims, is in
//! `jws`; a profile chooses.)

use serde::{Deserialize, Serialize};

use crate::jws::{self, SigningKey, VerifyingKey};

/// How far apart our clock and the date QI signed may be (QI's own samples allow 5 minutes).
pub const DATE_WINDOW_SECS: i64 = 300;

/// What a request carries, for signing.
pub enum Payload<'a> {
    None,
    /// A JSON body: sent as `encoded_body`.
    Json(&'a [u8]),
    /// A multipart upload: sent as is; its file's bytes are what the MD5 covers.
    Multipart {
        file: &'a [u8],
    },
}

/// The claims of a `QIT` authorization token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthClaims {
    pub sub: String,
    pub signature: String,
}

/// A request signed in this scheme: the body to send (if it changed) and the header.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// `{"encoded_body": ...}` for a JSON body; `None` leaves the body as it was.
    pub body: Option<Vec<u8>>,
    pub authorization: String,
    /// The five lines that were signed, for tests and diagnostics.
    pub string_to_sign: String,
}

/// The date line: RFC 7231's IMF-fixdate, always in GMT.
pub fn http_date(at: time::OffsetDateTime) -> String {
    httpdate::fmt_http_date(std::time::SystemTime::from(at))
}

pub fn string_to_sign(method: &str, md5: &str, content_type: &str, date: &str, path_and_query: &str) -> String {
    format!("{}\n{md5}\n{content_type}\n{date}\n{path_and_query}", method.to_ascii_uppercase())
}

pub fn sign_request(key: &SigningKey, client_key: &str, method: &str, path_and_query: &str, payload: Payload<'_>, at: time::OffsetDateTime) -> SignedRequest {
    let (body, md5, content_type) = match payload {
        Payload::None => (None, String::new(), ""),
        Payload::Json(json) => {
            let token = jws::sign_payload(key, json);
            let body = serde_json::to_vec(&serde_json::json!({ "encoded_body": token })).expect("a string serializes");
            (Some(body), jws::md5_hex(token.as_bytes()), "application/json")
        }
        Payload::Multipart { file } => (None, jws::md5_hex(file), ""),
    };
    let string_to_sign = string_to_sign(method, &md5, content_type, &http_date(at), path_and_query);
    let token = jws::sign(key, &AuthClaims { sub: client_key.to_string(), signature: string_to_sign.clone() });
    SignedRequest { body, authorization: format!("QIT {client_key}:{token}"), string_to_sign }
}

/// Splits `QIT <key>:<token>`.
pub fn parse_authorization(header: &str) -> Option<(&str, &str)> {
    header.trim().strip_prefix("QIT ")?.split_once(':')
}

/// The `encoded_body` token of a body, if it is one.
pub fn encoded_body(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("encoded_body")?.as_str().map(str::to_string)
}

/// Why a signed message did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error("it carries no QIT Authorization header")]
    NoAuthorization,
    #[error("its Authorization header is for another client key")]
    OtherClientKey,
    #[error("its Authorization token: {0}")]
    Token(jws::JwsError),
    #[error("its signed string is not five lines")]
    Shape,
    #[error("it was signed for {0}, not for this request")]
    Request(String),
    #[error("its body does not match the signed MD5")]
    Body,
    #[error("its signed date {0} is more than 5 minutes from this computer's clock")]
    Date(String),
    #[error("its encoded_body: {0}")]
    EncodedBody(jws::JwsError),
}

/// Checks a message signed in this scheme (QI's answer, or, for the Sandbox, a
/// client's request) and returns the JSON its `encoded_body` carries (empty if none).
pub fn open(
    key: &VerifyingKey,
    client_key: &str,
    authorization: Option<&str>,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now: time::OffsetDateTime,
) -> Result<Vec<u8>, Mismatch> {
    let (key_in_header, token) = authorization.and_then(parse_authorization).ok_or(Mismatch::NoAuthorization)?;
    if key_in_header != client_key {
        return Err(Mismatch::OtherClientKey);
    }
    let claims: AuthClaims = jws::verify(key, token).map_err(Mismatch::Token)?;
    if claims.sub != client_key {
        return Err(Mismatch::OtherClientKey);
    }
    let lines: Vec<&str> = claims.signature.split('\n').collect();
    let [signed_method, md5, _content_type, date, signed_path] = lines[..] else { return Err(Mismatch::Shape) };
    if !signed_method.eq_ignore_ascii_case(method) || signed_path != path_and_query {
        return Err(Mismatch::Request(format!("{signed_method} {signed_path}")));
    }
    let at = httpdate::parse_http_date(date).map_err(|_| Mismatch::Date(date.into()))?;
    let skew = (time::OffsetDateTime::from(at) - now).whole_seconds();
    if skew.abs() > DATE_WINDOW_SECS {
        return Err(Mismatch::Date(date.into()));
    }
    match encoded_body(body) {
        Some(inner) => {
            if md5 != jws::md5_hex(inner.as_bytes()) {
                return Err(Mismatch::Body);
            }
            jws::verify_payload(key, &inner).map_err(Mismatch::EncodedBody)
        }
        // No encoded body: nothing was signed but the request line (a GET), or the
        // MD5 is over an uploaded file, which only its receiver can check.
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE: &str = include_str!("../../signet-core/tests/fixtures/p521-private.pem");
    const PUBLIC: &str = include_str!("../../signet-core/tests/fixtures/p521-public.pem");

    #[test]
    fn the_date_line_is_imf_fixdate_in_gmt() {
        assert_eq!(http_date(time::macros::datetime!(2019-12-03 14:51:07 UTC)), "Tue, 03 Dec 2019 14:51:07 GMT");
        assert_eq!(http_date(time::macros::datetime!(2026-01-05 09:02:03 -03:00)), "Mon, 05 Jan 2026 12:02:03 GMT");
    }

    #[test]
    fn a_json_request_round_trips_and_any_change_is_caught() {
        let key = jws::signing_key_from_pem(PRIVATE).unwrap();
        let public = jws::verifying_key_from_pem(PUBLIC).unwrap();
        let at = time::macros::datetime!(2026-11-21 05:24:00 UTC);
        let json = br#"{"type":"data_signature"}"#;
        let signed = sign_request(&key, "ck-1", "post", "/debt/d1/signed?x=1", Payload::Json(json), at);
        let body = signed.body.clone().unwrap();
        let token = encoded_body(&body).unwrap();
        assert_eq!(
            signed.string_to_sign,
            format!("POST\n{}\napplication/json\nSat, 21 Nov 2026 05:24:00 GMT\n/debt/d1/signed?x=1", jws::md5_hex(token.as_bytes()))
        );
        let auth = Some(signed.authorization.as_str());
        assert_eq!(open(&public, "ck-1", auth, "POST", "/debt/d1/signed?x=1", &body, at).unwrap(), json.to_vec());
        assert_eq!(open(&public, "ck-2", auth, "POST", "/debt/d1/signed?x=1", &body, at), Err(Mismatch::OtherClientKey));
        assert!(matches!(open(&public, "ck-1", auth, "POST", "/debt/d1/signed", &body, at), Err(Mismatch::Request(_))));
        let later = at + time::Duration::minutes(6);
        assert!(matches!(open(&public, "ck-1", auth, "POST", "/debt/d1/signed?x=1", &body, later), Err(Mismatch::Date(_))));
        let other = sign_request(&key, "ck-1", "POST", "/debt/d1/signed?x=1", Payload::Json(b"{}"), at).body.unwrap();
        assert_eq!(open(&public, "ck-1", auth, "POST", "/debt/d1/signed?x=1", &other, at), Err(Mismatch::Body));
        assert_eq!(open(&public, "ck-1", None, "POST", "/x", &body, at), Err(Mismatch::NoAuthorization));
    }

    #[test]
    fn without_a_body_the_md5_and_content_type_lines_are_empty() {
        let key = jws::signing_key_from_pem(PRIVATE).unwrap();
        let at = time::macros::datetime!(2026-11-21 05:24:00 UTC);
        let signed = sign_request(&key, "ck", "GET", "/test/ck", Payload::None, at);
        assert_eq!(signed.string_to_sign, "GET\n\n\nSat, 21 Nov 2026 05:24:00 GMT\n/test/ck");
        assert!(signed.body.is_none());
        assert!(signed.authorization.starts_with("QIT ck:"));
    }
}
