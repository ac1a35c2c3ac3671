//! What each provider needs from a profile: a base URL and a few fields, each of
//! which is either plain configuration (kept in the database) or a secret (kept only
//! in the OS keyring). The settings form is drawn from this list, so adding a field
//! here is all it takes to offer it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ProviderId {
    Mykaarma,
    Dollarpe,
    Qitech,
    Signzy,
    Leegality,
    /// Not a provider: the team store (PostgreSQL) a profile in team mode shares.
    Team,
    /// Not a provider: the S3 bucket with Object Lock that keeps the evidence.
    Archive,
}

impl ProviderId {
    pub const ALL: [ProviderId; 7] =
        [ProviderId::Mykaarma, ProviderId::Dollarpe, ProviderId::Qitech, ProviderId::Signzy, ProviderId::Leegality, ProviderId::Team, ProviderId::Archive];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::Mykaarma => "mykaarma",
            ProviderId::Dollarpe => "dollarpe",
            ProviderId::Qitech => "qitech",
            ProviderId::Signzy => "signzy",
            ProviderId::Leegality => "leegality",
            ProviderId::Team => "team",
            ProviderId::Archive => "archive",
        }
    }

    pub fn parse(s: &str) -> Option<ProviderId> {
        ProviderId::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProviderId::Mykaarma => "myKaarma (KPay)",
            ProviderId::Dollarpe => "DollarPe",
            ProviderId::Qitech => "QI Tech",
            ProviderId::Signzy => "Signzy",
            ProviderId::Leegality => "Leegality",
            ProviderId::Team => "Team store (PostgreSQL)",
            ProviderId::Archive => "Evidence archive (S3 Object Lock)",
        }
    }

    /// A placeholder for the empty base URL field; never used as a value. Only
    /// DollarPe documents its host, so the others show the scheme the field needs.
    pub fn base_url_hint(self) -> &'static str {
        match self {
            ProviderId::Dollarpe => "https://sandbox.dollarpe.xyz",
            ProviderId::Leegality => "https://sandbox.leegality.com/api",
            ProviderId::Team => "postgresql://db.example.com:5432/signet",
            ProviderId::Archive => "https://s3.eu-west-1.amazonaws.com",
            _ => "https://",
        }
    }

    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            ProviderId::Mykaarma => MYKAARMA,
            ProviderId::Dollarpe => DOLLARPE,
            ProviderId::Qitech => QITECH,
            ProviderId::Signzy => SIGNZY,
            ProviderId::Leegality => LEEGALITY,
            ProviderId::Team => TEAM,
            ProviderId::Archive => ARCHIVE,
        }
    }

    /// Checks the base URL the way this connection needs it: https for providers
    /// (plain http on this machine), postgresql:// for the team store.
    pub fn check_base_url(self, field: &str, raw: &str) -> crate::error::Result<String> {
        match self {
            ProviderId::Team => crate::validate::postgres_url(field, raw),
            _ => crate::validate::base_url(field, raw),
        }
    }

    pub fn field(self, key: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.key == key)
    }
}

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FieldKind {
    /// Plain configuration, stored in the database.
    Text,
    /// A one-line secret (password, API key, token): keyring only.
    Secret,
    /// A PEM private key, pasted or read from a file: keyring only.
    PrivateKeyPem,
    /// A PEM public key: not secret, stored in the database.
    PublicKeyPem,
    /// Several lines of plain configuration (e.g. departments), stored in the database.
    Lines,
}

impl FieldKind {
    pub fn is_secret(self) -> bool {
        matches!(self, FieldKind::Secret | FieldKind::PrivateKeyPem)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub help: &'static str,
    /// The values a plain field may take; empty for free text.
    pub choices: &'static [&'static str],
    /// Checks and normalises a plain value; `None` accepts any text.
    pub check: Option<fn(&str, &str) -> crate::error::Result<String>>,
}

const fn field(key: &'static str, label: &'static str, kind: FieldKind, required: bool, help: &'static str) -> FieldSpec {
    FieldSpec { key, label, kind, required, help, choices: &[], check: None }
}

