//! QI Tech opt-in signatures: the exact text the signer accepted, who they are and
//! where from, checked field by field before anything is recorded or sent.

use std::sync::Mutex;

use signet_providers::qitech::{Authenticity, DataSignature, Phone, QiTech, SignatureReceived, Signer};

use crate::error::{CoreError, Result};
use crate::outbox::{self, NewOperation};
use crate::store::Store;
use crate::validate;

pub const AREA: &str = "optin";

#[derive(Debug, Clone, Default)]
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
}

pub fn check(debt_key: &str, signer: &SignerInput, acceptance: &Acceptance) -> Result<(String, DataSignature)> {
    let debt = validate::required("debt", debt_key)?;
    if acceptance.raw_text.trim().is_empty() {
        return Err(CoreError::invalid("text", "The contract text is empty; nothing would be signed."));
    }
    let ip: std::net::IpAddr = acceptance
        .ip_address
        .trim()
        .parse()
        .map_err(|_| CoreError::invalid("ip", "Give the signer's IP address, e.g. 179.104.42.245."))?;
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
        geolocation: None,
    };
    Ok((debt, DataSignature::opt_in(acceptance.raw_text.clone(), authenticity, signer)))
}

pub async fn submit(
    db: &Mutex<Store>,
    client: &QiTech,
    profile_id: &str,
    debt_key: &str,
    signer: &SignerInput,
    acceptance: &Acceptance,
) -> Result<(String, SignatureReceived)> {
    let (debt, body) = check(debt_key, signer, acceptance)?;
    let op = NewOperation {
        area: AREA,
        kind: "optin.submit",
        profile_id,
        subject: &debt,
        request: serde_json::to_value(&body).expect("wire types serialize"),
    };
    let (debt, body) = (&debt, &body);
    outbox::run(db, op, |key| async move { client.submit_signature(debt, body, &key).await }).await
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
        }
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
    fn every_bad_field_is_named() {
        let cases: Vec<(&str, Box<dyn Fn(&mut SignerInput, &mut Acceptance)>)> = vec![
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
