//! `signet profile ...` and `signet secret ...`: the desk's Settings, headless.

use std::io::{IsTerminal, Read};

use secrecy::SecretString;
use serde_json::{json, Value};
use signet_core::catalog::ProviderId;
use signet_core::settings::ProviderSettingsInput;
use signet_core::CoreError;

use crate::cli::{ProfileCmd, SecretCmd, SecretRefArgs};
use crate::context::Context;

pub fn profile(ctx: &Context, cmd: ProfileCmd) -> Result<Value, CoreError> {
    match cmd {
        ProfileCmd::List => {
            let active = ctx.with_settings(|s| s.active_profile())?;
            let list = ctx.with_settings(|s| s.profiles())?;
            Ok(Value::Array(list.into_iter().map(|p| json!({"id": p.id, "name": p.name, "builtin": p.builtin, "active": p.id == active.id})).collect()))
        }
        ProfileCmd::Create { name } => Ok(json!(ctx.with_settings(|s| s.create_profile(&name))?)),
        ProfileCmd::Use { profile } => {
            let p = ctx.find_profile(&profile)?;
            Ok(json!(ctx.with_settings(|s| s.set_active_profile(&p.id))?))
        }
        ProfileCmd::Show { profile } => {
            let p = match profile {
                Some(wanted) => ctx.find_profile(&wanted)?,
                None => ctx.profile.clone(),
            };
            Ok(json!(ctx.with_settings(|s| s.profile_detail(&p.id))?))
        }
        ProfileCmd::Configure { provider, base_url, values } => {
            let provider = parse_provider(&provider)?;
            let input = ProviderSettingsInput { base_url, values: values.into_iter().collect() };
            let id = ctx.profile.id.clone();
            Ok(json!(ctx.with_settings(|s| s.save_provider_settings(&id, provider, &input))?))
        }
        ProfileCmd::Test { .. } => unreachable!("asynchronous: main runs it through ops::test_connection"),
    }
}

pub fn secret(ctx: &Context, cmd: SecretCmd) -> Result<Value, CoreError> {
    let id = ctx.profile.id.clone();
    match cmd {
        SecretCmd::Set(args) => {
            let provider = provider(&args)?;
            let value = read_secret(&args)?;
            ctx.with_settings(|s| s.set_secret(&id, provider, &args.field, &value))?;
            Ok(json!({"profile": ctx.profile.name, "provider": provider.as_str(), "field": args.field, "set": true}))
        }
        SecretCmd::Delete(args) => {
            let provider = provider(&args)?;
            ctx.with_settings(|s| s.delete_secret(&id, provider, &args.field))?;
            Ok(json!({"profile": ctx.profile.name, "provider": provider.as_str(), "field": args.field, "set": false}))
        }
        SecretCmd::Status => {
            let detail = ctx.with_settings(|s| s.profile_detail(&id))?;
            let mut rows = Vec::new();
            for view in detail.providers {
                for f in view.fields.into_iter().filter(|f| f.kind.is_secret()) {
                    rows.push(json!({"provider": view.provider.as_str(), "field": f.key, "set": f.is_set}));
                }
            }
            Ok(Value::Array(rows))
        }
    }
}

fn provider(args: &SecretRefArgs) -> Result<ProviderId, CoreError> {
    parse_provider(&args.provider)
}

fn parse_provider(name: &str) -> Result<ProviderId, CoreError> {
    ProviderId::parse(name).ok_or_else(|| CoreError::invalid("provider", "Use one of: mykaarma, dollarpe, qitech, signzy."))
}

/// From a terminal: typed without echo. Otherwise: all of standard input (PEM keys).
fn read_secret(args: &SecretRefArgs) -> Result<SecretString, CoreError> {
    let io = |source| CoreError::Io { context: "cannot read the secret from standard input".into(), source };
    if std::io::stdin().is_terminal() {
        let prompt = format!("{} {} (input hidden): ", args.provider, args.field);
        return rpassword::prompt_password(prompt).map(SecretString::from).map_err(io);
    }
    let mut value = String::new();
    std::io::stdin().read_to_string(&mut value).map_err(io)?;
    Ok(SecretString::from(value))
}
