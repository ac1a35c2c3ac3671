//! QI Tech opt-in signatures: the exact text the signer accepted, who they are and
//! where from, checked field by field before anything is recorded or sent.

use std::sync::Mutex;

use signet_providers::qitech::{Authenticity, DataSignature, Phone, QiTech, Signer};

use crate::contract::Contract;
use crate::error::{CoreError, Result};
use crate::evidence::key::SigningKey;
use crate::evidence::ledger::{self, Kind, NewRecord};
use crate::evidence::{AcceptanceEvidence, ConsentEvidence, ContractEvidence, Geolocation, OperatorEvidence, ReadingEvidence, SignerEvidence};
use crate::outbox::{self, NewOperation};
use crate::store::Store;
use crate::validate;

pub const AREA: &str = "optin";
pub const SUBMIT_KIND: &str = "optin.submit";

/// The signer's details as the operator enters them.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignerInput {
    pub name: String,
    pub email: String,
    pub phone_country: String,
    pub phone_area: String,
    pub phone_number: String,
    pub cpf: String,
}

#[derive(Debug, Clone)]
pub struct Acceptance {
    /// The exact text shown and accepted.
    pub raw_text: String,
    pub ip_address: String,
    pub session_id: String,
    /// When the signer accepted, UTC.
    pub accepted_at: time::OffsetDateTime,
    /// Where, when the signer agreed to share it.
    pub geolocation: Option<Geolocation>,
}

pub fn check(debt_key: &str, signer: &SignerInput, acceptance: &Acceptance) -> Result<(String, DataSignature)> {
    let debt = validate::required("debt", debt_key)?;
    if acceptance.raw_text.trim().is_empty() {
        return Err(CoreError::invalid("text", "The contract text is empty; nothing would be signed."));
    }
    let ip: std::net::IpAddr =
        acceptance.ip_address.trim().parse().map_err(|_| CoreError::invalid("ip", "Give the signer's IP address, e.g. 179.104.42.245."))?;
    if let Some(g) = &acceptance.geolocation {
        g.check()?;
    }
    let timestamp = acceptance
        .accepted_at
        .to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"))
        .expect("UTC formats");
    let signer = Signer {
        name: validate::required("name", &signer.name)?,
        email: validate::email("email", &signer.email)?,
        phone: Phone {
            country_code: validate::phone_part("phone_country", &signer.phone_country, 3, 3, "055")?,
            area_code: validate::phone_part("phone_area", &signer.phone_area, 2, 2, "11")?,
            number: validate::phone_part("phone_number", &signer.phone_number, 1, 10, "999999999")?,
        },
        document_number: validate::cpf("cpf", &signer.cpf)?,
    };
    let authenticity = Authenticity {
        timestamp,
        ip_address: ip.to_string(),
        session_id: validate::uuid("session_id", &acceptance.session_id)?,
        // Sent only when the signer agreed to share it, as the evidence records it.
        geolocation: acceptance.geolocation.as_ref().map(|g| serde_json::json!({ "latitude": g.latitude, "longitude": g.longitude })),
    };
    Ok((debt, DataSignature::opt_in(acceptance.raw_text.clone(), authenticity, signer)))
}

/// Every problem with the operator's form at once, each naming its field, for
/// checking as they type (the same rules `check` applies before sending).
pub fn field_errors(debt_key: &str, signer: &SignerInput) -> Vec<crate::error::ErrorBody> {
    field_problems(debt_key, signer).iter().map(CoreError::body).collect()
}

/// The problems `field_errors` lists, as errors.
pub fn field_problems(debt_key: &str, signer: &SignerInput) -> Vec<CoreError> {
    let checks = [
        validate::required("debt", debt_key),
        validate::required("name", &signer.name),
        validate::email("email", &signer.email),
        validate::phone_part("phone_country", &signer.phone_country, 3, 3, "055"),
        validate::phone_part("phone_area", &signer.phone_area, 2, 2, "11"),
        validate::phone_part("phone_number", &signer.phone_number, 1, 10, "999999999"),
        validate::cpf("cpf", &signer.cpf),
    ];
    checks.into_iter().filter_map(|r| r.err()).collect()
}

