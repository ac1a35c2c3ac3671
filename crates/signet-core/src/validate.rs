//! Checks on what the operator types into settings. Each error names the field and
//! says how to fix it.

use std::net::IpAddr;

use crate::error::{CoreError, Result};
use crate::error_words as w;

pub const PROFILE_NAME_MAX: usize = 60;

/// A provider base URL must be `https`, except on this machine (the Sandbox), where
/// `http` is allowed too. Returns the URL normalised without a trailing slash.
/// The team store's address: `postgresql://host[:port]/database`, without a user
/// or password (they have fields of their own; the password lives in the keyring).
pub fn postgres_url(field: &str, raw: &str) -> Result<String> {
    let raw = raw.trim();
    let example = "postgresql://db.example.com:5432/signet";
    let url = url::Url::parse(raw)
        .map_err(|e| CoreError::invalid_as(field, w::POSTGRES_PARSE, &[("value", raw.into()), ("reason", e.to_string()), ("example", example.into())]))?;
    if !matches!(url.scheme(), "postgresql" | "postgres") {
        return Err(CoreError::invalid_as(field, w::POSTGRES_SCHEME, &[("example", example.into())]));
    }
    if url.host_str().unwrap_or_default().is_empty() {
        return Err(CoreError::invalid_as(field, w::POSTGRES_HOST, &[("example", example.into())]));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CoreError::invalid_as(field, w::POSTGRES_CREDENTIALS, &[]));
    }
    let database = url.path().trim_start_matches('/');
    if database.is_empty() || database.contains('/') {
        return Err(CoreError::invalid_as(field, w::POSTGRES_DATABASE, &[("example", example.into())]));
    }
    if url.query().is_some() {
        return Err(CoreError::invalid_as(field, w::POSTGRES_QUERY, &[]));
    }
    Ok(raw.to_string())
}

/// A PEM certificate (or several), as pasted.
pub fn certificate_pem(field: &str, raw: &str) -> Result<String> {
    pem_certificates(field, raw)?;
    Ok(raw.trim().to_string())
}

/// The certificates of a pasted PEM block, each ready for a TLS root store.
pub fn pem_certificates(field: &str, raw: &str) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let certs: Vec<_> = CertificateDer::pem_slice_iter(raw.trim().as_bytes())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| CoreError::invalid_as(field, w::PEM_PARSE, &[("reason", e.to_string())]))?;
    if certs.is_empty() {
        return Err(CoreError::invalid_as(field, w::PEM_EMPTY, &[]));
    }
    Ok(certs)
}

pub fn base_url(field: &str, raw: &str) -> Result<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(CoreError::invalid_as(field, w::BASE_URL_EMPTY, &[]));
    }
    let url = url::Url::parse(raw).map_err(|e| CoreError::invalid_as(field, w::BASE_URL_PARSE, &[("value", raw.into()), ("reason", e.to_string())]))?;
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(CoreError::invalid_as(field, w::BASE_URL_HOST, &[]));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(CoreError::invalid_as(field, w::BASE_URL_HTTP, &[("host", host.into())])),
        other => return Err(CoreError::invalid_as(field, w::BASE_URL_SCHEME, &[("scheme", other.into())])),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CoreError::invalid_as(field, w::BASE_URL_CREDENTIALS, &[]));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CoreError::invalid_as(field, w::BASE_URL_QUERY, &[]));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Profile names are shown in the status bar and chosen from a list.
pub fn profile_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(CoreError::invalid_as("name", w::PROFILE_NAME_EMPTY, &[]));
    }
    if name.chars().count() > PROFILE_NAME_MAX {
        return Err(CoreError::invalid_as("name", w::PROFILE_NAME_LONG, &[("max", PROFILE_NAME_MAX.to_string())]));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::invalid_as("name", w::PROFILE_NAME_CONTROL, &[]));
    }
    Ok(name.to_string())
}

/// A one-line secret: no surrounding blanks (a frequent paste mistake), no line breaks.
pub fn one_line_secret(field: &str, raw: &str) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(CoreError::invalid_as(field, w::SECRET_EMPTY, &[]));
    }
    if value.contains(['\n', '\r']) {
        return Err(CoreError::invalid_as(field, w::SECRET_LINES, &[]));
    }
    if value.len() > 4096 {
        return Err(CoreError::invalid_as(field, w::SECRET_LONG, &[]));
    }
    Ok(value.to_string())
}

