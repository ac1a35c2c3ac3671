//! Each client against the Sandbox over real HTTP: the flows, wrong credentials,
//! bad signatures, and injected faults producing a retry or "outcome unknown".

use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use signet_providers::canonical::JsonStyle;
use signet_providers::dollarpe::{DocumentDetails, DollarPe, UpdateDocumentInfo};
use signet_providers::http::HttpConfig;
use signet_providers::kpay::{Kpay, PaymentRequest};
use signet_providers::qitech::{AuthScheme, Authenticity, DataSignature, Phone, QiTech, Signer};
use signet_providers::signzy::Signzy;
use signet_providers::ProviderError;
use signet_sandbox::{demo, demo_credentials, Faults, Sandbox, SandboxConfig, SchemeCheck, StyleCheck};

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn fast() -> HttpConfig {
    HttpConfig { total_timeout: Duration::from_secs(2), base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20), ..HttpConfig::default() }
}

async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.unwrap()
}

fn kpay(sb: &Sandbox, password: &str) -> Kpay {
    Kpay::new(&sb.base_url(), demo_credentials().kpay_username, secret(password), fast())
}

fn requests_to(sb: &Sandbox, path_part: &str) -> usize {
    sb.journal().iter().filter(|e| e.path.contains(path_part)).count()
}

#[tokio::test]
async fn kpay_payment_request_then_signature_capture() {
    let sb = start(SandboxConfig::default()).await;
    let client = kpay(&sb, demo_credentials().kpay_password);
    let ask = PaymentRequest { invoice_guid: demo::INVOICE_BRAKES.into(), send_as_text: true, send_as_email: true, esign_required: true, ..Default::default() };
    let reply = client.send_payment_request(demo::DEPARTMENT_SERVICE, &ask, "op-1").await.unwrap();
    assert!(reply.failed_channels(&ask).is_empty());
    assert!(reply.payment_link.unwrap().starts_with(&sb.base_url()));

    // The sandbox's listing finds the signature request the payment request created.
    let listing: Value =
        reqwest::get(format!("{}/_sandbox/kpay/signature-requests?invoiceGuid={}", sb.base_url(), demo::INVOICE_BRAKES)).await.unwrap().json().await.unwrap();
    let spi = listing.as_array().and_then(|a| a.first()).and_then(|r| r["spiRequestUUID"].as_str()).expect("a signature request").to_string();
    assert!(!client.get_signature_request(&spi).await.unwrap().is_signed);
    let captured = client.capture_signature(&spi, "https://docs.example.com/signed.pdf", "op-2").await.unwrap();
    assert_eq!(captured.status.as_deref(), Some("SUCCESS"));
    assert!(client.get_signature_request(&spi).await.unwrap().is_signed);
    // Capturing twice is a FAILURE in a 200, reported as a rejection.
    assert_eq!(client.capture_signature(&spi, "https://docs.example.com/signed.pdf", "op-3").await.unwrap_err().code(), "provider_rejected");

    let wrong = kpay(&sb, "not-the-password");
    assert_eq!(wrong.send_payment_request(demo::DEPARTMENT_SERVICE, &ask, "op-4").await.unwrap_err().code(), "provider_auth");
}

fn kyc(customer: &str, number: &str) -> UpdateDocumentInfo {
    UpdateDocumentInfo {
        customer_id: customer.into(),
        full_address: "Avenida Paulista, 1000, São Paulo".into(),
        document_type: "PASSPORT".into(),
        document_front_image_url: "https://files.example.com/front.jpg".into(),
        document_back_image_url: None,
        document_details: DocumentDetails { document_number: number.into(), additional_data: [("issuing_country".to_string(), Value::from("BR"))].into() },
    }
}

#[tokio::test]
async fn dollarpe_signatures_are_checked_in_each_style() {
    let creds = demo_credentials();
    for (sandbox_style, client_style, accepted) in [
        (StyleCheck::Python, JsonStyle::Python, true),
        (StyleCheck::Compact, JsonStyle::Compact, true),
        (StyleCheck::Python, JsonStyle::Compact, false),
        (StyleCheck::Either, JsonStyle::Compact, true),
    ] {
        let sb = start(SandboxConfig { dollarpe_style: sandbox_style, ..Default::default() }).await;
        let client = DollarPe::new(&sb.base_url(), secret(creds.dollarpe_api_key), secret(creds.dollarpe_api_secret), client_style, fast());
        let result = client.update_document_info(&kyc(demo::CUSTOMER_NEW, "BR1234567"), "op").await;
        assert_eq!(result.is_ok(), accepted, "sandbox {sandbox_style:?}, client {client_style:?}: {result:?}");
        if !accepted {
            assert_eq!(result.unwrap_err().code(), "provider_auth");
        }
    }
    let sb = start(SandboxConfig::default()).await;
    let wrong = DollarPe::new(&sb.base_url(), secret(creds.dollarpe_api_key), secret("wrong-secret"), JsonStyle::Python, fast());
    assert_eq!(wrong.kyc_configuration(demo::CUSTOMER_NEW).await.unwrap_err().code(), "provider_auth");
    let right = DollarPe::new(&sb.base_url(), secret(creds.dollarpe_api_key), secret(creds.dollarpe_api_secret), JsonStyle::Python, fast());
    match right.update_document_info(&kyc(demo::CUSTOMER_SECOND, demo::DOCUMENT_IN_USE), "op").await.unwrap_err() {
        ProviderError::Rejected(r) => assert_eq!(r.title, "KYC already in use"),
        other => panic!("{other:?}"),
    }
}

