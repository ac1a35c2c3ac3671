//! Provider clients built from a profile's access: the one place that knows which
//! setting feeds which client argument.

use signet_providers::canonical::JsonStyle;
use signet_providers::dollarpe::DollarPe;
use signet_providers::kpay::Kpay;
use signet_providers::qitech::QiTech;
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
        Some(s) => JsonStyle::parse(s)
            .ok_or_else(|| CoreError::invalid("dollarpe.json_style", "Choose \"python\" (the default) or \"compact\"."))?,
    };
    Ok(DollarPe::new(&access.base_url, access.secret("api_key")?.clone(), access.secret("api_secret")?.clone(), style, http))
}

pub fn qitech(access: &ProviderAccess, http: HttpConfig) -> Result<QiTech> {
    checked(access, ProviderId::Qitech)?;
    Ok(QiTech::new(
        &access.base_url,
        access.secret("api_client_key")?.clone(),
        access.secret("private_key")?,
        access.value("public_key"),
        http,
    )?)
}

pub fn signzy(access: &ProviderAccess, http: HttpConfig) -> Result<Signzy> {
    checked(access, ProviderId::Signzy)?;
    Ok(Signzy::new(&access.base_url, access.secret("access_token")?.clone(), http))
}
