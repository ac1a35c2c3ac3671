//! Provider operations from the command line. Inputs are checked before anything
//! is sent; each write gets an operation key that an "outcome unknown" reports.

use base64::Engine;
use serde_json::{json, Value};
use signet_core::catalog::ProviderId;
use signet_core::{clients, outbox, payments, validate, CoreError};
use signet_providers::dollarpe::{DocumentDetails, UpdateDocumentInfo};
use signet_providers::kpay::PaymentRequest;
use signet_providers::qitech::{Authenticity, DataSignature, Phone, Signer};
use signet_providers::signzy::{InitiateContract, NewSigner};
use signet_providers::HttpConfig;

use crate::cli::{KycCmd, OptinCmd, PaymentCmd, SandboxCmd, SignatureCmd, SignzyCmd};
use crate::context::Context;
use crate::output::Output;

/// Runs a provider write through the outbox: recorded before it is sent, its
/// outcome after. Returns the operation key and the provider's answer.
async fn recorded<T, F, Fut>(ctx: &Context, area: &str, kind: &str, subject: &str, request: Value, send: F) -> Result<(String, T), CoreError>
where
    T: serde::Serialize,
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, signet_providers::ProviderError>>,
{
    let op = outbox::NewOperation { area, kind, profile_id: &ctx.profile.id, subject, request };
    outbox::run(ctx.db(), op, send).await
}

pub async fn payment_request(ctx: &Context, cmd: PaymentCmd, out: &Output) -> Result<Value, CoreError> {
    let a = match cmd {
        PaymentCmd::Status { invoice } => return Ok(json!(ctx.with_store(|s| payments::history(s, &invoice))?)),
        PaymentCmd::Send(a) => a,
    };
    let request = PaymentRequest {
        invoice_guid: a.invoice,
        send_without_kpay: a.without_kpay,
        attach_invoice: a.attach_invoice,
        send_as_text: a.text,
        send_as_email: a.email,
        esign_required: a.esign,
    };
    payments::check(&a.department, &request)?;
    let client = clients::kpay(&ctx.access(ProviderId::Mykaarma)?, HttpConfig::default())?;
    out.note(&format!("Sending the payment request for invoice {}...", request.invoice_guid));
    let sent = payments::send(ctx.db(), &client, &ctx.profile.id, &a.department, &request).await?;
    let outcome = if sent.failed_channels.is_empty() {
        "sent".to_string()
    } else {
        format!("link created, but sending by {} failed: share the payment link another way", sent.failed_channels.join(" and "))
    };
    let reply = sent.reply;
    Ok(json!({
        "outcome": outcome,
        "operationKey": sent.operation_key,
        "paymentLink": reply.payment_link,
        "invoiceLink": reply.invoice_link,
        "textSent": reply.text_sent,
        "emailSent": reply.email_sent,
        "warnings": reply.warnings,
        "errors": reply.errors,
    }))
}

pub async fn signature(ctx: &Context, cmd: SignatureCmd) -> Result<Value, CoreError> {
    let client = clients::kpay(&ctx.access(ProviderId::Mykaarma)?, HttpConfig::default())?;
    match cmd {
        SignatureCmd::Get { spi_request_uuid } => {
            let spi = validate::uuid("spi_request_uuid", &spi_request_uuid)?;
            Ok(json!(client.get_signature_request(&spi).await?))
        }
        SignatureCmd::Capture { spi_request_uuid, url } => {
            let spi = validate::uuid("spi_request_uuid", &spi_request_uuid)?;
            let url = validate::document_url("url", &url)?;
            let request = json!({ "spiRequestUUID": spi, "signedDocumentUrl": url });
            let (key, reply) = recorded(ctx, "signatures", "signature.capture", &spi, request, |key| {
                let (client, spi, url) = (&client, &spi, &url);
                async move { client.capture_signature(spi, url, &key).await }
            })
            .await?;
            Ok(json!({ "operationKey": key, "status": reply.status, "requestUUID": reply.request_uuid, "warnings": reply.warnings }))
        }
    }
}

pub async fn kyc(ctx: &Context, cmd: KycCmd) -> Result<Value, CoreError> {
    let client = clients::dollarpe(&ctx.access(ProviderId::Dollarpe)?, HttpConfig::default())?;
    match cmd {
        KycCmd::Config { customer_id } => Ok(client.kyc_configuration(&non_empty("customer_id", &customer_id)?).await?),
        KycCmd::Update(a) => {
            let required = |field: &str, v: &str| {
                if v.trim().is_empty() { Err(CoreError::invalid(field, format!("--{field} cannot be empty."))) } else { Ok(v.trim().to_string()) }
            };
            let body = UpdateDocumentInfo {
                customer_id: required("customer", &a.customer)?,
                full_address: required("address", &a.address)?,
                document_type: required("type", &a.document_type)?,
                document_front_image_url: validate::document_url("front", &a.front)?,
                document_back_image_url: a.back.as_deref().map(|b| validate::document_url("back", b)).transpose()?,
                document_details: DocumentDetails {
                    document_number: required("number", &a.number)?,
                    additional_data: a.data.into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
                },
            };
            let (key, done) = recorded(ctx, "kyc", "kyc.update_document_info", &body.customer_id, json!(body), |key| {
                let (client, body) = (&client, &body);
                async move { client.update_document_info(body, &key).await }
            })
            .await?;
            Ok(json!({"operationKey": key, "id": done.id, "status": done.status}))
        }
    }
}