fn qitech(sb: &Sandbox, private_pem: &str, verify: bool) -> QiTech {
    qitech_in(sb, private_pem, verify, AuthScheme::PayloadMd5)
}

fn qitech_in(sb: &Sandbox, private_pem: &str, verify: bool, scheme: AuthScheme) -> QiTech {
    let creds = demo_credentials();
    QiTech::new(&sb.base_url(), secret(creds.qitech_api_client_key), &secret(private_pem), verify.then_some(creds.qitech_public_key_pem), scheme, fast())
        .unwrap()
}

fn opt_in(cpf: &str) -> DataSignature {
    DataSignature::opt_in(
        "CONTRATO DE CRÉDITO BANCÁRIO\nCláusula única.".into(),
        Authenticity {
            timestamp: "2026-11-21 05:24:00".into(),
            ip_address: "179.104.42.245".into(),
            session_id: "ddb1d063-4fdf-4330-af9c-3316e9142ff3".into(),
            geolocation: None,
        },
        Signer {
            name: "Maria da Silva".into(),
            email: "maria@example.com".into(),
            phone: Phone { country_code: "055".into(), area_code: "11".into(), number: "999999999".into() },
            document_number: cpf.into(),
        },
    )
}

#[tokio::test]
async fn qitech_opt_in_is_verified_both_ways() {
    let sb = start(SandboxConfig::default()).await;
    let creds = demo_credentials();
    // Responses are signed by the sandbox's QI key and verified here.
    let got = qitech(&sb, creds.qitech_private_key_pem, true).submit_signature(demo::DEBT_OPEN, &opt_in(demo::VALID_CPF), "op").await.unwrap();
    assert_eq!((got.status.as_str(), got.key.as_str()), ("signature_received", demo::DEBT_OPEN));

    match qitech(&sb, creds.qitech_private_key_pem, true).submit_signature(demo::DEBT_OPEN_2, &opt_in("61766976205"), "op").await.unwrap_err() {
        ProviderError::Rejected(r) => {
            assert_eq!(r.code, "LEG000069");
            assert!(r.message.contains("document_number"), "{}", r.message);
            assert!(r.translation.is_some());
        }
        other => panic!("{other:?}"),
    }
    // A key the sandbox does not know: the JWT is refused.
    let stranger = include_str!("../../signet-core/tests/fixtures/p521-private.pem");
    assert_eq!(qitech(&sb, stranger, false).events().await.unwrap_err().code(), "provider_auth");
}

#[tokio::test]
async fn qitech_either_scheme_signs_and_the_sandbox_can_require_one() {
    let creds = demo_credentials();
    let key = creds.qitech_private_key_pem;
    for scheme in [AuthScheme::PayloadMd5, AuthScheme::EncodedBody] {
        let sb = start(SandboxConfig::default()).await;
        let client = qitech_in(&sb, key, true, scheme);
        assert_eq!(client.test_connection().await.unwrap()["api_client_key"], creds.qitech_api_client_key, "{scheme:?}");
        let got = client.submit_signature(demo::DEBT_OPEN, &opt_in(demo::VALID_CPF), "op").await.unwrap();
        assert_eq!(got.status, "signature_received", "{scheme:?}");
        // A refusal (the debt is signed now) is decoded in either scheme.
        match client.submit_signature(demo::DEBT_OPEN, &opt_in(demo::VALID_CPF), "op2").await.unwrap_err() {
            ProviderError::Rejected(r) => assert_eq!(r.code, "LEG000409", "{scheme:?}"),
            other => panic!("{scheme:?}: {other:?}"),
        }
        assert!(client.events().await.unwrap()["data"].as_array().is_some_and(|e| !e.is_empty()), "{scheme:?}");
    }
    // A sandbox that requires one scheme refuses the other, and says which was used.
    for (required, used, suggested) in
        [(SchemeCheck::EncodedBody, AuthScheme::PayloadMd5, "encoded_body"), (SchemeCheck::PayloadMd5, AuthScheme::EncodedBody, "payload_md5")]
    {
        let sb = start(SandboxConfig { qitech_scheme: required, ..Default::default() }).await;
        let e = qitech_in(&sb, key, true, used).test_connection().await.unwrap_err();
        assert_eq!(e.code(), "provider_auth", "{e}");
        assert!(e.to_string().contains(suggested), "{e}");
    }
}

