//! QI Tech's request authentication: a compact JWS signed ES512 (ECDSA on P-521 with
//! SHA-512) whose claims bind the request: `payload_md5` (MD5 hex of the body sent),
//! `timestamp` (UTC ISO-8601), `method` and `uri`. QI signs its responses the same way.
//!
//! The curve arithmetic is AWS-LC's (assembly-backed, already linked for TLS), about
//! three times faster than the pure-Rust `p521` crate; `p521` only reads the PEM files,
//! and the tests check our tokens against it and against Python's `cryptography`.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ParsedPublicKey, ECDSA_P521_SHA512_FIXED, ECDSA_P521_SHA512_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

/// A P-521 private key that signs ES512 tokens. Cheap to clone.
#[derive(Clone)]
pub struct SigningKey(Arc<EcdsaKeyPair>);

/// A P-521 public key that verifies ES512 tokens. Cheap to clone.
#[derive(Clone)]
pub struct VerifyingKey {
    parsed: Arc<ParsedPublicKey>,
    sec1: Arc<[u8]>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(P-521, hidden)")
    }
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifyingKey(P-521, {})", hex::encode(&self.sec1()[..9]))
    }
}

impl SigningKey {
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::from_sec1(self.0.public_key().as_ref()).expect("a key pair's own public key parses")
    }
}

impl VerifyingKey {
    fn from_sec1(bytes: &[u8]) -> Result<VerifyingKey, JwsError> {
        let parsed = ParsedPublicKey::new(&ECDSA_P521_SHA512_FIXED, bytes).map_err(|_| JwsError::BadPublicKey)?;
        Ok(VerifyingKey { parsed: Arc::new(parsed), sec1: bytes.into() })
    }

