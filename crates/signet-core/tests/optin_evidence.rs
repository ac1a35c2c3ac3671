//! An opt-in signature from a PDF contract, sent to a real Sandbox: the evidence is
//! in the ledger before the request leaves, the text sent is the text extracted,
//! the answer joins the evidence, and the session's dossier checks.

use std::sync::Mutex;

use signet_core::catalog::ProviderId;
use signet_core::evidence::{dossier, ledger};
use signet_core::optin;
use signet_core::store::Store;
use signet_providers::HttpConfig;
use signet_sandbox::{demo, Sandbox, SandboxConfig};

mod common;
use common::{circumstances, signer};

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_contract_is_signed_with_its_evidence_kept_and_provable() {
    let sb = Sandbox::start(SandboxConfig { port: 0, ..Default::default() }).await.unwrap();
    let client = signet_core::clients::qitech(&signet_sandbox::provider_access(ProviderId::Qitech, &sb.base_url()), HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Mutex::new(Store::open_in(dir.path()).unwrap());
    let key = signet_core::evidence::key::SigningKey::from_bytes(&[5u8; 32]);
    let pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts/contrato-reportlab.pdf");
    let contract = signet_core::contract::load(&pdf).unwrap();
    let session = "5b0e8f7a-3c2d-4e1f-9a8b-7c6d5e4f3a21";

    let sent = optin::submit(&db, &key, &client, "sandbox", demo::DEBT_OPEN, &signer(), &contract, &circumstances(session)).await.unwrap();
    assert_eq!((sent.status.as_str(), sent.session_id.as_str(), sent.evidence_position), ("signature_received", session, 1));

    // What QI Tech received is the extracted text, character for character.
    let journal = sb.journal();
    let body: serde_json::Value = serde_json::from_str(&journal.iter().find(|e| e.path.ends_with("/signed")).unwrap().body).unwrap();
    let sig = &body["signatures"][0];
    assert_eq!(sig["signed_object"]["raw_text"].as_str(), Some(contract.text.as_str()));
    assert_eq!((sig["authenticity"]["session_id"].as_str(), sig["authenticity"]["ip_address"].as_str()), (Some(session), Some("179.104.42.245")));

    let store = db.lock().unwrap();
    let records = ledger::find(&store, session).unwrap();
    assert_eq!(records.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["acceptance", "provider_response"]);
    let evidence: serde_json::Value = serde_json::from_str(&records[0].body).unwrap();
    assert_eq!(evidence["contract"]["textSha256"].as_str(), Some(contract.text_sha256.as_str()));
    assert_eq!(evidence["contract"]["pdfSha256"].as_str(), contract.pdf_sha256.as_deref());
    assert_eq!(evidence["signer"]["cpf"], "61766976204");
    assert_eq!(evidence["reading"]["scrolledToEnd"], true);
    assert!(evidence["reading"]["secondsOpen"].as_f64().unwrap() >= 199.0);
    assert!(evidence["providerTimestamp"].as_str().unwrap().len() == 19);
    let answer: serde_json::Value = serde_json::from_str(&records[1].body).unwrap();
    assert_eq!(answer["answer"]["status"], "signature_received");
    assert!(ledger::verify(&store, None).unwrap().intact());
    assert_eq!(ledger::find(&store, "617.669.762-04").unwrap().len(), 2);

    let zip = dossier::export(&store, &key, session).unwrap();
    let report = dossier::check(&zip, Some(&signet_core::evidence::key::public_key(&key.verifying_key()))).unwrap();
    assert!(report.valid(), "{:?}", report.problems);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_joins_the_evidence_and_bad_input_records_nothing() {
    let sb = Sandbox::start(SandboxConfig { port: 0, ..Default::default() }).await.unwrap();
    let client = signet_core::clients::qitech(&signet_sandbox::provider_access(ProviderId::Qitech, &sb.base_url()), HttpConfig::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Mutex::new(Store::open_in(dir.path()).unwrap());
    let key = signet_core::evidence::key::SigningKey::from_bytes(&[5u8; 32]);
    let contract = signet_core::contract::from_bytes("c.txt", "CONTRATO\nCláusula única: aceito as condições.".as_bytes().to_vec()).unwrap();

    let session = "5b0e8f7a-3c2d-4e1f-9a8b-7c6d5e4f3a22";
    let refused = optin::submit(&db, &key, &client, "sandbox", demo::DEBT_SIGNED, &signer(), &contract, &circumstances(session)).await.unwrap_err();
    assert_eq!(refused.code(), "provider_rejected");
    assert!(refused.to_string().contains("LEG000409") && refused.to_string().contains("(Dívida já assinada.)"), "{refused}");
    let records = ledger::find(&db.lock().unwrap(), session).unwrap();
    let answer: serde_json::Value = serde_json::from_str(&records[1].body).unwrap();
    assert_eq!(answer["outcome"], "provider_rejected");

    let mut bad = signer();
    bad.cpf = "617.669.762-05".into();
    let before = sb.journal().len();
    let e = optin::submit(&db, &key, &client, "sandbox", demo::DEBT_OPEN_2, &bad, &contract, &circumstances("5b0e8f7a-3c2d-4e1f-9a8b-7c6d5e4f3a23"))
        .await
        .unwrap_err();
    assert_eq!(e.body().field.as_deref(), Some("cpf"));
    assert_eq!(sb.journal().len(), before, "nothing sent");
    assert_eq!(ledger::verify(&db.lock().unwrap(), None).unwrap().records, 2, "nothing recorded for bad input");
}
