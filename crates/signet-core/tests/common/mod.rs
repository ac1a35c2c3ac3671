//! Inputs shared by the tests that sign opt-ins: a signer and the circumstances
//! of an acceptance, as the desk would gather them; and moto's S3 server.
#![allow(dead_code)]

pub mod moto;

use signet_core::evidence::{ConsentEvidence, OperatorEvidence};
use signet_core::optin::{self, Circumstances, SignerInput};

pub fn signer() -> SignerInput {
    SignerInput {
        name: "Maria da Silva".into(),
        email: "maria@example.com".into(),
        phone_country: "055".into(),
        phone_area: "11".into(),
        phone_number: "999999999".into(),
        cpf: "617.669.762-04".into(),
    }
}

pub fn circumstances(session: &str) -> Circumstances {
    let accepted = time::OffsetDateTime::now_utc();
    Circumstances {
        session_id: session.into(),
        accepted_at: accepted,
        opened_at: accepted - time::Duration::seconds(200),
        scrolled_to_end: true,
        reading_view: Some("text".into()),
        public_ip: "179.104.42.245".into(),
        local_ip: Some("192.168.0.12".into()),
        local_port: Some(51234),
        geolocation: None,
        consent: ConsentEvidence { wording: optin::consent_wording("pt-BR").into(), version: optin::CONSENT_VERSION.into(), language: "pt-BR".into() },
        operator: OperatorEvidence { profile_id: "sandbox".into(), profile_name: "Sandbox".into(), os_user: "ana".into() },
    }
}
