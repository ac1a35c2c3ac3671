//! Checks on what the operator types into settings. Each error names the field and
//! says how to fix it.

use std::net::IpAddr;

use crate::error::{CoreError, Result};

pub const PROFILE_NAME_MAX: usize = 60;

/// A provider base URL must be `https`, except on this machine (the Sandbox), where
/// `http` is allowed too. Returns the URL normalised without a trailing slash.
pub fn base_url(field: &str, raw: &str) -> Result<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(CoreError::invalid(field, "Enter the provider's base URL, for example https://api.provider.com."));
    }
    let url = url::Url::parse(raw).map_err(|e| {
        CoreError::invalid(field, format!("\"{raw}\" is not a URL ({e}); write it in full, starting with https://."))
    })?;
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(CoreError::invalid(field, "The URL has no host name; write it as https://host/path."));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(CoreError::invalid(
                field,
                format!("Use https: plain http is allowed only for this machine (localhost, 127.0.0.1, ::1), not for {host}."),
            ))
        }
        other => return Err(CoreError::invalid(field, format!("\"{other}\" URLs are not supported; use https://."))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CoreError::invalid(field, "Remove the user name and password from the URL; credentials belong in their own fields."));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CoreError::invalid(field, "Remove the ?query or #fragment: a base URL is a scheme, a host and an optional path."));
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
        return Err(CoreError::invalid("name", "Give the profile a name, for example \"Production\"."));
    }
    if name.chars().count() > PROFILE_NAME_MAX {
        return Err(CoreError::invalid("name", format!("Keep the name to {PROFILE_NAME_MAX} characters or fewer.")));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::invalid("name", "The name cannot contain line breaks or control characters."));
    }
    Ok(name.to_string())
}

/// A one-line secret: no surrounding blanks (a frequent paste mistake), no line breaks.
pub fn one_line_secret(field: &str, raw: &str) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(CoreError::invalid(field, "The value is empty; paste the credential, or use Delete to remove it."));
    }
    if value.contains(['\n', '\r']) {
        return Err(CoreError::invalid(field, "The value spans several lines; paste it as a single line."));
    }
    if value.len() > 4096 {
        return Err(CoreError::invalid(field, "The value is longer than 4096 characters; check that you pasted the right thing."));
    }
    Ok(value.to_string())
}

/// QI Tech signs with ES512, so the private key must be a P-521 key, in PKCS#8
/// ("BEGIN PRIVATE KEY") or SEC1 ("BEGIN EC PRIVATE KEY") PEM.
pub fn p521_private_key_pem(field: &str, raw: &str) -> Result<String> {
    use p521::pkcs8::DecodePrivateKey;
    let pem = raw.trim();
    if !pem.starts_with("-----BEGIN") {
        return Err(CoreError::invalid(field, "Paste the key in PEM form, starting with -----BEGIN PRIVATE KEY-----."));
    }
    if pem.contains("PUBLIC KEY") {
        return Err(CoreError::invalid(field, "This is a public key; the private key (BEGIN PRIVATE KEY) goes here."));
    }
    let ok = p521::SecretKey::from_pkcs8_pem(pem).is_ok() || p521::SecretKey::from_sec1_pem(pem).is_ok();
    if !ok {
        return Err(CoreError::invalid(
            field,
            "This is not a P-521 (ES512) private key in PEM form. Create one with: openssl ecparam -name secp521r1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt",
        ));
    }
    Ok(format!("{pem}\n"))
}

/// QI Tech's public key, for verifying its signed responses: P-521, SPKI PEM.
pub fn p521_public_key_pem(field: &str, raw: &str) -> Result<String> {
    use p521::pkcs8::DecodePublicKey;
    let pem = raw.trim();
    if pem.contains("PRIVATE KEY") {
        return Err(CoreError::invalid(field, "This is a private key; only QI Tech's public key (BEGIN PUBLIC KEY) goes here."));
    }
    p521::PublicKey::from_public_key_pem(pem).map_err(|_| {
        CoreError::invalid(field, "This is not a P-521 public key in PEM form (-----BEGIN PUBLIC KEY-----).")
    })?;
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