/// QI Tech signs with ES512, so the private key must be a P-521 key, in PKCS#8
/// ("BEGIN PRIVATE KEY") or SEC1 ("BEGIN EC PRIVATE KEY") PEM.
pub fn p521_private_key_pem(field: &str, raw: &str) -> Result<String> {
    use p521::pkcs8::DecodePrivateKey;
    let pem = raw.trim();
    if !pem.starts_with("-----BEGIN") {
        return Err(CoreError::invalid_as(field, w::KEY_NOT_PEM, &[]));
    }
    if pem.contains("PUBLIC KEY") {
        return Err(CoreError::invalid_as(field, w::KEY_PUBLIC, &[]));
    }
    let ok = p521::SecretKey::from_pkcs8_pem(pem).is_ok() || p521::SecretKey::from_sec1_pem(pem).is_ok();
    if !ok {
        return Err(CoreError::invalid_as(field, w::KEY_NOT_P521, &[]));
    }
    Ok(format!("{pem}\n"))
}

/// QI Tech's public key, for verifying its signed responses: P-521, SPKI PEM.
pub fn p521_public_key_pem(field: &str, raw: &str) -> Result<String> {
    use p521::pkcs8::DecodePublicKey;
    let pem = raw.trim();
    if pem.contains("PRIVATE KEY") {
        return Err(CoreError::invalid_as(field, w::KEY_PRIVATE, &[]));
    }
    p521::PublicKey::from_public_key_pem(pem).map_err(|_| CoreError::invalid_as(field, w::KEY_NOT_PUBLIC, &[]))?;
    Ok(format!("{pem}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: CoreError) -> String {
        match e {
            CoreError::Invalid { field, .. } => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn https_and_loopback_http_are_accepted() {
        assert_eq!(base_url("f", " https://api.example.com/v1/ ").unwrap(), "https://api.example.com/v1");
        assert_eq!(base_url("f", "http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(base_url("f", "http://127.8.9.1").unwrap(), "http://127.8.9.1");
        assert_eq!(base_url("f", "http://localhost:3000/").unwrap(), "http://localhost:3000");
        assert_eq!(base_url("f", "http://[::1]:9000").unwrap(), "http://[::1]:9000");
    }

    #[test]
    fn other_urls_are_refused_naming_the_field() {
        for bad in [
            "",
            "api.example.com",
            "http://api.example.com",
            "http://10.0.0.5",
            "http://localhost.evil.com",
            "ftp://files.example.com",
            "https://user:pw@api.example.com",
            "https://api.example.com/?x=1",
            "file:///etc/passwd",
        ] {
            let e = base_url("dollarpe.base_url", bad).unwrap_err();
            assert_eq!(field_of(e), "dollarpe.base_url", "{bad}");
        }
        let msg = base_url("f", "http://api.example.com").unwrap_err().to_string();
        assert!(msg.contains("https"), "{msg}");
    }

    #[test]
    fn profile_names() {
        assert_eq!(profile_name("  Production ").unwrap(), "Production");
        assert!(profile_name("").is_err());
        assert!(profile_name("a\nb").is_err());
        assert!(profile_name(&"x".repeat(61)).is_err());
        assert!(profile_name(&"é".repeat(60)).is_ok());
    }

    #[test]
    fn one_line_secrets_are_trimmed_and_refused_when_multiline() {
        assert_eq!(one_line_secret("f", "  abc \n").unwrap(), "abc");
        assert!(one_line_secret("f", "   ").is_err());
        assert!(one_line_secret("f", "ab\ncd").is_err());
    }

    // A P-521 key pair made for these tests only (openssl ecparam -name secp521r1).
    pub(crate) const TEST_P521_PRIVATE: &str = include_str!("../tests/fixtures/p521-private.pem");
    const TEST_P521_PUBLIC: &str = include_str!("../tests/fixtures/p521-public.pem");
    const TEST_P256_PRIVATE: &str = include_str!("../tests/fixtures/p256-private.pem");

    #[test]
    fn p521_keys_are_recognised() {
        assert!(p521_private_key_pem("k", TEST_P521_PRIVATE).is_ok());
        assert!(p521_public_key_pem("k", TEST_P521_PUBLIC).is_ok());
        let wrong_curve = p521_private_key_pem("k", TEST_P256_PRIVATE).unwrap_err().to_string();
        assert!(wrong_curve.contains("P-521"), "{wrong_curve}");
        assert!(p521_private_key_pem("k", TEST_P521_PUBLIC).unwrap_err().to_string().contains("public key"));
        assert!(p521_public_key_pem("k", TEST_P521_PRIVATE).unwrap_err().to_string().contains("private key"));
        assert!(p521_private_key_pem("k", "hello").is_err());
    }
}

/// A Brazilian CPF: 11 digits (dots and dash allowed on input), not all equal, with
/// two mod-11 check digits. Returns the 11 digits.
pub fn cpf(field: &str, raw: &str) -> Result<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, '.' | '-' | ' ')).collect();
    if digits.len() != 11 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(CoreError::invalid_as(field, w::CPF_DIGITS, &[]));
    }
    let d: Vec<u32> = digits.chars().map(|c| c.to_digit(10).expect("checked digits")).collect();
    if d.iter().all(|&x| x == d[0]) {
        return Err(CoreError::invalid_as(field, w::CPF_REPEATED, &[]));
    }
    let check = |len: usize| {
        let sum: u32 = d[..len].iter().zip((2..=len as u32 + 1).rev()).map(|(x, w)| x * w).sum();
        match sum % 11 {
            r if r < 2 => 0,
            r => 11 - r,
        }
    };
    if check(9) != d[9] || check(10) != d[10] {
        return Err(CoreError::invalid_as(field, w::CPF_CHECK, &[]));
    }
    Ok(digits)
}

/// QI Tech's phone: country code 3 digits (055), area code 2, number up to 10; digits only.
pub fn phone_part(field: &str, raw: &str, min: usize, max: usize, example: &str) -> Result<String> {
    let v = raw.trim();
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()) || v.len() < min || v.len() > max {
        return Err(if min == max {
            CoreError::invalid_as(field, w::PHONE_EXACT, &[("count", min.to_string()), ("example", example.into())])
        } else {
            CoreError::invalid_as(field, w::PHONE_RANGE, &[("min", min.to_string()), ("max", max.to_string()), ("example", example.into())])
        });
    }
    Ok(v.to_string())
}