#[tokio::test]
async fn signzy_contract_status_follows_signers() {
    let sb = start(SandboxConfig::default()).await;
    let client = Signzy::new(&sb.base_url(), secret(demo_credentials().signzy_token), fast());
    let before = client.pull_data(demo::CONTRACT_HALF_SIGNED, false).await.unwrap();
    assert!(!before.completed());
    reqwest::Client::new()
        .post(format!("{}/_sandbox/signzy/{}/signers/{}/sign", sb.base_url(), demo::CONTRACT_HALF_SIGNED, demo::CONTRACT_SIGNER_PENDING))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let after = client.pull_data(demo::CONTRACT_HALF_SIGNED, false).await.unwrap();
    assert!(after.completed(), "{after:?}");
    assert_eq!(Signzy::new(&sb.base_url(), secret("nope"), fast()).pull_data("x", false).await.unwrap_err().code(), "provider_auth");
}

#[tokio::test]
async fn faults_give_a_retry_for_reads_and_outcome_unknown_for_writes() {
    let sb = start(SandboxConfig::default()).await;
    let client = kpay(&sb, demo_credentials().kpay_password);
    let ask = |guid: &str| PaymentRequest { invoice_guid: guid.into(), send_as_email: true, ..Default::default() };

    // 500 before the handler: a read is retried to the limit; a write is not resent.
    sb.set_faults(Faults { error_rate: 1.0, ..Default::default() });
    assert!(client.get_signature_request("7d1f1d2e-0000-4000-8000-000000000001").await.is_err());
    assert_eq!(requests_to(&sb, "/spiRequests/7d1f1d2e"), HttpConfig::default().max_attempts as usize);
    let guid = "7d1f1d2e-0000-4000-8000-0000000000a1";
    // A 500 does not say whether the provider acted: unknown, not "failed, send again".
    let e = client.send_payment_request(demo::DEPARTMENT_SERVICE, &ask(guid), "op-500").await.unwrap_err();
    assert!(matches!(&e, ProviderError::OutcomeUnknown { operation_key, reason, .. } if operation_key == "op-500" && reason.contains("500")), "{e:?}");
    assert_eq!(sb.journal().iter().filter(|e| e.body.contains(guid)).count(), 1);

    // Dropped after the provider acted: unknown, and sent exactly once.
    sb.set_faults(Faults { drop_after_rate: 1.0, ..Default::default() });
    let guid = "7d1f1d2e-0000-4000-8000-0000000000a2";
    let e = client.send_payment_request(demo::DEPARTMENT_SERVICE, &ask(guid), "op-x").await.unwrap_err();
    assert!(matches!(&e, ProviderError::OutcomeUnknown { operation_key, .. } if operation_key == "op-x"), "{e:?}");
    assert_eq!(sb.journal().iter().filter(|e| e.body.contains(guid)).count(), 1);

    // Dropped before it acted: the client cannot tell, so a write is still unknown...
    sb.set_faults(Faults { drop_before_rate: 1.0, ..Default::default() });
    let guid = "7d1f1d2e-0000-4000-8000-0000000000a3";
    assert_eq!(client.send_payment_request(demo::DEPARTMENT_SERVICE, &ask(guid), "op").await.unwrap_err().code(), "outcome_unknown");
    assert_eq!(sb.journal().iter().filter(|e| e.body.contains(guid)).count(), 1);

    // ...while a read recovers once the fault clears (here: after one drop).
    sb.set_faults(Faults { drop_before_rate: 0.5, seed: Some(7), ..Default::default() });
    let signzy = Signzy::new(&sb.base_url(), secret(demo_credentials().signzy_token), fast());
    let mut recovered = 0;
    for _ in 0..5 {
        if signzy.pull_data(demo::CONTRACT_HALF_SIGNED, false).await.is_ok() {
            recovered += 1;
        }
    }
    assert!(recovered >= 4, "reads should ride out dropped connections ({recovered}/5)");

    // A provider that stops answering: a write times out as unknown.
    sb.set_faults(Faults { hang: true, ..Default::default() });
    let guid = "7d1f1d2e-0000-4000-8000-0000000000a4";
    assert_eq!(client.send_payment_request(demo::DEPARTMENT_SERVICE, &ask(guid), "op").await.unwrap_err().code(), "outcome_unknown");
}

