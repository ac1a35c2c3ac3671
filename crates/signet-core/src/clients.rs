//! Provider clients built from a profile's access: the one place that knows which
//! setting feeds which client argument.

use signet_providers::canonical::JsonStyle;
use signet_providers::dollarpe::DollarPe;
use signet_providers::kpay::Kpay;
use signet_providers::leegality::Leegality;
use signet_providers::qitech::{AuthScheme, QiTech};
use signet_providers::signzy::Signzy;
use signet_providers::HttpConfig;

use crate::access::ProviderAccess;
use crate::catalog::ProviderId;
use crate::error::{CoreError, Result};

fn checked(access: &ProviderAccess, provider: ProviderId) -> Result<()> {
    if access.provider != provider {
        return Err(CoreError::invalid("provider", format!("expected {provider} settings, got {}", access.provider)));
    }
    access.check_complete()
}

pub fn kpay(access: &ProviderAccess, http: HttpConfig) -> Result<Kpay> {
    checked(access, ProviderId::Mykaarma)?;
    let username = access.value("username").unwrap_or_default();
    Ok(Kpay::new(&access.base_url, username, access.secret("password")?.clone(), http))
}

pub fn dollarpe(access: &ProviderAccess, http: HttpConfig) -> Result<DollarPe> {
    checked(access, ProviderId::Dollarpe)?;
    let style = match access.value("json_style") {
        None => JsonStyle::default(),
        Some(s) => JsonStyle::parse(s).ok_or_else(|| CoreError::invalid("dollarpe.json_style", "Choose \"python\" (the default) or \"compact\"."))?,
    };
    Ok(DollarPe::new(&access.base_url, access.secret("api_key")?.clone(), access.secret("api_secret")?.clone(), style, http))
}

pub fn qitech(access: &ProviderAccess, http: HttpConfig) -> Result<QiTech> {
    checked(access, ProviderId::Qitech)?;
    let scheme = AuthScheme::parse(access.value("auth_scheme").unwrap_or_default())
        .ok_or_else(|| CoreError::invalid("qitech.auth_scheme", "Choose \"payload_md5\" (the default) or \"encoded_body\"."))?;
    Ok(QiTech::new(&access.base_url, access.secret("api_client_key")?.clone(), access.secret("private_key")?, access.value("public_key"), scheme, http)?)
}

pub fn signzy(access: &ProviderAccess, http: HttpConfig) -> Result<Signzy> {
    checked(access, ProviderId::Signzy)?;
    Ok(Signzy::new(&access.base_url, access.secret("access_token")?.clone(), http))
}

pub fn leegality(access: &ProviderAccess, http: HttpConfig) -> Result<Leegality> {
    checked(access, ProviderId::Leegality)?;
    Ok(Leegality::new(&access.base_url, access.secret("auth_token")?.clone(), http))
}
