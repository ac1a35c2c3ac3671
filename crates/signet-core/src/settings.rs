//! Profiles and their provider settings: the one place the desk and the command
//! line change them. Non-secret values go to the database, secrets to the keyring.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::{FieldKind, ProviderId};
use crate::error::{CoreError, Result};
use crate::secrets::{SecretRef, SecretStore};
use crate::store::Store;
use crate::validate;

/// The built-in profile that talks to the local Sandbox and needs no credentials.
pub const SANDBOX_PROFILE_ID: &str = "sandbox";
pub const SANDBOX_PROFILE_NAME: &str = "Sandbox";
const ACTIVE_PROFILE_KEY: &str = "active_profile";
pub const BASE_URL_FIELD: &str = "base_url";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProfileSummary {
    pub id: String,
    pub name: String,
    /// The Sandbox profile: built in and read-only.
    pub builtin: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProfileDetail {
    pub profile: ProfileSummary,
    pub providers: Vec<ProviderView>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProviderView {
    pub provider: ProviderId,
    pub label: String,
    pub base_url: Option<String>,
    pub base_url_hint: String,
    pub fields: Vec<FieldView>,
    /// A base URL and every required field are there (secrets: known to be set).
    pub configured: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// Kept in the OS keyring, so only `is_set` is ever shown.
    pub secret: bool,
    pub required: bool,
    pub help: String,
    /// Allowed values of a plain field (shown as a list); empty for free text.
    pub choices: Vec<String>,
    /// The stored value of a non-secret field; always null for a secret.
    pub value: Option<String>,
    /// For a secret: whether the keyring holds one. Null when the keyring cannot be
    /// asked (locked or missing) and for non-secret fields.
    pub is_set: Option<bool>,
}

/// What the settings form sends for one provider: the base URL and the non-secret fields.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProviderSettingsInput {
    pub base_url: String,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// The desk-wide setting for desktop notifications.
const NOTIFICATIONS: &str = "notifications";

/// Desktop notifications are on unless the operator turned them off.
pub fn notifications_enabled(store: &Store) -> Result<bool> {
    Ok(store.app_setting(NOTIFICATIONS)?.as_deref() != Some("off"))
}

pub fn set_notifications(store: &Store, on: bool) -> Result<()> {
    store.set_app_setting(NOTIFICATIONS, if on { "on" } else { "off" })
}

/// The languages the desk is written in; the first is the fallback.
pub const LANGUAGES: [&str; 2] = ["en", "pt-BR"];
/// The choice (the default) that follows the computer's language.
pub const SYSTEM_LANGUAGE: &str = "system";
const LANGUAGE: &str = "language";

/// What the operator chose in Settings: a language, or "system" (the default).
pub fn language_choice(store: &Store) -> Result<String> {
    let known = |l: &String| l == SYSTEM_LANGUAGE || LANGUAGES.contains(&l.as_str());
    Ok(store.app_setting(LANGUAGE)?.filter(known).unwrap_or_else(|| SYSTEM_LANGUAGE.to_string()))
}

/// The language the desk is shown in: the one chosen, else the computer's.
pub fn language(store: &Store) -> Result<String> {
    let choice = language_choice(store)?;
    Ok(if choice == SYSTEM_LANGUAGE { system_language().to_string() } else { choice })
}

/// The computer's language as the desk has it: the first of LC_ALL, LC_MESSAGES and
/// LANG that is set (the POSIX order for messages), English when it is not one of ours.
pub fn system_language() -> &'static str {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().filter_map(|v| std::env::var(v).ok()).find(|v| !v.is_empty()).unwrap_or_default();
    language_of_locale(&locale)
}

/// `pt_BR.UTF-8` -> pt-BR. Any Portuguese gets pt-BR, the only Portuguese we have.
pub fn language_of_locale(locale: &str) -> &'static str {
    let lang = locale.split(['_', '-', '.', '@']).next().unwrap_or_default();
    if lang.eq_ignore_ascii_case("pt") {
        "pt-BR"
    } else {
        LANGUAGES[0]
    }
}