#[tokio::test]
async fn a_skewed_clock_is_named_in_the_error() {
    let sb = start(SandboxConfig::default()).await;
    // The provider's clock is ten minutes ahead of ours: our timestamps look stale.
    sb.set_faults(Faults { clock_offset_secs: 600, ..Default::default() });
    let creds = demo_credentials();
    let dp = DollarPe::new(&sb.base_url(), secret(creds.dollarpe_api_key), secret(creds.dollarpe_api_secret), JsonStyle::Python, fast());
    let e = dp.kyc_configuration(demo::CUSTOMER_NEW).await.unwrap_err();
    match &e {
        ProviderError::Unauthorized { clock_skew_secs: Some(s), .. } => assert!((590..=610).contains(s), "{s}"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("behind the provider's"), "{e}");
    let qi = qitech(&sb, creds.qitech_private_key_pem, false).events().await.unwrap_err();
    assert!(qi.to_string().contains("Your clock is"), "{qi}");
}

#[tokio::test]
async fn qitech_upload_and_signzy_initiate() {
    let sb = start(SandboxConfig::default()).await;
    let creds = demo_credentials();
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n";
    let uploaded = qitech(&sb, creds.qitech_private_key_pem, true).upload("contrato.pdf", "application/pdf", pdf, "op-up").await.unwrap();
    assert!(uploaded["document_key"].as_str().is_some_and(|k| !k.is_empty()), "{uploaded}");
    assert_eq!(uploaded["document_md5"], signet_providers::jws::md5_hex(pdf));

    use base64::Engine;
    let signzy = Signzy::new(&sb.base_url(), secret(creds.signzy_token), fast());
    let body = signet_providers::signzy::InitiateContract {
        contract_name: "Loan LN-9".into(),
        contract_executer_name: "Demo Lending".into(),
        contract_ttl: "7".into(),
        initial_contract: base64::engine::general_purpose::STANDARD.encode(pdf),
        signers: vec![signet_providers::signzy::NewSigner {
            signer_name: "Asha Rao".into(),
            signer_email: "asha@example.com".into(),
            signer_mobile: "9876543210".into(),
            signature_type: "AADHAAR".into(),
        }],
        callback_url: None,
    };
    let started = signzy.initiate(&body, "op-in").await.unwrap();
    assert_eq!(started.signerdetail.len(), 1);
    let status = signzy.pull_data(&started.contract_id, false).await.unwrap();
    assert_eq!((status.initial_signer_count.as_deref(), status.completed()), (Some("1"), false));
}

#[tokio::test]
async fn leegality_request_followed_to_signed_and_downloaded() {
    use signet_providers::leegality::{CreateRequest, DocumentFile, FileKind, Invitee, Leegality};
    let sb = start(SandboxConfig::default()).await;
    let client = Leegality::new(&sb.base_url(), secret(demo_credentials().leegality_token), fast());
    let pdf = b"%PDF-1.4\n% loan\n%%EOF\n";
    let body = CreateRequest {
        profile_id: demo::LEEGALITY_WORKFLOW.into(),
        file: DocumentFile::pdf("Loan.pdf", pdf),
        invitees: vec![Invitee { name: "Asha".into(), email: Some("asha@example.com".into()), phone: None }],
        irn: "op-l1".into(),
    };
    let created = client.create(&body, "op-l1").await.unwrap();
    assert!(!client.status(&created.document_id).await.unwrap().completed());
    reqwest::Client::new()
        .post(format!("{}/_sandbox/leegality/{}/invitees/0/sign", sb.base_url(), created.document_id))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    assert!(client.status(&created.document_id).await.unwrap().completed());
    let signed = client.fetch(&created.document_id, FileKind::Document).await.unwrap();
    assert!(signed.starts_with(pdf) && signed.len() > pdf.len(), "the signed copy is the original with its signatures");
    assert!(client.fetch(&created.document_id, FileKind::AuditTrail).await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(client.search("op-l1").await.unwrap()[0].document_id, created.document_id);
    assert_eq!(client.test_connection().await.unwrap(), 1);
    // Another workflow does not exist: Leegality's own refusal, with HTTP 200.
    let e = client.create(&CreateRequest { profile_id: "WRONG".into(), ..body }, "op-l2").await.unwrap_err();
    assert!(matches!(e, ProviderError::Rejected(ref r) if r.code == "profile.id.invalid"), "{e:?}");
    let stranger = Leegality::new(&sb.base_url(), secret("wrong"), fast());
    assert_eq!(stranger.test_connection().await.unwrap_err().code(), "provider_auth");
}
