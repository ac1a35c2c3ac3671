//! The sandbox's published demo credentials. They are not secrets: anyone running
//! the sandbox has them, and no real provider accepts them.

pub const KPAY_USERNAME: &str = "signet-sandbox";
pub const KPAY_PASSWORD: &str = "sandbox-kpay-password";
pub const DOLLARPE_API_KEY: &str = "dp_sandbox_4f2a9c";
pub const DOLLARPE_API_SECRET: &str = "dp_sandbox_secret_7b1e3d";
pub const QITECH_API_CLIENT_KEY: &str = "6a1f0c2e-5b3d-4e7f-9a8b-0c1d2e3f4a5b";
pub const SIGNZY_TOKEN: &str = "signzy-sandbox-token-2c8e4a";
pub const LEEGALITY_TOKEN: &str = "leegality-sandbox-token-91d3f7";

/// The desk's (client's) P-521 key: the sandbox verifies QI requests with its public half.
pub const QITECH_CLIENT_PRIVATE_PEM: &str = include_str!("../keys/client-private.pem");
pub const QITECH_CLIENT_PUBLIC_PEM: &str = include_str!("../keys/client-public.pem");
/// "QI's" own P-521 key: the sandbox signs QI responses with it.
pub const QITECH_SERVER_PRIVATE_PEM: &str = include_str!("../keys/qitech-private.pem");
pub const QITECH_SERVER_PUBLIC_PEM: &str = include_str!("../keys/qitech-public.pem");

#[derive(Clone, Copy, Debug)]
pub struct DemoCredentials {
    pub kpay_username: &'static str,
    pub kpay_password: &'static str,
    pub dollarpe_api_key: &'static str,
    pub dollarpe_api_secret: &'static str,
    pub qitech_api_client_key: &'static str,
    /// The client key the desk signs QI requests with.
    pub qitech_private_key_pem: &'static str,
    /// QI's public key, for verifying the sandbox's signed responses.
    pub qitech_public_key_pem: &'static str,
    pub signzy_token: &'static str,
    pub leegality_token: &'static str,
}

pub fn demo_credentials() -> DemoCredentials {
    DemoCredentials {
        kpay_username: KPAY_USERNAME,
        kpay_password: KPAY_PASSWORD,
        dollarpe_api_key: DOLLARPE_API_KEY,
        dollarpe_api_secret: DOLLARPE_API_SECRET,
        qitech_api_client_key: QITECH_API_CLIENT_KEY,
        qitech_private_key_pem: QITECH_CLIENT_PRIVATE_PEM,
        qitech_public_key_pem: QITECH_SERVER_PUBLIC_PEM,
        signzy_token: SIGNZY_TOKEN,
        leegality_token: LEEGALITY_TOKEN,
    }
}

/// A profile's access to one provider of a running Sandbox at `base_url`.
pub fn provider_access(provider: signet_core::catalog::ProviderId, base_url: &str) -> signet_core::access::ProviderAccess {
    use secrecy::SecretString;
    use signet_core::catalog::ProviderId;
    let demo = demo_credentials();
    let whoami = format!("{}/_sandbox/whoami", base_url.trim_end_matches('/'));
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    let (values, secrets): (Fields, Fields) = match provider {
        ProviderId::Mykaarma => (vec![("username", demo.kpay_username)], vec![("password", demo.kpay_password)]),
        ProviderId::Dollarpe => (vec![], vec![("api_key", demo.dollarpe_api_key), ("api_secret", demo.dollarpe_api_secret)]),
        ProviderId::Qitech => (
            vec![("public_key", demo.qitech_public_key_pem), ("public_ip_endpoint", whoami.as_str())],
            vec![("api_client_key", demo.qitech_api_client_key), ("private_key", demo.qitech_private_key_pem)],
        ),
        ProviderId::Signzy => (vec![], vec![("access_token", demo.signzy_token)]),
        ProviderId::Leegality => (vec![("profile_id", crate::demo::LEEGALITY_WORKFLOW)], vec![("auth_token", demo.leegality_token)]),
        // The Sandbox profile works alone: no team store, no evidence archive.
        ProviderId::Team | ProviderId::Archive => (vec![], vec![]),
    };
    signet_core::access::ProviderAccess {
        provider,
        base_url: base_url.trim_end_matches('/').to_string(),
        values: values.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        secrets: secrets.into_iter().map(|(k, v)| (k.to_string(), SecretString::from(v.to_string()))).collect(),
        keyring_problem: None,
    }
}