/// Keeps the operator's choice ("system" or a language); answers the language the
/// desk is now shown in.
pub fn set_language(store: &Store, raw: &str) -> Result<String> {
    let choice = std::iter::once(&SYSTEM_LANGUAGE).chain(LANGUAGES.iter()).find(|l| l.eq_ignore_ascii_case(raw.trim())).ok_or_else(|| {
        CoreError::invalid_as(
            "language",
            crate::error_words::LANGUAGE,
            &[("value", raw.to_string()), ("choices", format!("{SYSTEM_LANGUAGE}, {}", LANGUAGES.join(" or ")))],
        )
    })?;
    store.set_app_setting(LANGUAGE, choice)?;
    language(store)
}

/// The desk-wide address the desk asks for signed updates (none: it does not ask).
const UPDATE_ADDRESS: &str = "update_address";

pub fn update_address(store: &Store) -> Result<Option<String>> {
    Ok(store.app_setting(UPDATE_ADDRESS)?.filter(|a| !a.is_empty()))
}

/// Sets (or, when blank, clears) where updates are offered: https only, except that
/// a test build (`loopback_http`) may use http on this machine (the updater refuses
/// plain http in release builds). `{{target}}`, `{{arch}}` and `{{current_version}}`
/// in it are filled in when the desk asks.
pub fn set_update_address(store: &Store, raw: &str, loopback_http: bool) -> Result<Option<String>> {
    if raw.trim().is_empty() {
        store.set_app_setting(UPDATE_ADDRESS, "")?;
        return Ok(None);
    }
    let address = crate::validate::base_url("update_address", raw)?;
    if !loopback_http && !address.starts_with("https://") {
        return Err(CoreError::invalid_as("update_address", crate::error_words::UPDATE_HTTPS, &[]));
    }
    store.set_app_setting(UPDATE_ADDRESS, &address)?;
    Ok(Some(address))
}

pub struct Settings<'a> {
    store: &'a mut Store,
    secrets: &'a dyn SecretStore,
}

impl<'a> Settings<'a> {
    pub fn new(store: &'a mut Store, secrets: &'a dyn SecretStore) -> Self {
        Settings { store, secrets }
    }

    pub fn profiles(&self) -> Result<Vec<ProfileSummary>> {
        let mut all = vec![sandbox_summary()];
        all.extend(self.store.profiles()?.into_iter().map(|p| ProfileSummary { id: p.id, name: p.name, builtin: false }));
        Ok(all)
    }

    pub fn profile(&self, id: &str) -> Result<ProfileSummary> {
        if id == SANDBOX_PROFILE_ID {
            return Ok(sandbox_summary());
        }
        let p = self.store.profile(id)?.ok_or_else(|| CoreError::not_found(format!("Profile {id}")))?;
        Ok(ProfileSummary { id: p.id, name: p.name, builtin: false })
    }

    /// The profile every operation uses; the Sandbox until the operator picks another.
    pub fn active_profile(&self) -> Result<ProfileSummary> {
        match self.store.app_setting(ACTIVE_PROFILE_KEY)? {
            Some(id) => match self.profile(&id) {
                Ok(p) => Ok(p),
                Err(CoreError::NotFound { .. }) => Ok(sandbox_summary()),
                Err(e) => Err(e),
            },
            None => Ok(sandbox_summary()),
        }
    }

    pub fn set_active_profile(&mut self, id: &str) -> Result<ProfileSummary> {
        let p = self.profile(id)?;
        self.store.set_app_setting(ACTIVE_PROFILE_KEY, &p.id)?;
        tracing::info!(profile = %p.id, "active profile changed");
        Ok(p)
    }

    pub fn create_profile(&mut self, name: &str) -> Result<ProfileSummary> {
        let name = self.usable_name(name)?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("UTC timestamps always format");
        self.store.insert_profile(&id, &name, &now)?;
        tracing::info!(profile = %id, "profile created");
        Ok(ProfileSummary { id, name, builtin: false })
    }

    pub fn rename_profile(&mut self, id: &str, name: &str) -> Result<ProfileSummary> {
        self.writable(id)?;
        let name = self.usable_name(name)?;
        self.store.rename_profile(id, &name)?;
        Ok(ProfileSummary { id: id.to_string(), name, builtin: false })
    }

