//! Reaching the team store: TLS always (verified against the public roots or the CA
//! the profile names), except to a server on this machine's loopback, which may be
//! plain. The password comes from the OS keyring.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::DeskIdentity;
use crate::access::ProviderAccess;
use crate::error::{CoreError, Result};

/// How long a connection attempt may take before the store counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct TeamConfig {
    host: String,
    port: u16,
    database: String,
    user: String,
    password: SecretString,
    ca_pem: Option<String>,
}

impl TeamConfig {
    pub fn from_access(access: &ProviderAccess) -> Result<TeamConfig> {
        access.check_complete()?;
        TeamConfig::new(&access.base_url, access.value("user").unwrap_or_default(), access.secret("password")?.clone(), access.value("ca_certificate"))
    }

    /// From an address (which may name the user, as IT's admin address does), a
    /// password and the CA of the server's certificate.
    pub fn new(address: &str, user: &str, password: SecretString, ca_pem: Option<&str>) -> Result<TeamConfig> {
        let url = url::Url::parse(address).map_err(|e| CoreError::invalid("team.base_url", format!("The team store's address is not a URL ({e}).")))?;
        let user = if user.is_empty() { url.username().to_string() } else { user.to_string() };
        if user.is_empty() {
            return Err(CoreError::invalid("team.user", "Give the database role to connect as."));
        }
        Ok(TeamConfig {
            host: url.host_str().unwrap_or_default().trim_matches(|c| c == '[' || c == ']').to_string(),
            port: url.port().unwrap_or(5432),
            database: url.path().trim_start_matches('/').to_string(),
            user,
            password,
            ca_pem: ca_pem.map(str::to_string).filter(|p| !p.trim().is_empty()),
        })
    }

    fn loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// A connection, its background task spawned on the current runtime.
    pub async fn connect(&self) -> Result<tokio_postgres::Client> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .dbname(&self.database)
            .user(&self.user)
            .password(self.password.expose_secret())
            .application_name("signet")
            .connect_timeout(CONNECT_TIMEOUT);
        let unreachable = |e: tokio_postgres::Error| super::db_error(&format!("the team store at {}:{} could not be reached", self.host, self.port), e);
        let plain = self.loopback() && self.ca_pem.is_none();
        let attempt = async {
            if plain {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(unreachable)?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::warn!("the team store connection ended: {e}");
                    }
                });
                Ok(client)
            } else {
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls()?);
                let (client, connection) = config.connect(tls).await.map_err(|e| tls_or_unreachable(e, &self.host))?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::warn!("the team store connection ended: {e}");
                    }
                });
                Ok(client)
            }
        };
        match tokio::time::timeout(CONNECT_TIMEOUT * 2, attempt).await {
            Ok(result) => result,
            Err(_) => Err(CoreError::TeamUnreachable(format!(
                "the team store at {}:{} did not answer within {} s",
                self.host,
                self.port,
                (CONNECT_TIMEOUT * 2).as_secs()
            ))),
        }
    }

    /// Certificates are checked against the public roots, or against the CA the
    /// profile names (an internal CA is typical for a back office).
    fn tls(&self) -> Result<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.ca_pem {
            Some(pem) => {
                let certs = crate::validate::pem_certificates("team.ca_certificate", pem)?;
                for cert in certs {
                    roots.add(cert).map_err(|e| CoreError::invalid("team.ca_certificate", format!("The CA certificate cannot be used ({e}).")))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| CoreError::Team(format!("TLS cannot be set up: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth())
    }
}

/// A refused certificate is not "unreachable": it needs IT, not patience.
fn tls_or_unreachable(e: tokio_postgres::Error, host: &str) -> CoreError {
    let text = format!("{e:?}");
    if text.contains("certificate") || text.contains("Certificate") || text.contains("InvalidCertificate") {
        return CoreError::Team(format!(
            "The team store at {host} presented a certificate this desk does not trust ({e}). Nothing was sent to it. If it is signed by an internal CA, paste that CA in Settings, Team store."
        ));
    }
    if text.contains("server does not support TLS") {
        return CoreError::Team(format!(
            "The team store at {host} does not offer TLS; Signet connects to a remote team store only over TLS. Ask IT to turn on ssl."
        ));
    }
    super::db_error(&format!("the team store at {host} could not be reached"), e)
}

/// Records this desk in the team store and learns its branch and role.
pub(super) async fn register(client: &tokio_postgres::Client, desk_id: &str, desk_name: &str) -> Result<DeskIdentity> {
    let row = client
        .query_one("SELECT session_user::text, signet.my_branch(), signet.is_supervisor()", &[])
        .await
        .map_err(|e| super::db_error("the team store could not say who this desk is", e))?;
    let operator: String = row.get(0);
    let Some(branch): Option<String> = row.get(1) else {
        return Err(CoreError::Team(format!(
            "The database role {operator} is not a Signet team member. Ask IT to add it: signet team member --role {operator} --branch BRANCH."
        )));
    };
    let supervisor: bool = row.get(2);
    let id = uuid::Uuid::parse_str(desk_id).map_err(|e| CoreError::Conflict(format!("this desk's id is not a UUID: {e}")))?;
    client
        .execute(
            "INSERT INTO signet.desks (desk_id, name, branch, operator, app_version) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (desk_id) DO UPDATE SET name = EXCLUDED.name, branch = EXCLUDED.branch, operator = EXCLUDED.operator, app_version = EXCLUDED.app_version, last_seen = now()",
            &[&id, &desk_name, &branch, &operator, &env!("CARGO_PKG_VERSION")],
        )
        .await
        .map_err(|e| super::db_error("the team store did not record this desk", e))?;
    Ok(DeskIdentity { desk_id: desk_id.into(), desk_name: desk_name.into(), operator, branch, supervisor })
}