/// A UUID in its usual 8-4-4-4-12 form (myKaarma department and request ids, GUIDs).
pub fn uuid(field: &str, raw: &str) -> Result<String> {
    let v = raw.trim();
    match ::uuid::Uuid::try_parse(v) {
        Ok(u) if v.len() == 36 => Ok(u.hyphenated().to_string()),
        _ => Err(CoreError::invalid_as(field, w::UUID, &[("value", v.into())])),
    }
}

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn cpf_check_digits() {
        for good in ["617.669.762-04", "61766976204", "529.982.247-25", "111.444.777-35"] {
            assert!(cpf("cpf", good).is_ok(), "{good}");
        }
        assert_eq!(cpf("cpf", "529.982.247-25").unwrap(), "52998224725");
        for bad in ["617.669.762-05", "111.111.111-11", "1234567890", "abc.def.ghi-jk", "", "529982247250"] {
            assert!(cpf("signer.document_number", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_parts_and_uuids() {
        assert!(phone_part("cc", "055", 3, 3, "055").is_ok());
        assert!(phone_part("cc", "55", 3, 3, "055").is_err());
        assert!(phone_part("n", "999999999", 8, 10, "999999999").is_ok());
        assert!(phone_part("n", "99999-9999", 8, 10, "999999999").is_err());
        assert!(phone_part("n", "12345678901", 8, 10, "999999999").is_err());
        assert_eq!(uuid("u", " 4E6F1B20-A73C-11EC-B909-0242AC120002 ").unwrap(), "4e6f1b20-a73c-11ec-b909-0242ac120002");
        assert!(uuid("u", "4e6f1b20a73c11ecb9090242ac120002").is_err());
        assert!(uuid("u", "not-a-uuid").is_err());
    }
}

/// A document link a provider will fetch (signed document, KYC image): https, since
/// the provider is elsewhere, or plain http on this machine only (the Sandbox and
/// local test buckets); a query is allowed (pre-signed storage links).
pub fn document_url(field: &str, raw: &str) -> Result<String> {
    let v = raw.trim();
    match url::Url::parse(v) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()) => Ok(u.to_string()),
        Ok(u) if u.scheme() == "http" && is_loopback(&u) => Ok(u.to_string()),
        Ok(u) if u.scheme() == "http" => Err(CoreError::invalid_as(field, w::DOCUMENT_URL_HTTP, &[])),
        _ => Err(CoreError::invalid_as(field, w::DOCUMENT_URL, &[("value", v.into())])),
    }
}

#[cfg(test)]
mod document_url_tests {
    use super::*;

    #[test]
    fn https_links_with_queries_pass_and_others_do_not() {
        let signed = "https://bucket.s3.example.com/k/front.jpg?X-Amz-Signature=abc&X-Amz-Expires=900";
        assert_eq!(document_url("front", signed).unwrap(), signed);
        for bad in ["http://files.example.com/front.jpg", "ftp://x/y", "front.jpg", ""] {
            assert_eq!(document_url("front", bad).unwrap_err().body().field.as_deref(), Some("front"), "{bad}");
        }
        // This machine's Sandbox and test buckets serve plain http.
        assert!(document_url("front", "http://127.0.0.1:4780/_sandbox/files/kyc/a.png").is_ok());
    }
}

/// A field that must not be blank; returned trimmed.
pub fn required(field: &str, raw: &str) -> Result<String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(CoreError::invalid_as(field, w::REQUIRED, &[("what", field.replace('_', " "))]));
    }
    Ok(v.to_string())
}

/// An email address of the plain `name@domain.tld` form providers accept.
pub fn email(field: &str, raw: &str) -> Result<String> {
    let v = raw.trim();
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !v.contains(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        return Err(CoreError::invalid_as(field, w::EMAIL, &[("value", v.into())]));
    }
    Ok(v.to_string())
}
