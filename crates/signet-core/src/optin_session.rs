//! The opt-in signing session at the desk, as states and the moves between them,
//! free of windows: the desk keeps one session and calls these from its commands.
//!
//! Reading -> (the signer's screen reaches the end) -> accept -> Submitting ->
//! Done or Failed. A session is not replaced or cancelled while Submitting, and
//! accepting twice returns where the first acceptance stands.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use crate::contract::Contract;
use crate::error::{CoreError, ErrorBody, Result};
use crate::evidence::Geolocation;
use crate::optin::{self, OptinSubmitted, SignerInput};

#[derive(Debug, Clone)]
enum Stage {
    Reading,
    Submitting,
    Done(OptinSubmitted),
    Failed(ErrorBody),
}

/// Where the signature under way stands, for the operator's screen.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OptinStatus {
    pub session_id: String,
    /// reading, submitting, done or failed.
    pub stage: String,
    /// The signer's screen has shown the contract.
    pub opened: bool,
    pub scrolled_to_end: bool,
    pub result: Option<OptinSubmitted>,
    pub error: Option<ErrorBody>,
}

/// What the acceptance is made of, taken from the session as it moves to Submitting.
#[derive(Debug, Clone)]
pub struct Accepting {
    pub session_id: String,
    pub debt_key: String,
    pub signer: SignerInput,
    pub contract: Contract,
    pub geolocation: Option<Geolocation>,
    pub opened_at: time::OffsetDateTime,
    pub language: &'static str,
    pub reading_view: Option<String>,
}

#[derive(Debug)]
pub struct Session {
    id: String,
    debt_key: String,
    signer: SignerInput,
    contract: Contract,
    geolocation: Option<Geolocation>,
    opened_at: Option<time::OffsetDateTime>,
    scrolled_to_end: bool,
    /// What the signer was reading on when they reached the end: "pages" or "text".
    reading_view: Option<String>,
    /// Pages already drawn for the signer's screen (PNG data URLs), by index.
    drawn: BTreeMap<u32, String>,
    /// The language the signer's screen last showed, with its consent wording:
    /// what is recorded is what was on screen, not what the webview claims.
    language: &'static str,
    stage: Stage,
}

/// Whether a new session may take the place of `current` (not while one is sent).
pub fn may_replace(current: Option<&Session>) -> Result<()> {
    match current {
        Some(s) if matches!(s.stage, Stage::Submitting) => Err(CoreError::Conflict("A signature is being sent; wait for its answer.".into())),
        _ => Ok(()),
    }
}

/// Whether `current` may be cancelled (not while it is being sent).
pub fn may_cancel(current: Option<&Session>) -> Result<()> {
    match current {
        Some(s) if matches!(s.stage, Stage::Submitting) => Err(CoreError::Conflict("The signature is being sent; it cannot be cancelled now.".into())),
        _ => Ok(()),
    }
}