pub async fn optin(ctx: &Context, cmd: OptinCmd) -> Result<Value, CoreError> {
    let OptinCmd::Submit(a) = cmd;
    let raw_text = std::fs::read_to_string(&a.text_file)
        .map_err(|source| CoreError::Io { context: format!("cannot read {}", a.text_file.display()), source })?;
    if raw_text.trim().is_empty() {
        return Err(CoreError::invalid("text_file", "The contract text is empty; nothing would be signed."));
    }
    let ip: std::net::IpAddr = a.ip.trim().parse().map_err(|_| CoreError::invalid("ip", "Give the signer's IP address, e.g. 179.104.42.245."))?;
    let session_id = match a.session_id {
        Some(s) => validate::uuid("session_id", &s)?,
        None => uuid::Uuid::new_v4().to_string(),
    };
    let now = time::OffsetDateTime::now_utc();
    let timestamp = now.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).expect("UTC formats");
    let signer = Signer {
        name: non_empty("name", &a.name)?,
        email: non_empty("email", &a.email)?,
        phone: Phone {
            country_code: validate::phone_part("phone_country", &a.phone_country, 3, 3, "055")?,
            area_code: validate::phone_part("phone_area", &a.phone_area, 2, 2, "11")?,
            number: validate::phone_part("phone_number", &a.phone_number, 1, 10, "999999999")?,
        },
        document_number: validate::cpf("cpf", &a.cpf)?,
    };
    let body = DataSignature::opt_in(raw_text, Authenticity { timestamp, ip_address: ip.to_string(), session_id: session_id.clone(), geolocation: None }, signer);
    let client = clients::qitech(&ctx.access(ProviderId::Qitech)?, HttpConfig::default())?;
    let debt = &non_empty("debt", &a.debt)?;
    let (key, got) = recorded(ctx, "optin", "optin.submit", debt, json!(body), |key| {
        let (client, body) = (&client, &body);
        async move { client.submit_signature(debt, body, &key).await }
    })
    .await?;
    Ok(json!({"operationKey": key, "sessionId": session_id, "status": got.status, "key": got.key, "eventDatetime": got.event_datetime}))
}

pub async fn signzy(ctx: &Context, cmd: SignzyCmd) -> Result<Value, CoreError> {
    let client = clients::signzy(&ctx.access(ProviderId::Signzy)?, HttpConfig::default())?;
    match cmd {
        SignzyCmd::Refresh { contract_id } => Ok(json!(client.pull_data(&non_empty("contract_id", &contract_id)?, false).await?)),
        SignzyCmd::Initiate(a) => {
            let pdf = std::fs::read(&a.pdf).map_err(|source| CoreError::Io { context: format!("cannot read {}", a.pdf.display()), source })?;
            if !pdf.starts_with(b"%PDF-") {
                return Err(CoreError::invalid("pdf", format!("{} is not a PDF file.", a.pdf.display())));
            }
            let pdf_len = pdf.len();
            let signers = a.signers.iter().map(|s| parse_signer(s)).collect::<Result<Vec<_>, _>>()?;
            let body = InitiateContract {
                contract_name: non_empty("name", &a.name)?,
                contract_executer_name: non_empty("executer", &a.executer)?,
                contract_ttl: a.ttl_days.to_string(),
                initial_contract: base64::engine::general_purpose::STANDARD.encode(pdf),
                signers,
                callback_url: None,
            };
            // The PDF itself is not copied into the record; its size and name are.
            let summary = json!({ "contractName": body.contract_name, "signers": body.signers, "pdfBytes": pdf_len });
            let (key, started) = recorded(ctx, "signzy", "signzy.initiate", &body.contract_name, summary, |key| {
                let (client, body) = (&client, &body);
                async move { client.initiate(body, &key).await }
            })
            .await?;
            Ok(json!({ "operationKey": key, "contractId": started.contract_id, "signerdetail": started.signerdetail }))
        }
    }
}

fn parse_signer(s: &str) -> Result<NewSigner, CoreError> {
    let parts: Vec<&str> = s.split('|').map(str::trim).collect();
    match parts.as_slice() {
        [name, email, mobile, rest @ ..] if rest.len() <= 1 && !name.is_empty() && email.contains('@') && !mobile.is_empty() => Ok(NewSigner {
            signer_name: name.to_string(),
            signer_email: email.to_string(),
            signer_mobile: mobile.to_string(),
            signature_type: rest.first().map(|t| t.to_string()).unwrap_or_else(|| "AADHAAR".into()),
        }),
        _ => Err(CoreError::invalid("signer", format!("\"{s}\" should be \"Name|email|mobile\" or \"Name|email|mobile|signatureType\"."))),
    }
}

fn non_empty(field: &str, v: &str) -> Result<String, CoreError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(CoreError::invalid(field, format!("--{field} cannot be empty.")));
    }
    Ok(v.to_string())
}

pub async fn sandbox(cmd: SandboxCmd) -> Result<Value, CoreError> {
    let SandboxCmd::Serve { port, latency_ms, error_rate, drop_before_rate, drop_after_rate } = cmd;
    for (field, rate) in [("error_rate", error_rate), ("drop_before_rate", drop_before_rate), ("drop_after_rate", drop_after_rate)] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(CoreError::invalid(field, "Give a fraction between 0 and 1."));
        }
    }
    let faults = signet_sandbox::Faults { latency_ms, error_rate, drop_before_rate, drop_after_rate, ..Default::default() };
    let config = signet_sandbox::SandboxConfig { port, faults, ..Default::default() };
    let ready = |url: &str| {
        eprintln!("Sandbox serving every provider at {url} (Ctrl-C to stop).");
        eprintln!("Faults: GET/PUT {url}/_sandbox/faults; journal: GET {url}/_sandbox/journal");
    };
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    signet_sandbox::serve(config, ready, stop)
        .await
        .map_err(|source| CoreError::Io { context: format!("cannot listen on 127.0.0.1:{port}"), source })?;
    Ok(json!({"stopped": true}))
}