const MYKAARMA: &[FieldSpec] = &[
    field("username", "Username", FieldKind::Text, true, "The service-subscriber username for HTTP Basic authentication."),
    field("password", "Password", FieldKind::Secret, true, "The service-subscriber password."),
    FieldSpec {
        check: Some(crate::payments::normalise_departments),
        ..field(
            "departments",
            "Departments",
            FieldKind::Lines,
            false,
            "One per line: the name you use, then its department UUID, e.g. \"Service: 3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01\".",
        )
    },
];

const DOLLARPE: &[FieldSpec] = &[
    field("api_key", "API key", FieldKind::Secret, true, "Sent as X-API-KEY and part of every signature."),
    field("api_secret", "API secret", FieldKind::Secret, true, "Signs each request (HMAC-SHA256); never sent."),
    FieldSpec {
        choices: &["python", "compact"],
        ..field("json_style", "Signed JSON style", FieldKind::Text, false, "How the sorted body is written before signing: \"python\" (json.dumps, the default) or \"compact\" (no spaces). Change only if DollarPe refuses signatures.")
    },
    // DollarPe takes document links, not files: KYC uploads go to this bucket.
    field("s3_bucket", "Documents bucket (S3)", FieldKind::Text, false, "The S3-compatible bucket KYC documents are uploaded to; DollarPe fetches them through expiring links."),
    FieldSpec {
        check: Some(crate::validate::base_url),
        ..field("s3_endpoint", "Bucket endpoint", FieldKind::Text, false, "For S3-compatible services (MinIO, R2, ...): their https address. Empty for Amazon S3.")
    },
    field("s3_region", "Bucket region", FieldKind::Text, false, "E.g. sa-east-1. Empty: us-east-1."),
    field("s3_prefix", "Key prefix", FieldKind::Text, false, "Folder inside the bucket, e.g. signet/kyc. Object names never contain personal data."),
    FieldSpec {
        check: Some(crate::hosting::check_link_minutes),
        ..field("s3_link_minutes", "Link lifetime (minutes)", FieldKind::Text, false, "How long DollarPe's download links work: 5 to 10080 (a week). Empty: 1440 (a day).")
    },
    FieldSpec {
        check: Some(crate::kyc_files::check_max_mb),
        ..field("max_document_mb", "Largest document (MB)", FieldKind::Text, false, "KYC files larger than this are refused before upload: 1 to 50. Empty: 10.")
    },
    field("s3_access_key_id", "Bucket access key id", FieldKind::Secret, false, "Kept in the OS keyring."),
    field("s3_secret_access_key", "Bucket secret access key", FieldKind::Secret, false, "Kept in the OS keyring."),
];

const QITECH: &[FieldSpec] = &[
    field("api_client_key", "API client key", FieldKind::Secret, true, "Sent as API-CLIENT-KEY."),
    field("private_key", "Private key (ES512, PEM)", FieldKind::PrivateKeyPem, true, "Your P-521 private key; signs every request."),
    FieldSpec {
        choices: &signet_providers::qitech::AuthScheme::CHOICES,
        ..field(
            "auth_scheme",
            "Authentication scheme",
            FieldKind::Text,
            false,
            "How requests are signed: \"payload_md5\" (an AUTHORIZATION token over the body's MD5, the default) or \"encoded_body\" (the api-auth gateway's: the body as a signed token, Authorization: QIT; needs QI Tech's public key). Ask QI Tech which your account uses.",
        )
    },
    field("public_key", "QI Tech public key (PEM)", FieldKind::PublicKeyPem, false, "QI Tech's public key, to verify the answers it signs. Required for the encoded_body scheme."),
    FieldSpec {
        check: Some(crate::validate::base_url),
        ..field(
            "public_ip_endpoint",
            "Public IP endpoint",
            FieldKind::Text,
            false,
            "Where Signet asks which public IP address an opt-in acceptance comes from (JSON {\"ip\": ...} or plain text). Empty: https://api.ipify.org.",
        )
    },
];

/// Asked for the signer's public IP when the profile names no endpoint.
pub const DEFAULT_PUBLIC_IP_ENDPOINT: &str = "https://api.ipify.org";

const SIGNZY: &[FieldSpec] = &[field("access_token", "Access token", FieldKind::Secret, true, "Sent in the Authorization header.")];