impl Session {
    /// A new session for the operator's form, checked: the first problem is refused.
    pub fn open(debt_key: &str, signer: SignerInput, contract: Option<Contract>, geolocation: Option<Geolocation>) -> Result<Session> {
        if let Some(first) = optin::field_problems(debt_key, &signer).into_iter().next() {
            return Err(first);
        }
        if let Some(g) = &geolocation {
            g.check()?;
        }
        let contract = contract.ok_or_else(|| CoreError::invalid_as("contract", crate::error_words::CONTRACT_FIRST, &[]))?;
        Ok(Session {
            id: uuid::Uuid::new_v4().to_string(),
            debt_key: debt_key.trim().into(),
            signer,
            contract,
            geolocation,
            opened_at: None,
            scrolled_to_end: false,
            reading_view: None,
            drawn: BTreeMap::new(),
            language: "pt-BR",
            stage: Stage::Reading,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    pub fn status(&self) -> OptinStatus {
        let (stage, result, error) = match &self.stage {
            Stage::Reading => ("reading", None, None),
            Stage::Submitting => ("submitting", None, None),
            Stage::Done(r) => ("done", Some(r.clone()), None),
            Stage::Failed(e) => ("failed", None, Some(e.clone())),
        };
        OptinStatus { session_id: self.id.clone(), stage: stage.into(), opened: self.opened_at.is_some(), scrolled_to_end: self.scrolled_to_end, result, error }
    }

    /// The signer's screen shows the contract in `language` (the first showing is
    /// when the contract was opened).
    pub fn shown(&mut self, language: &'static str, now: time::OffsetDateTime) {
        self.opened_at.get_or_insert(now);
        self.language = language;
    }

    /// The signer's screen reached the end of the contract in `view` ("pages", only
    /// for a PDF, or "text"); the first view that reached it is the one recorded.
    pub fn reached_end(&mut self, view: &str) -> Result<()> {
        if self.opened_at.is_none() {
            return Err(CoreError::Conflict("The contract was not shown yet.".into()));
        }
        let view = match view {
            "pages" if self.contract.pdf.is_some() => "pages",
            "text" => "text",
            _ => return Err(CoreError::invalid("view", "The view is \"pages\" (a PDF's pages) or \"text\".")),
        };
        if !self.scrolled_to_end {
            self.reading_view = Some(view.into());
        }
        self.scrolled_to_end = true;
        Ok(())
    }

    /// The signer accepts: the session moves to Submitting and hands over what the
    /// acceptance is made of. Accepted already: `Err(status)` says where it stands.
    pub fn accept(&mut self, now: time::OffsetDateTime) -> Result<std::result::Result<Accepting, OptinStatus>> {
        if !matches!(self.stage, Stage::Reading) {
            return Ok(Err(self.status()));
        }
        if !self.scrolled_to_end {
            return Err(CoreError::invalid("accept", "The contract must be read to its end before it can be accepted."));
        }
        self.stage = Stage::Submitting;
        Ok(Ok(Accepting {
            session_id: self.id.clone(),
            debt_key: self.debt_key.clone(),
            signer: self.signer.clone(),
            contract: self.contract.clone(),
            geolocation: self.geolocation.clone(),
            opened_at: self.opened_at.unwrap_or(now),
            language: self.language,
            reading_view: self.reading_view.clone(),
        }))
    }

    /// What came of sending the acceptance.
    pub fn finish(&mut self, outcome: Result<OptinSubmitted>) -> OptinStatus {
        self.stage = match outcome {
            Ok(done) => Stage::Done(done),
            Err(e) => {
                tracing::warn!(session = %self.id, code = e.code(), "opt-in signature not completed: {e}");
                Stage::Failed(e.body())
            }
        };
        self.status()
    }

    /// Pages already drawn, from `first`, at most `count`, stopping at the first gap.
    pub fn drawn_pages(&self, first: u32, count: u32) -> Vec<String> {
        let total = self.contract.pages.unwrap_or(0);
        (first..(first + count).min(total)).map_while(|n| self.drawn.get(&n).cloned()).collect()
    }

    pub fn keep_drawn(&mut self, first: u32, pages: &[String]) {
        for (n, page) in pages.iter().enumerate() {
            self.drawn.insert(first + n as u32, page.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> SignerInput {
        SignerInput {
            name: "Ana Souza".into(),
            email: "ana@example.com".into(),
            phone_country: "055".into(),
            phone_area: "11".into(),
            phone_number: "999999999".into(),
            cpf: "617.669.762-04".into(),
        }
    }

    fn contract(pdf: bool) -> Contract {
        Contract {
            source_name: "c.pdf".into(),
            pages: pdf.then_some(3),
            text: "Contrato".into(),
            pdf_sha256: None,
            text_sha256: "00".into(),
            pdf: pdf.then(|| b"%PDF".to_vec()),
        }
    }

    fn now() -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    #[test]
    fn a_form_with_a_problem_or_no_contract_opens_no_session() {
        let bad = SignerInput { cpf: "111.111.111-11".into(), ..signer() };
        assert_eq!(Session::open("debt-1", bad, Some(contract(true)), None).unwrap_err().body().field.as_deref(), Some("cpf"));
        assert_eq!(Session::open("debt-1", signer(), None, None).unwrap_err().body().field.as_deref(), Some("contract"));
        let far = Some(Geolocation { latitude: 91.0, longitude: 0.0 });
        assert_eq!(Session::open("debt-1", signer(), Some(contract(true)), far).unwrap_err().body().field.as_deref(), Some("geolocation"));
    }

    #[test]
    fn the_contract_is_shown_read_to_its_end_then_accepted_once() {
        let mut s = Session::open(" debt-1 ", signer(), Some(contract(true)), None).unwrap();
        assert_eq!(s.reached_end("pages").unwrap_err().code(), "conflict", "not shown yet");
        assert_eq!(s.accept(now()).unwrap_err().body().field.as_deref(), Some("accept"), "not read yet");
        s.shown("en", now());
        assert_eq!(s.reached_end("scroll").unwrap_err().body().field.as_deref(), Some("view"));
        s.reached_end("pages").unwrap();
        s.reached_end("text").unwrap();
        let accepting = s.accept(now()).unwrap().expect("accepted");
        assert_eq!((accepting.debt_key.as_str(), accepting.language, accepting.reading_view.as_deref()), ("debt-1", "en", Some("pages")));
        assert_eq!(s.status().stage, "submitting");
        // While it is sent: accepting again says so, and nothing replaces or cancels it.
        assert_eq!(s.accept(now()).unwrap().unwrap_err().stage, "submitting");
        assert!(may_replace(Some(&s)).is_err() && may_cancel(Some(&s)).is_err());
        let done = s.finish(Err(CoreError::Conflict("refused".into())));
        assert_eq!((done.stage.as_str(), done.error.map(|e| e.code)), ("failed", Some("conflict".to_string())));
        assert!(may_replace(Some(&s)).is_ok() && may_cancel(Some(&s)).is_ok());
    }

    #[test]
    fn a_text_contract_has_no_pages_view_and_drawn_pages_are_kept_in_order() {
        let mut s = Session::open("debt-1", signer(), Some(contract(false)), None).unwrap();
        s.shown("pt-BR", now());
        assert!(s.reached_end("pages").is_err());
        s.reached_end("text").unwrap();

        let mut p = Session::open("debt-2", signer(), Some(contract(true)), None).unwrap();
        p.keep_drawn(0, &["a".into(), "b".into()]);
        assert_eq!(p.drawn_pages(0, 4), ["a", "b"]);
        assert!(p.drawn_pages(2, 4).is_empty());
    }
}