    /// The uncompressed SEC1 point (0x04 || x || y), 133 bytes.
    pub fn sec1(&self) -> &[u8] {
        &self.sec1
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestClaims {
    pub payload_md5: String,
    pub timestamp: String,
    pub method: String,
    pub uri: String,
}

impl RequestClaims {
    pub fn for_request(body: &[u8], method: &str, uri: &str, now: time::OffsetDateTime) -> RequestClaims {
        RequestClaims { payload_md5: md5_hex(body), timestamp: iso_timestamp(now), method: method.to_ascii_uppercase(), uri: uri.to_string() }
    }
}

pub fn md5_hex(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

/// `2026-11-21T05:24:00.123Z`: UTC, millisecond precision.
pub fn iso_timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z")).expect("UTC timestamps always format")
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum JwsError {
    #[error("the private key is not a P-521 key in PEM form")]
    BadPrivateKey,
    #[error("the public key is not a P-521 key in PEM form")]
    BadPublicKey,
    #[error("the token is not a compact JWS (header.claims.signature)")]
    Malformed,
    #[error("the token is signed with {0}, not ES512")]
    WrongAlgorithm(String),
    #[error("the signature does not match the key")]
    BadSignature,
}

pub fn signing_key_from_pem(pem: &str) -> Result<SigningKey, JwsError> {
    use p521::elliptic_curve::sec1::ToEncodedPoint;
    use p521::pkcs8::DecodePrivateKey;
    let secret = p521::SecretKey::from_pkcs8_pem(pem).or_else(|_| p521::SecretKey::from_sec1_pem(pem)).map_err(|_| JwsError::BadPrivateKey)?;
    let public = secret.public_key().to_encoded_point(false);
    EcdsaKeyPair::from_private_key_and_public_key(&ECDSA_P521_SHA512_FIXED_SIGNING, &secret.to_bytes(), public.as_bytes())
        .map(|k| SigningKey(Arc::new(k)))
        .map_err(|_| JwsError::BadPrivateKey)
}

pub fn verifying_key_from_pem(pem: &str) -> Result<VerifyingKey, JwsError> {
    use p521::elliptic_curve::sec1::ToEncodedPoint;
    use p521::pkcs8::DecodePublicKey;
    let public = p521::PublicKey::from_public_key_pem(pem).map_err(|_| JwsError::BadPublicKey)?;
    VerifyingKey::from_sec1(public.to_encoded_point(false).as_bytes())
}

/// Signs `claims` as `base64url(header).base64url(claims).base64url(r || s)`.
pub fn sign<T: Serialize>(key: &SigningKey, claims: &T) -> String {
    sign_payload(key, &serde_json::to_vec(claims).expect("claims serialize"))
}

/// Signs these exact payload bytes (a request body sent as a token keeps its bytes).
pub fn sign_payload(key: &SigningKey, payload: &[u8]) -> String {
    let header = B64URL.encode(br#"{"alg":"ES512","typ":"JWT"}"#);
    let input = format!("{header}.{}", B64URL.encode(payload));
    // AWS-LC draws the nonce from the OS; it fails only if the OS has no randomness left.
    let sig = key.0.sign(&SystemRandom::new(), input.as_bytes()).expect("the OS random source answers");
    format!("{input}.{}", B64URL.encode(sig.as_ref()))
}

/// Verifies an ES512 token and returns its claims.
pub fn verify<T: for<'de> Deserialize<'de>>(key: &VerifyingKey, token: &str) -> Result<T, JwsError> {
    serde_json::from_slice(&verify_payload(key, token)?).map_err(|_| JwsError::Malformed)
}

/// Verifies an ES512 token and returns its payload's bytes.
pub fn verify_payload(key: &VerifyingKey, token: &str) -> Result<Vec<u8>, JwsError> {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(h), Some(p), Some(s)) = (parts.next(), parts.next(), parts.next()) else { return Err(JwsError::Malformed) };
    let header: serde_json::Value = serde_json::from_slice(&B64URL.decode(h).map_err(|_| JwsError::Malformed)?).map_err(|_| JwsError::Malformed)?;
    let alg = header.get("alg").and_then(|a| a.as_str()).unwrap_or_default();
    if alg != "ES512" {
        return Err(JwsError::WrongAlgorithm(alg.to_string()));
    }
    let sig_bytes = B64URL.decode(s).map_err(|_| JwsError::Malformed)?;
    key.parsed.verify_sig(format!("{h}.{p}").as_bytes(), &sig_bytes).map_err(|_| JwsError::BadSignature)?;
    B64URL.decode(p).map_err(|_| JwsError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE: &str = include_str!("../../signet-core/tests/fixtures/p521-private.pem");
    const PUBLIC: &str = include_str!("../../signet-core/tests/fixtures/p521-public.pem");

    #[test]
    fn signs_and_verifies_request_claims() {
        let key = signing_key_from_pem(PRIVATE).unwrap();
        let now = time::macros::datetime!(2026-11-21 05:24:00.5 UTC);
        let claims = RequestClaims::for_request(br#"{"type":"data_signature"}"#, "post", "/debt/abc/signed", now);
        assert_eq!(claims.timestamp, "2026-11-21T05:24:00.500Z");
        assert_eq!(claims.method, "POST");
        let token = sign(&key, &claims);
        let back: RequestClaims = verify(&verifying_key_from_pem(PUBLIC).unwrap(), &token).unwrap();
        assert_eq!(back, claims);
        // The signature is r||s, 66 bytes each for P-521.
        assert_eq!(B64URL.decode(token.rsplit('.').next().unwrap()).unwrap().len(), 132);
    }

    #[test]
    fn md5_matches_the_reference() {
        // RFC 1321 test suite.
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn tampering_is_detected() {
        let key = signing_key_from_pem(PRIVATE).unwrap();
        let public = verifying_key_from_pem(PUBLIC).unwrap();
        let token = sign(&key, &serde_json::json!({"uri": "/a"}));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = B64URL.encode(br#"{"uri":"/b"}"#);
        parts[1] = &forged;
        assert_eq!(verify::<serde_json::Value>(&public, &parts.join(".")), Err(JwsError::BadSignature));
        assert_eq!(verify::<serde_json::Value>(&public, "a.b"), Err(JwsError::Malformed));
        let none = format!("{}.{}.", B64URL.encode(br#"{"alg":"none"}"#), B64URL.encode(b"{}"));
        assert_eq!(verify::<serde_json::Value>(&public, &none), Err(JwsError::WrongAlgorithm("none".into())));
    }

    /// A second implementation of the curve agrees both ways: the pure-Rust `p521` crate
    /// verifies what AWS-LC signed, and AWS-LC verifies what `p521` signed.
    #[test]
    fn agrees_with_the_p521_crate_both_ways() {
        use p521::ecdsa::signature::{Signer, Verifier};
        use p521::pkcs8::{DecodePrivateKey, DecodePublicKey};
        let theirs = p521::ecdsa::SigningKey::from_bytes(&p521::SecretKey::from_pkcs8_pem(PRIVATE).unwrap().to_bytes()).unwrap();
        let their_public = p521::ecdsa::VerifyingKey::from_sec1_bytes(&p521::PublicKey::from_public_key_pem(PUBLIC).unwrap().to_sec1_bytes()).unwrap();
        let ours = signing_key_from_pem(PRIVATE).unwrap();
        assert_eq!(ours.verifying_key().sec1(), verifying_key_from_pem(PUBLIC).unwrap().sec1());
        for uri in ["/a", "/debt/abc/signed", ""] {
            let token = sign(&ours, &serde_json::json!({ "uri": uri }));
            let (input, sig) = token.rsplit_once('.').unwrap();
            let sig = p521::ecdsa::Signature::from_slice(&B64URL.decode(sig).unwrap()).unwrap();
            their_public.verify(input.as_bytes(), &sig).expect("p521 verifies AWS-LC's signature");

            let header = B64URL.encode(br#"{"alg":"ES512","typ":"JWT"}"#);
            let input = format!("{header}.{}", B64URL.encode(format!(r#"{{"uri":"{uri}"}}"#)));
            let sig: p521::ecdsa::Signature = theirs.sign(input.as_bytes());
            let token = format!("{input}.{}", B64URL.encode(sig.to_bytes()));
            let back: serde_json::Value = verify(&ours.verifying_key(), &token).expect("AWS-LC verifies p521's signature");
            assert_eq!(back["uri"], uri);
        }
    }
}