    /// Deletes the profile's secrets from the keyring first, so none is orphaned
    /// there; a locked keyring therefore stops the deletion before anything changes.
    pub fn delete_profile(&mut self, id: &str) -> Result<()> {
        self.writable(id)?;
        for provider in ProviderId::ALL {
            for field in provider.fields().iter().filter(|f| f.kind.is_secret()) {
                self.secrets.delete(&SecretRef::new(id, provider, field.key))?;
            }
        }
        self.store.delete_profile(id)?;
        if self.store.app_setting(ACTIVE_PROFILE_KEY)?.as_deref() == Some(id) {
            self.store.set_app_setting(ACTIVE_PROFILE_KEY, SANDBOX_PROFILE_ID)?;
        }
        tracing::info!(profile = %id, "profile deleted with its keyring entries");
        Ok(())
    }

    pub fn profile_detail(&self, id: &str) -> Result<ProfileDetail> {
        let profile = self.profile(id)?;
        // Ask the keyring once: if it is locked, show "unknown" rather than a prompt per field.
        let keyring_ok = !profile.builtin && self.secrets.check().is_ok();
        let mut providers = Vec::new();
        for provider in ProviderId::ALL {
            let stored = if profile.builtin { BTreeMap::new() } else { self.store.provider_settings(id, provider)? };
            let mut fields = Vec::new();
            for spec in provider.fields() {
                // A keyring that fails mid-way leaves the field "unknown" rather than
                // taking the whole page down; the status bar says what is wrong.
                let is_set = if spec.kind.is_secret() && keyring_ok { self.secrets.is_set(&SecretRef::new(id, provider, spec.key)).ok() } else { None };
                fields.push(FieldView {
                    key: spec.key.into(),
                    label: spec.label.into(),
                    kind: spec.kind,
                    secret: spec.kind.is_secret(),
                    required: spec.required,
                    help: spec.help.into(),
                    choices: spec.choices.iter().map(|c| c.to_string()).collect(),
                    value: if spec.kind.is_secret() { None } else { stored.get(spec.key).cloned() },
                    is_set,
                });
            }
            let configured = stored.contains_key(BASE_URL_FIELD)
                && fields.iter().filter(|f| f.required).all(|f| if f.secret { f.is_set == Some(true) } else { f.value.is_some() });
            providers.push(ProviderView {
                provider,
                label: provider.label().into(),
                base_url: stored.get(BASE_URL_FIELD).cloned(),
                base_url_hint: provider.base_url_hint().into(),
                fields,
                configured,
            });
        }
        Ok(ProfileDetail { profile, providers })
    }

    /// Saves a provider's base URL and non-secret fields. An empty base URL clears
    /// the provider from the profile; any other must be https (or loopback http).
    pub fn save_provider_settings(&mut self, profile_id: &str, provider: ProviderId, input: &ProviderSettingsInput) -> Result<ProviderView> {
        self.writable(profile_id)?;
        let mut values = BTreeMap::new();
        if !input.base_url.trim().is_empty() {
            let field = format!("{}.base_url", provider.as_str());
            values.insert(BASE_URL_FIELD.to_string(), provider.check_base_url(&field, &input.base_url)?);
        }
        for (key, raw) in &input.values {
            let field = format!("{}.{key}", provider.as_str());
            let spec = provider.field(key).ok_or_else(|| CoreError::invalid(&field, format!("{provider} has no setting called \"{key}\".")))?;
            let value = match spec.kind {
                FieldKind::Secret | FieldKind::PrivateKeyPem => {
                    return Err(CoreError::invalid_as(&field, crate::error_words::SETTING_IS_SECRET, &[("what", spec.label.to_string())]))
                }
                _ if raw.trim().is_empty() => String::new(),
                FieldKind::Text if !spec.choices.is_empty() && !spec.choices.contains(&raw.trim()) => {
                    return Err(CoreError::invalid_as(&field, crate::error_words::SETTING_CHOICES, &[("choices", spec.choices.join(", "))]))
                }
                _ if spec.check.is_some() => (spec.check.expect("checked"))(&field, raw)?,
                FieldKind::Text | FieldKind::Lines => raw.trim().to_string(),
                FieldKind::PublicKeyPem => validate::p521_public_key_pem(&field, raw)?,
            };
            values.insert(key.clone(), value);
        }
        self.store.replace_provider_settings(profile_id, provider, &values)?;
        tracing::info!(profile = %profile_id, provider = provider.as_str(), "provider settings saved");
        let detail = self.profile_detail(profile_id)?;
        Ok(detail.providers.into_iter().find(|p| p.provider == provider).expect("every provider is listed"))
    }