/// What is wrong with the latitude and longitude the operator typed, if anything
/// (the same bounds the evidence and QI Tech's body hold them to).
pub fn location_errors(latitude: &str, longitude: &str) -> Vec<crate::error::ErrorBody> {
    let checked = match (latitude.trim().parse::<f64>(), longitude.trim().parse::<f64>()) {
        (Ok(latitude), Ok(longitude)) => Geolocation { latitude, longitude }.check(),
        _ => Err(crate::error::CoreError::invalid_as("geolocation", crate::error_words::LOCATION_NUMBERS, &[])),
    };
    checked.err().map(|e| e.body()).into_iter().collect()
}

/// What else was true when the signer accepted: where, on what, with what consent,
/// and who ran the desk. The desk's signer window fills in the reading part; the
/// command line has no signer's screen and says so (`scrolled_to_end: false`).
#[derive(Debug, Clone)]
pub struct Circumstances {
    pub session_id: String,
    pub accepted_at: time::OffsetDateTime,
    pub opened_at: time::OffsetDateTime,
    pub scrolled_to_end: bool,
    /// The signer's screen's view when they reached the end ("pages" or "text").
    pub reading_view: Option<String>,
    pub public_ip: String,
    pub local_ip: Option<String>,
    pub local_port: Option<u16>,
    pub geolocation: Option<Geolocation>,
    pub consent: ConsentEvidence,
    pub operator: OperatorEvidence,
}

/// The consent statement shown beside the accept button, by language; its version
/// goes into the evidence with the wording itself.
pub const CONSENT_VERSION: &str = "2026-11-1";
pub fn consent_wording(language: &str) -> &'static str {
    match language {
        "en" => "I have read the whole contract above, I understand it, and I accept it and sign it electronically.",
        _ => "Li todo o contrato acima, compreendo o seu conteúdo e o aceito e assino eletronicamente.",
    }
}

/// The consent shown in `language`, as evidence records it.
pub fn consent(language: &str) -> ConsentEvidence {
    let language = if language == "en" { "en" } else { "pt-BR" };
    ConsentEvidence { wording: consent_wording(language).into(), version: CONSENT_VERSION.into(), language: language.into() }
}

/// Who ran the desk (or the command line) for this signature.
pub fn operator(profile_id: &str, profile_name: &str) -> OperatorEvidence {
    OperatorEvidence {
        profile_id: profile_id.into(),
        profile_name: profile_name.into(),
        os_user: std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default(),
    }
}

/// Where the acceptance came from, asked of the QI Tech profile's public-IP
/// endpoint (or the default) over a connection of its own.
pub async fn addresses(qitech: &crate::access::ProviderAccess) -> Result<signet_providers::whoami::Addresses> {
    let endpoint = qitech.value("public_ip_endpoint").filter(|v| !v.is_empty()).unwrap_or(crate::catalog::DEFAULT_PUBLIC_IP_ENDPOINT);
    Ok(signet_providers::whoami::lookup(endpoint, std::time::Duration::from_secs(10)).await?)
}

/// A submitted opt-in signature: its session, operation and the provider's answer.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OptinSubmitted {
    pub session_id: String,
    pub operation_key: String,
    pub status: String,
    pub event_datetime: Option<String>,
    /// The acceptance record's position in the evidence ledger.
    #[ts(type = "number")]
    pub evidence_position: u64,
}

/// The device the desk runs on, as evidence names it.
fn device() -> (String, String) {
    let os = format!("{} {}", std::env::consts::OS, std::env::consts::ARCH);
    (os, device_name())
}

/// This computer's name, as the evidence and the team store know the desk.
pub fn device_name() -> String {
    gethostname::gethostname().to_string_lossy().to_string()
}

