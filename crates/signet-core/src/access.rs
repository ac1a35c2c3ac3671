//! What a client needs to reach one provider for one profile: the base URL, the
//! plain settings and the secrets, gathered from the database and the keyring (or,
//! for the Sandbox profile, handed in by whoever runs the Sandbox). Missing pieces
//! are named so the operator knows what to fill in.

use std::collections::BTreeMap;

use secrecy::SecretString;

use crate::catalog::{FieldKind, ProviderId};
use crate::error::{CoreError, Result};
use crate::secrets::SecretRef;
use crate::settings::{Settings, SANDBOX_PROFILE_ID};

#[derive(Clone)]
pub struct ProviderAccess {
    pub provider: ProviderId,
    pub base_url: String,
    pub values: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, SecretString>,
    /// Why the keyring could not be read, if it could not; the environment may
    /// still supply the secrets (CI has no keyring).
    pub keyring_problem: Option<String>,
}

impl std::fmt::Debug for ProviderAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secret names only; SecretString would redact anyway, this keeps logs short.
        f.debug_struct("ProviderAccess")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("values", &self.values)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ProviderAccess {
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn secret(&self, key: &str) -> Result<&SecretString> {
        self.secrets.get(key).ok_or_else(|| self.missing(key))
    }

    /// Fills gaps from environment variables: `SIGNET_<PROVIDER>_BASE_URL` and
    /// `SIGNET_<PROVIDER>_<FIELD>` (e.g. `SIGNET_DOLLARPE_API_SECRET`), for CI use.
    /// Values already set in the profile win over the environment.
    pub fn fill_from_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        let prefix = format!("SIGNET_{}_", self.provider.as_str().to_ascii_uppercase());
        if self.base_url.is_empty() {
            if let Some(v) = env(&format!("{prefix}BASE_URL")) {
                self.base_url = v;
            }
        }
        for spec in self.provider.fields() {
            let Some(v) = env(&format!("{prefix}{}", spec.key.to_ascii_uppercase())) else { continue };
            if spec.kind.is_secret() {
                self.secrets.entry(spec.key.to_string()).or_insert_with(|| SecretString::from(v));
            } else {
                self.values.entry(spec.key.to_string()).or_insert(v);
            }
        }
    }

    /// Checks that the base URL is usable and every required field is present.
    pub fn check_complete(&self) -> Result<()> {
        let field = format!("{}.base_url", self.provider.as_str());
        self.provider.check_base_url(&field, &self.base_url).map_err(|_| {
            CoreError::invalid(
                &field,
                format!("{} has no usable address in this profile: set it in Settings ({}).", self.provider, self.provider.base_url_hint()),
            )
        })?;
        for spec in self.provider.fields().iter().filter(|f| f.required) {
            let present = if spec.kind.is_secret() { self.secrets.contains_key(spec.key) } else { self.values.contains_key(spec.key) };
            if !present {
                return Err(self.missing(spec.key));
            }
        }
        Ok(())
    }
}

impl ProviderAccess {
    fn missing(&self, key: &str) -> CoreError {
        let provider = self.provider;
        let label = provider.field(key).map(|f| f.label).unwrap_or(key);
        let env = format!("SIGNET_{}_{}", provider.as_str().to_ascii_uppercase(), key.to_ascii_uppercase());
        let mut message = format!("{provider}: the {label} is not set for this profile. Set it in Settings, with `signet secret set`, or in {env}.");
        if let Some(problem) = &self.keyring_problem {
            message.push_str(&format!(" (The OS keyring could not be read: {problem})"));
        }
        CoreError::invalid(format!("{}.{key}", provider.as_str()), message)
    }
}

impl Settings<'_> {
    /// Reads one provider's access for a user profile. The Sandbox profile has no
    /// stored access: its runner supplies it.
    pub fn provider_access(&self, profile_id: &str, provider: ProviderId) -> Result<ProviderAccess> {
        if profile_id == SANDBOX_PROFILE_ID {
            return Err(CoreError::ReadOnly("The Sandbox profile's access comes from the running Sandbox, not from settings.".into()));
        }
        self.profile(profile_id)?;
        let mut values = self.stored_provider_settings(profile_id, provider)?;
        let base_url = values.remove("base_url").unwrap_or_default();
        let mut secrets = BTreeMap::new();
        let keyring_problem = self.secret_store().check().err().map(|e| e.to_string());
        if keyring_problem.is_none() {
            for spec in provider.fields() {
                if matches!(spec.kind, FieldKind::Secret | FieldKind::PrivateKeyPem) {
                    if let Some(v) = self.secret_store().get(&SecretRef::new(profile_id, provider, spec.key))? {
                        secrets.insert(spec.key.to_string(), v);
                    }
                }
            }
        }
        Ok(ProviderAccess { provider, base_url, values, secrets, keyring_problem })
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::secrets::memory::MemorySecrets;
    use crate::settings::ProviderSettingsInput;
    use crate::store::Store;

    #[test]
    fn access_comes_from_the_database_and_the_keyring_and_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let secrets = MemorySecrets::default();
        let mut s = Settings::new(&mut store, &secrets);
        let p = s.create_profile("Production").unwrap();
        let input = ProviderSettingsInput { base_url: "https://dp.example.com".into(), values: [("json_style".to_string(), "compact".to_string())].into() };
        s.save_provider_settings(&p.id, ProviderId::Dollarpe, &input).unwrap();
        s.set_secret(&p.id, ProviderId::Dollarpe, "api_key", &"ak".to_string().into()).unwrap();

        let access = s.provider_access(&p.id, ProviderId::Dollarpe).unwrap();
        assert_eq!(access.base_url, "https://dp.example.com");
        assert_eq!(access.value("json_style"), Some("compact"));
        let e = access.check_complete().unwrap_err();
        assert_eq!(e.body().field.as_deref(), Some("dollarpe.api_secret"));
        assert!(!format!("{access:?}").contains("ak\""), "Debug must not show secret values");

        let mut from_env = access.clone();
        from_env.fill_from_env(|k| (k == "SIGNET_DOLLARPE_API_SECRET").then(|| "env-secret".to_string()));
        from_env.check_complete().unwrap();
        assert_eq!(from_env.secret("api_secret").unwrap().expose_secret(), "env-secret");

        let bad = ProviderSettingsInput { base_url: String::new(), values: [("json_style".to_string(), "yaml".to_string())].into() };
        assert_eq!(s.save_provider_settings(&p.id, ProviderId::Dollarpe, &bad).unwrap_err().body().field.as_deref(), Some("dollarpe.json_style"));
        assert_eq!(s.provider_access("sandbox", ProviderId::Dollarpe).unwrap_err().code(), "read_only");

        // Without a keyring, the environment can still supply the secrets, and a gap says why.
        secrets.fail_with(Some(crate::secrets::KeyringError::Locked));
        let locked = s.provider_access(&p.id, ProviderId::Dollarpe).unwrap();
        let msg = locked.check_complete().unwrap_err().to_string();
        assert!(msg.contains("SIGNET_DOLLARPE_API_KEY") && msg.contains("keyring could not be read"), "{msg}");
    }
}
