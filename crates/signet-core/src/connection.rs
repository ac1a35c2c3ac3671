//! "Test connection" for every provider: one harmless call with the profile's
//! credentials, and what its answer says about them. A refusal about the thing
//! asked for (no such customer, no such contract) still proves the credentials.

use serde::Serialize;
use signet_providers::{HttpConfig, ProviderError};
use ts_rs::TS;

use crate::access::ProviderAccess;
use crate::catalog::ProviderId;
use crate::clients;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionCheck {
    pub ok: bool,
    /// What was asked, and what the answer means.
    pub message: String,
}

/// An id nobody has: what is asked of providers whose only reads are by id.
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";

impl From<Probe> for ConnectionCheck {
    fn from(p: Probe) -> Self {
        match p {
            Probe::Accepted(message) => ConnectionCheck { ok: true, message },
            Probe::Refused(e) => ConnectionCheck { ok: false, message: e.to_string() },
        }
    }
}

/// What the harmless call found: the credentials work (and how we know), or why not.
pub enum Probe {
    Accepted(String),
    Refused(crate::error::CoreError),
}

/// `desk_id` is this desk's (the team store records the desk it is asked from).
pub async fn test(access: &ProviderAccess, desk_id: &str) -> Result<ConnectionCheck> {
    Ok(probe(access, desk_id).await?.into())
}

pub async fn probe(access: &ProviderAccess, desk_id: &str) -> Result<Probe> {
    let quick = HttpConfig { max_attempts: 1, ..HttpConfig::default() };
    let provider = access.provider;
    let (asked, outcome): (&str, std::result::Result<(), ProviderError>) = match provider {
        ProviderId::Mykaarma => ("a signature request that does not exist", clients::kpay(access, quick)?.get_signature_request(NOBODY).await.map(drop)),
        ProviderId::Dollarpe => {
            ("the KYC configuration of a customer that does not exist", clients::dollarpe(access, quick)?.kyc_configuration(NOBODY).await.map(drop))
        }
        ProviderId::Qitech => {
            let client = clients::qitech(access, quick)?;
            let scheme = client.scheme().describe();
            return Ok(match client.test_connection().await {
                Ok(_) => Probe::Accepted(format!("QI Tech's /test accepted the key and the signature ({scheme}).")),
                Err(e) => Probe::Refused(e.into()),
            });
        }
        ProviderId::Signzy => ("the status of a contract that does not exist", clients::signzy(access, quick)?.pull_data(NOBODY, false).await.map(drop)),
        ProviderId::Leegality => ("the first page of the document list", clients::leegality(access, quick)?.test_connection().await.map(drop)),
        ProviderId::Archive => {
            return Ok(match crate::archive::test_connection(access).await {
                Ok(message) => Probe::Accepted(message),
                Err(e) => Probe::Refused(e),
            })
        }
        ProviderId::Team => {
            return Ok(match crate::team::probe(access, desk_id).await {
                Ok(message) => Probe::Accepted(message),
                Err(e) => Probe::Refused(e),
            })
        }
    };
    Ok(match outcome {
        Ok(()) => Probe::Accepted(format!("{provider} answered ({asked}): the address and credentials work.")),
        Err(ProviderError::Rejected(r)) => {
            Probe::Accepted(format!("{provider} accepted the credentials and answered about {asked} as expected ({} {}).", r.code, r.title))
        }
        Err(e) => Probe::Refused(e.into()),
    })
}