    /// Stores a secret in the keyring, replacing any earlier one. Never logged.
    pub fn set_secret(&mut self, profile_id: &str, provider: ProviderId, key: &str, value: &SecretString) -> Result<()> {
        use secrecy::ExposeSecret;
        let at = self.secret_ref(profile_id, provider, key)?;
        let field = format!("{}.{key}", provider.as_str());
        let spec = provider.field(key).expect("checked by secret_ref");
        let clean = match spec.kind {
            FieldKind::PrivateKeyPem => validate::p521_private_key_pem(&field, value.expose_secret())?,
            _ => validate::one_line_secret(&field, value.expose_secret())?,
        };
        self.secrets.set(&at, &SecretString::from(clean)).map_err(|e| CoreError::KeyringRefused(e, "Nothing was saved."))?;
        tracing::info!(profile = %profile_id, provider = provider.as_str(), field = key, "secret stored in the OS keyring");
        Ok(())
    }

    /// Removes a secret from the keyring; removing one that is not set is not an error.
    pub fn delete_secret(&mut self, profile_id: &str, provider: ProviderId, key: &str) -> Result<()> {
        let at = self.secret_ref(profile_id, provider, key)?;
        let existed = self.secrets.delete(&at).map_err(|e| CoreError::KeyringRefused(e, "Nothing was deleted."))?;
        tracing::info!(profile = %profile_id, provider = provider.as_str(), field = key, existed, "secret deleted from the OS keyring");
        Ok(())
    }

    pub(crate) fn stored_provider_settings(&self, profile_id: &str, provider: ProviderId) -> Result<BTreeMap<String, String>> {
        self.store.provider_settings(profile_id, provider)
    }

    pub(crate) fn secret_store(&self) -> &dyn SecretStore {
        self.secrets
    }

    fn secret_ref(&self, profile_id: &str, provider: ProviderId, key: &str) -> Result<SecretRef> {
        self.writable(profile_id)?;
        let field = format!("{}.{key}", provider.as_str());
        match provider.field(key) {
            Some(spec) if spec.kind.is_secret() => Ok(SecretRef::new(profile_id, provider, key)),
            Some(spec) => Err(CoreError::invalid(field, format!("{} is not a secret; save it with the provider's other settings.", spec.label))),
            None => Err(CoreError::invalid(field, format!("{provider} has no secret called \"{key}\"."))),
        }
    }

    fn writable(&self, id: &str) -> Result<()> {
        if id == SANDBOX_PROFILE_ID {
            return Err(CoreError::ReadOnly("The Sandbox profile is built in and cannot be changed. Create a profile of your own for real providers.".into()));
        }
        self.profile(id).map(|_| ())
    }

    fn usable_name(&self, raw: &str) -> Result<String> {
        let name = validate::profile_name(raw)?;
        if name.eq_ignore_ascii_case(SANDBOX_PROFILE_NAME) {
            return Err(CoreError::invalid_as("name", crate::error_words::SANDBOX_NAME, &[]));
        }
        Ok(name)
    }
}