const TEAM: &[FieldSpec] = &[
    field(
        "user",
        "Database role",
        FieldKind::Text,
        true,
        "The PostgreSQL login role this desk connects as (IT makes one per operator or per desk, in signet_operator or signet_supervisor).",
    ),
    field("password", "Password", FieldKind::Secret, true, "That role's password; kept in the OS keyring."),
    FieldSpec {
        check: Some(crate::validate::certificate_pem),
        ..field(
            "ca_certificate",
            "Server CA certificate (PEM)",
            FieldKind::Lines,
            false,
            "The CA that signed the team store's certificate, if it is not a public one. TLS is required except on this computer (localhost).",
        )
    },
    field("desk_name", "This desk's name", FieldKind::Text, false, "How the team sees this desk. Empty: the computer's name."),
];

const ARCHIVE: &[FieldSpec] = &[
    field("bucket", "Bucket", FieldKind::Text, true, "An S3 bucket created with Object Lock enabled (which turns versioning on). The base URL above is its endpoint, e.g. https://s3.eu-west-1.amazonaws.com."),
    field("region", "Region", FieldKind::Text, false, "The bucket's region, e.g. eu-west-1. Empty: us-east-1."),
    field("prefix", "Prefix", FieldKind::Text, false, "A folder in the bucket for Signet's evidence, e.g. branch-north. Empty: the bucket's top."),
    FieldSpec {
        check: Some(crate::archive::check_retention_years),
        ..field("retention_years", "Retention (years)", FieldKind::Text, false, "How long nobody can delete or replace what is archived (COMPLIANCE mode). At least 5, QI Tech's minimum; empty: 5.")
    },
    field("access_key_id", "Access key id", FieldKind::Secret, true, "Of an identity that may put, read and list objects in the bucket (never delete)."),
    field("secret_access_key", "Secret access key", FieldKind::Secret, true, "Kept in the OS keyring."),
];

const LEEGALITY: &[FieldSpec] = &[
    field(
        "auth_token",
        "Auth token",
        FieldKind::Secret,
        true,
        "From Leegality's dashboard, API Settings; sent as X-Auth-Token. Sandbox and production tokens differ.",
    ),
    field(
        "profile_id",
        "Workflow (profileId)",
        FieldKind::Text,
        true,
        "The published workflow signing requests are made with: it sets the sign type, order and expiry.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fields_are_unique() {
        for p in ProviderId::ALL {
            assert_eq!(ProviderId::parse(p.as_str()), Some(p));
            let mut keys: Vec<_> = p.fields().iter().map(|f| f.key).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), p.fields().len(), "{p} has a duplicate field key");
        }
        assert_eq!(ProviderId::parse("paypal"), None);
    }

    /// The English the settings show, for the window's Portuguese to be held against.
    #[test]
    fn export_for_the_window() {
        let words = ProviderId::ALL.into_iter().flat_map(|p| {
            let name = std::iter::once((format!("catalog.{}.label", p.as_str()), p.label().to_string()));
            name.chain(p.fields().iter().flat_map(move |f| {
                [
                    (format!("catalog.{}.{}.label", p.as_str(), f.key), f.label.to_string()),
                    (format!("catalog.{}.{}.help", p.as_str(), f.key), f.help.to_string()),
                ]
            }))
        });
        crate::error_words::write_for_the_window("catalogWords", "Each provider's name and settings' labels and help, as Rust shows them.", words);
    }

    #[test]
    fn every_credential_that_authenticates_is_secret() {
        for (p, key) in [
            (ProviderId::Mykaarma, "password"),
            (ProviderId::Dollarpe, "api_key"),
            (ProviderId::Dollarpe, "api_secret"),
            (ProviderId::Qitech, "api_client_key"),
            (ProviderId::Qitech, "private_key"),
            (ProviderId::Signzy, "access_token"),
            (ProviderId::Leegality, "auth_token"),
            (ProviderId::Team, "password"),
            (ProviderId::Archive, "access_key_id"),
            (ProviderId::Archive, "secret_access_key"),
        ] {
            assert!(p.field(key).unwrap().kind.is_secret(), "{p}.{key} must live in the keyring");
        }
        assert!(!ProviderId::Qitech.field("public_key").unwrap().kind.is_secret());
    }
}