/// Checks everything, writes the evidence (contract files and acceptance record)
/// to the ledger, sends the signature through the outbox, and writes the
/// provider's answer (or the failure, or that it is unknown) after it. Nothing is
/// sent without its evidence on disk first.
pub async fn submit(
    db: &Mutex<Store>,
    signing_key: &SigningKey,
    client: &QiTech,
    profile_id: &str,
    debt_key: &str,
    signer: &SignerInput,
    contract: &Contract,
    at: &Circumstances,
) -> Result<OptinSubmitted> {
    let acceptance = Acceptance {
        raw_text: contract.text.clone(),
        ip_address: at.public_ip.clone(),
        session_id: at.session_id.clone(),
        accepted_at: at.accepted_at,
        geolocation: at.geolocation.clone(),
    };
    let (debt, body) = check(debt_key, signer, &acceptance)?;
    let wire_signer = &body.signatures[0].signer;
    let (os, device_name) = device();
    let evidence = AcceptanceEvidence {
        session_id: body.signatures[0].authenticity.session_id.clone(),
        debt_key: debt.clone(),
        signer: SignerEvidence {
            name: wire_signer.name.clone(),
            email: wire_signer.email.clone(),
            phone_country_code: wire_signer.phone.country_code.clone(),
            phone_area_code: wire_signer.phone.area_code.clone(),
            phone_number: wire_signer.phone.number.clone(),
            cpf: wire_signer.document_number.clone(),
        },
        accepted_at: at.accepted_at.format(&time::format_description::well_known::Rfc3339).expect("timestamps format"),
        provider_timestamp: body.signatures[0].authenticity.timestamp.clone(),
        public_ip: body.signatures[0].authenticity.ip_address.clone(),
        local_ip: at.local_ip.clone(),
        local_port: at.local_port,
        app_version: env!("CARGO_PKG_VERSION").into(),
        os,
        device_name,
        geolocation: at.geolocation.clone(),
        contract: ContractEvidence {
            source_name: contract.source_name.clone(),
            pdf_sha256: contract.pdf_sha256.clone(),
            text_sha256: contract.text_sha256.clone(),
            text_chars: contract.text.chars().count() as u64,
            pages: contract.pages,
        },
        consent: at.consent.clone(),
        reading: ReadingEvidence {
            opened_at: at.opened_at.format(&time::format_description::well_known::Rfc3339).expect("timestamps format"),
            seconds_open: (at.accepted_at - at.opened_at).as_seconds_f64().max(0.0),
            scrolled_to_end: at.scrolled_to_end,
            view: at.reading_view.clone(),
        },
        operator: at.operator.clone(),
    };
    let session_id = evidence.session_id.clone();
    let cpf = evidence.signer.cpf.clone();
    let acceptance_record = outbox::lock(db)?.atomically(|store| {
        if store.evidence_about(&session_id)?.iter().any(|r| r.session_id == session_id) {
            return Err(CoreError::invalid("session_id", format!("Session {session_id} already has evidence; every signature needs a new session id.")));
        }
        if let Some(pdf) = &contract.pdf {
            ledger::keep_file(store, &contract.source_name, pdf)?;
        }
        ledger::keep_file(store, "contract.txt", contract.text.as_bytes())?;
        let body = serde_json::to_value(&evidence).expect("evidence serializes");
        ledger::append(store, signing_key, NewRecord { kind: Kind::Acceptance, session_id: &session_id, debt_key: &debt, cpf: &cpf, body: &body })
    })?;
    tracing::info!(session = %session_id, position = acceptance_record.seq, "opt-in evidence recorded; sending");

    let op = NewOperation {
        area: AREA,
        kind: SUBMIT_KIND,
        profile_id,
        subject: &debt,
        request: serde_json::json!({ "sessionId": session_id, "debtKey": debt, "textSha256": contract.text_sha256, "signer": { "name": evidence.signer.name, "cpf": cpf } }),
        claim: None,
        unchecked: false,
    }
    .claiming("debt", &debt, outbox::SendChoice::default());
    let (d, b) = (&debt, &body);
    let sent = outbox::run(db, op, |key| async move { client.submit_signature(d, b, &key).await }).await;
    // The answer joins the evidence whatever it was: accepted, refused or unknown.
    let answer = match &sent {
        Ok((key, got)) => serde_json::json!({ "operationKey": key, "outcome": "sent", "answer": got }),
        Err(e) => serde_json::json!({ "outcome": e.code(), "error": e.body() }),
    };
    let written = outbox::lock(db).and_then(|store| {
        ledger::append(&store, signing_key, NewRecord { kind: Kind::ProviderResponse, session_id: &session_id, debt_key: &debt, cpf: &cpf, body: &answer })
    });
    if let Err(e) = written {
        tracing::error!(session = %session_id, "could not record the provider's answer in the evidence ledger: {e}");
    }
    let (operation_key, got) = sent?;
    Ok(OptinSubmitted { session_id, operation_key, status: got.status, event_datetime: Some(got.event_datetime), evidence_position: acceptance_record.seq })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> SignerInput {
        SignerInput {
            name: "Maria da Silva".into(),
            email: "maria@example.com".into(),
            phone_country: "055".into(),
            phone_area: "11".into(),
            phone_number: "999999999".into(),
            cpf: "617.669.762-04".into(),
        }
    }

    fn acceptance() -> Acceptance {
        Acceptance {
            raw_text: "CONTRATO\nCláusula única.".into(),
            ip_address: "179.104.42.245".into(),
            session_id: "ddb1d063-4fdf-4330-af9c-3316e9142ff3".into(),
            accepted_at: time::macros::datetime!(2026-11-21 08:24:05 -3),
            geolocation: None,
        }
    }

    #[test]
    fn the_agreed_location_is_sent_and_a_place_off_the_earth_is_refused() {
        let at = Acceptance { geolocation: Some(Geolocation { latitude: -23.5614, longitude: -46.6559 }), ..acceptance() };
        let (_, body) = check("debt-1", &signer(), &at).unwrap();
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["signatures"][0]["authenticity"]["geolocation"], serde_json::json!({ "latitude": -23.5614, "longitude": -46.6559 }));
        let (_, without) = check("debt-1", &signer(), &acceptance()).unwrap();
        assert!(serde_json::to_value(&without).unwrap()["signatures"][0]["authenticity"].get("geolocation").is_none());
        let off = Acceptance { geolocation: Some(Geolocation { latitude: 91.0, longitude: 0.0 }), ..acceptance() };
        assert_eq!(check("debt-1", &signer(), &off).unwrap_err().body().field.as_deref(), Some("geolocation"));
    }

    #[test]
    fn builds_the_excerpts_request() {
        let (debt, body) = check(" debt-1 ", &signer(), &acceptance()).unwrap();
        assert_eq!(debt, "debt-1");
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["type"], "data_signature");
        let sig = &v["signatures"][0];
        assert_eq!(sig["authentication_type"], "opt-in");
        // The provider's form, in UTC.
        assert_eq!(sig["authenticity"]["timestamp"], "2026-11-21 11:24:05");
        assert_eq!(sig["signer"]["document_number"], "61766976204");
        assert_eq!(sig["signed_object"]["raw_text"], "CONTRATO\nCláusula única.");
    }

    #[test]
    fn the_form_reports_every_bad_field_at_once() {
        let mut s = signer();
        assert!(field_errors("debt-1", &s).is_empty());
        s.cpf = "111.111.111-11".into();
        s.phone_area = "1".into();
        let fields: Vec<_> = field_errors(" ", &s).into_iter().filter_map(|e| e.field).collect();
        assert_eq!(fields, ["debt", "phone_area", "cpf"]);
    }

    #[test]
    fn every_bad_field_is_named() {
        type Spoil = Box<dyn Fn(&mut SignerInput, &mut Acceptance)>;
        let cases: Vec<(&str, Spoil)> = vec![
            ("cpf", Box::new(|s, _| s.cpf = "617.669.762-05".into())),
            ("email", Box::new(|s, _| s.email = "maria.example.com".into())),
            ("name", Box::new(|s, _| s.name = "  ".into())),
            ("phone_country", Box::new(|s, _| s.phone_country = "55".into())),
            ("phone_area", Box::new(|s, _| s.phone_area = "1".into())),
            ("phone_number", Box::new(|s, _| s.phone_number = "99999-9999".into())),
            ("ip", Box::new(|_, a| a.ip_address = "999.1.1.1".into())),
            ("session_id", Box::new(|_, a| a.session_id = "session-1".into())),
            ("text", Box::new(|_, a| a.raw_text = " \n".into())),
        ];
        for (field, spoil) in cases {
            let (mut s, mut a) = (signer(), acceptance());
            spoil(&mut s, &mut a);
            let e = check("debt-1", &s, &a).unwrap_err();
            assert_eq!(e.body().field.as_deref(), Some(field), "{e}");
        }
        assert_eq!(check("", &signer(), &acceptance()).unwrap_err().body().field.as_deref(), Some("debt"));
    }
}

#[cfg(test)]
mod location_tests {
    #[test]
    fn a_typed_location_must_be_two_numbers_on_earth() {
        assert!(super::location_errors("-23.5614", " -46.6559 ").is_empty());
        assert!(super::location_errors("", "1")[0].message.contains("decimal numbers"));
        assert!(super::location_errors("north", "1")[0].message.contains("decimal numbers"));
        assert!(super::location_errors("91", "0")[0].message.contains("-90 to 90"));
        assert!(super::location_errors("NaN", "0")[0].message.contains("-90 to 90"));
        assert_eq!(super::location_errors("0", "181")[0].field.as_deref(), Some("geolocation"));
    }
}