fn sandbox_summary() -> ProfileSummary {
    ProfileSummary { id: SANDBOX_PROFILE_ID.into(), name: SANDBOX_PROFILE_NAME.into(), builtin: true }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::secrets::memory::MemorySecrets;
    use crate::secrets::KeyringError;

    fn fixture() -> (tempfile::TempDir, Store, MemorySecrets) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        (dir, store, MemorySecrets::default())
    }

    #[test]
    fn the_desk_follows_the_computers_language_until_one_is_chosen() {
        for (locale, language) in
            [("pt_BR.UTF-8", "pt-BR"), ("pt_PT", "pt-BR"), ("pt", "pt-BR"), ("en_US.UTF-8", "en"), ("C.UTF-8", "en"), ("", "en"), ("de_DE@euro", "en")]
        {
            assert_eq!(language_of_locale(locale), language, "{locale}");
        }
        let (_dir, store, _) = fixture();
        assert_eq!(language_choice(&store).unwrap(), "system");
        assert_eq!(language(&store).unwrap(), system_language());
        assert_eq!(set_language(&store, "PT-br").unwrap(), "pt-BR");
        assert_eq!((language_choice(&store).unwrap(), language(&store).unwrap()), ("pt-BR".into(), "pt-BR".into()));
        assert_eq!(set_language(&store, "system").unwrap(), system_language());
        assert_eq!(language_choice(&store).unwrap(), "system");
        let e = set_language(&store, "fr").unwrap_err().body();
        assert_eq!((e.field.as_deref(), e.id.as_deref()), (Some("language"), Some("settings.language")));
    }

    fn invalid_field(e: CoreError) -> String {
        match e {
            CoreError::Invalid { field, .. } => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn sandbox_is_built_in_active_by_default_and_read_only() {
        let (_d, mut store, secrets) = fixture();
        let mut s = Settings::new(&mut store, &secrets);
        let all = s.profiles().unwrap();
        assert_eq!(all, vec![ProfileSummary { id: "sandbox".into(), name: "Sandbox".into(), builtin: true }]);
        assert_eq!(s.active_profile().unwrap().id, "sandbox");
        let e = s.set_secret("sandbox", ProviderId::Signzy, "access_token", &"t".to_string().into()).unwrap_err();
        assert_eq!(e.code(), "read_only");
        assert_eq!(s.delete_profile("sandbox").unwrap_err().code(), "read_only");
        assert_eq!(invalid_field(s.create_profile("sandbox").unwrap_err()), "name");
    }

    #[test]
    fn profiles_are_created_renamed_activated_and_survive_reopening() {
        let (dir, mut store, secrets) = fixture();
        let mut s = Settings::new(&mut store, &secrets);
        let prod = s.create_profile(" Production ").unwrap();
        assert_eq!(prod.name, "Production");
        s.create_profile("Staging").unwrap();
        assert_eq!(invalid_field(s.create_profile("production").unwrap_err()), "name");
        s.rename_profile(&prod.id, "Prod (BR)").unwrap();
        s.set_active_profile(&prod.id).unwrap();
        drop(store);

        let mut store = Store::open_in(dir.path()).unwrap();
        let s = Settings::new(&mut store, &secrets);
        let names: Vec<_> = s.profiles().unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Sandbox", "Prod (BR)", "Staging"]);
        assert_eq!(s.active_profile().unwrap().name, "Prod (BR)");
        assert_eq!(s.profile("nope").unwrap_err().code(), "not_found");
    }

    #[test]
    fn provider_settings_are_validated_and_kept_apart_from_secrets() {
        let (_d, mut store, secrets) = fixture();
        let mut s = Settings::new(&mut store, &secrets);
        let p = s.create_profile("Production").unwrap();

        let bad = ProviderSettingsInput { base_url: "http://api.example.com".into(), values: Default::default() };
        assert_eq!(invalid_field(s.save_provider_settings(&p.id, ProviderId::Dollarpe, &bad).unwrap_err()), "dollarpe.base_url");

        let secret_in_form =
            ProviderSettingsInput { base_url: "https://api.example.com".into(), values: [("password".to_string(), "hunter2".to_string())].into() };
        let e = s.save_provider_settings(&p.id, ProviderId::Mykaarma, &secret_in_form).unwrap_err();
        assert_eq!(invalid_field(e), "mykaarma.password");

        let good = ProviderSettingsInput { base_url: "https://api.example.com/".into(), values: [("username".to_string(), " desk-user ".to_string())].into() };
        let view = s.save_provider_settings(&p.id, ProviderId::Mykaarma, &good).unwrap();
        assert_eq!(view.base_url.as_deref(), Some("https://api.example.com"));
        let user = view.fields.iter().find(|f| f.key == "username").unwrap();
        assert_eq!(user.value.as_deref(), Some("desk-user"));
        let pw = view.fields.iter().find(|f| f.key == "password").unwrap();
        assert_eq!((pw.value.as_deref(), pw.is_set, pw.secret), (None, Some(false), true));
        assert!(!view.configured, "the password is still missing");
        s.set_secret(&p.id, ProviderId::Mykaarma, "password", &"pw".to_string().into()).unwrap();
        let detail = s.profile_detail(&p.id).unwrap();
        assert!(detail.providers.iter().find(|v| v.provider == ProviderId::Mykaarma).unwrap().configured);
    }

    #[test]
    fn secrets_go_to_the_keyring_only_and_are_reported_as_set() {
        let (dir, mut store, secrets) = fixture();
        let mut s = Settings::new(&mut store, &secrets);
        let p = s.create_profile("Production").unwrap();
        let marker = "dp-secret-MARKER-4417";
        s.set_secret(&p.id, ProviderId::Dollarpe, "api_secret", &format!("  {marker}\n").into()).unwrap();

        let at = SecretRef::new(&p.id, ProviderId::Dollarpe, "api_secret");
        assert_eq!(secrets.get(&at).unwrap().unwrap().expose_secret(), marker);
        let detail = s.profile_detail(&p.id).unwrap();
        let dp = detail.providers.iter().find(|v| v.provider == ProviderId::Dollarpe).unwrap();
        let field = dp.fields.iter().find(|f| f.key == "api_secret").unwrap();
        assert_eq!((field.is_set, field.value.as_deref()), (Some(true), None));
        assert!(!serde_json::to_string(&detail).unwrap().contains(marker));

        // Nothing of the secret reaches the database file or its write-ahead log.
        drop(store);
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()));
        }
    }

    #[test]
    fn secrets_are_checked_by_kind() {
        let (_d, mut store, secrets) = fixture();
        let mut s = Settings::new(&mut store, &secrets);
        let p = s.create_profile("Production").unwrap();
        let e = s.set_secret(&p.id, ProviderId::Qitech, "private_key", &"not a key".to_string().into()).unwrap_err();
        assert_eq!(invalid_field(e), "qitech.private_key");
        let pem = include_str!("../tests/fixtures/p521-private.pem").to_string();
        s.set_secret(&p.id, ProviderId::Qitech, "private_key", &pem.into()).unwrap();
        let e = s.set_secret(&p.id, ProviderId::Mykaarma, "username", &"u".to_string().into()).unwrap_err();
        assert_eq!(invalid_field(e), "mykaarma.username");
        let e = s.set_secret(&p.id, ProviderId::Signzy, "nope", &"u".to_string().into()).unwrap_err();
        assert_eq!(invalid_field(e), "signzy.nope");
    }

    #[test]
    fn a_locked_keyring_refuses_and_changes_nothing() {
        let (_d, mut store, secrets) = fixture();
        let mut s = Settings::new(&mut store, &secrets);
        let p = s.create_profile("Production").unwrap();
        s.set_secret(&p.id, ProviderId::Signzy, "access_token", &"tok".to_string().into()).unwrap();
        secrets.fail_with(Some(KeyringError::Locked));

        let e = s.set_secret(&p.id, ProviderId::Signzy, "access_token", &"new".to_string().into()).unwrap_err();
        assert_eq!(e.code(), "keyring_locked");
        assert!(e.to_string().contains("Unlock") && e.to_string().ends_with("Nothing was saved."), "{e}");
        assert!(!s.secrets.status().message.contains("Nothing was"), "a status is not a refusal");
        let detail = s.profile_detail(&p.id).unwrap();
        assert!(detail.providers.iter().flat_map(|v| &v.fields).all(|f| f.is_set.is_none()));
        assert_eq!(s.delete_profile(&p.id).unwrap_err().code(), "keyring_locked");
        assert!(s.profile(&p.id).is_ok(), "the profile must survive a refused delete");

        secrets.fail_with(None);
        let at = SecretRef::new(&p.id, ProviderId::Signzy, "access_token");
        assert_eq!(secrets.get(&at).unwrap().unwrap().expose_secret(), "tok");
    }

    #[test]
    fn deleting_a_profile_removes_its_keyring_entries_and_falls_back_to_sandbox() {
        let (_d, mut store, secrets) = fixture();
        let mut s = Settings::new(&mut store, &secrets);
        let p = s.create_profile("Production").unwrap();
        let keep = s.create_profile("Staging").unwrap();
        s.set_secret(&p.id, ProviderId::Dollarpe, "api_key", &"k".to_string().into()).unwrap();
        s.set_secret(&keep.id, ProviderId::Dollarpe, "api_key", &"k2".to_string().into()).unwrap();
        s.set_active_profile(&p.id).unwrap();
        s.delete_profile(&p.id).unwrap();
        assert_eq!(secrets.accounts(), vec![format!("profile/{}/dollarpe/api_key", keep.id)]);
        assert_eq!(s.active_profile().unwrap().id, "sandbox");
    }
}
