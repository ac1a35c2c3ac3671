//! Provider operations from the command line. Inputs are checked before anything
//! is sent; each write gets an operation key that an "outcome unknown" reports.

use serde_json::{json, Value};
use signet_core::catalog::ProviderId;
use signet_core::{clients, contracts, kyc, leegality, optin, payments, signatures, validate, CoreError};
use signet_providers::kpay::PaymentRequest;
use signet_providers::leegality::FileKind;
use signet_providers::signzy::NewSigner;
use signet_providers::HttpConfig;

use crate::cli::{KycCmd, LeegalityCmd, OptinCmd, OutboxCmd, PaymentCmd, SandboxCmd, SignatureCmd, SignzyCmd};
use crate::context::Context;
use crate::output::Output;

pub async fn payment_request(ctx: &Context, cmd: PaymentCmd, out: &Output) -> Result<Value, CoreError> {
    let a = match cmd {
        PaymentCmd::Status { invoice } => return Ok(json!(ctx.with_store(|s| payments::history(s, &invoice))?)),
        PaymentCmd::Bulk { file, concurrency, results } => return crate::bulk_cmd::run(ctx, &file, concurrency, results, out).await,
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
    // `--again` here, or the global `--send-again`, is the same deliberate choice.
    let choice = signet_core::outbox::SendChoice { again: a.again || ctx.choice().again, ..ctx.choice() };
    let sent = payments::send(ctx.db(), &client, &ctx.profile.id, &a.department, &request, choice).await?;
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
            let sent = signatures::capture(ctx.db(), &client, &ctx.profile.id, &spi_request_uuid, &url, ctx.choice()).await?;
            let reply = sent.reply;
            Ok(json!({
                "operationKey": sent.operation_key,
                "status": reply.status,
                "requestUUID": reply.request_uuid,
                "error": reply.error,
                "warnings": reply.warnings,
            }))
        }
    }
}

pub async fn outbox(ctx: &Context, cmd: OutboxCmd) -> Result<Value, CoreError> {
    let OutboxCmd::Retry { now } = cmd;
    if now {
        ctx.with_store(signet_core::outbox::retry_all_now)?;
    }
    let pass = signet_core::retry::run_due(ctx.db(), &|profile_id, provider| ctx.access_for(profile_id, provider)).await?;
    Ok(json!(pass))
}

pub async fn kyc(ctx: &Context, cmd: KycCmd, out: &Output) -> Result<Value, CoreError> {
    match cmd {
        KycCmd::Config { customer_id } => {
            let customer = validate::required("customer_id", &customer_id)?;
            let client = clients::dollarpe(&ctx.access(ProviderId::Dollarpe)?, HttpConfig::default())?;
            Ok(client.kyc_configuration(&customer).await?)
        }
        KycCmd::Update(a) => {
            let input = document_input(a.document, a.front, a.back);
            kyc::check(&input)?;
            let client = clients::dollarpe(&ctx.access(ProviderId::Dollarpe)?, HttpConfig::default())?;
            let (key, done) = kyc::update(ctx.db(), &client, &ctx.profile.id, &input, ctx.choice()).await?;
            Ok(json!({"operationKey": key, "id": done.id, "status": done.status}))
        }
        KycCmd::Upload(a) => {
            let read = |p: &std::path::Path| -> Result<kyc::DocumentFile, CoreError> {
                let bytes = std::fs::read(p).map_err(|source| CoreError::Io { context: format!("cannot read {}", p.display()), source })?;
                Ok(kyc::DocumentFile { name: p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(), bytes })
            };
            let front = read(&a.front)?;
            let back = a.back.as_deref().map(read).transpose()?;
            // The links are made by the upload.
            let input = document_input(a.document, String::new(), None);
            let access = ctx.access(ProviderId::Dollarpe)?;
            let client = clients::dollarpe(&access, HttpConfig::default())?;
            let host = signet_core::hosting::DocumentHost::for_profile(&ctx.profile.id, Some(ctx.sandbox_url()), &access)?;
            let limits = signet_core::kyc_files::FileLimits::for_profile(&access);
            let sent =
                kyc::submit_files(ctx.db(), &client, &host, &ctx.profile.id, &input, front, back, &limits, ctx.choice(), |step| out.note(&step.to_string()))
                    .await?;
            Ok(json!(sent))
        }
    }
}

fn document_input(d: crate::cli::KycDocument, front_url: String, back_url: Option<String>) -> kyc::DocumentInput {
    kyc::DocumentInput {
        customer_id: d.customer,
        document_type: d.document_type,
        full_address: d.address,
        document_number: d.number,
        front_url,
        back_url,
        additional_data: d.data.into_iter().collect(),
    }
}

pub async fn optin(ctx: &Context, cmd: OptinCmd) -> Result<Value, CoreError> {
    let OptinCmd::Submit(a) = cmd;
    let contract = signet_core::contract::load(&a.contract)?;
    let signer =
        optin::SignerInput { name: a.name, email: a.email, phone_country: a.phone_country, phone_area: a.phone_area, phone_number: a.phone_number, cpf: a.cpf };
    let now = time::OffsetDateTime::now_utc();
    let at = optin::Circumstances {
        session_id: a.session_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        accepted_at: now,
        opened_at: now,
        // A terminal is no signer's screen: the evidence says the reading was not tracked.
        scrolled_to_end: false,
        reading_view: None,
        public_ip: a.ip,
        local_ip: None,
        local_port: None,
        geolocation: match (a.latitude, a.longitude) {
            (Some(latitude), Some(longitude)) => Some(signet_core::evidence::Geolocation { latitude, longitude }),
            (None, None) => None,
            _ => return Err(CoreError::invalid("geolocation", "Give both --latitude and --longitude, or neither.")),
        },
        consent: optin::consent("pt-BR"),
        operator: optin::operator(&ctx.profile.id, &ctx.profile.name),
    };
    let acceptance = optin::Acceptance {
        raw_text: contract.text.clone(),
        ip_address: at.public_ip.clone(),
        session_id: at.session_id.clone(),
        accepted_at: now,
        geolocation: at.geolocation.clone(),
    };
    optin::check(&a.debt, &signer, &acceptance)?;
    let client = clients::qitech(&ctx.access(ProviderId::Qitech)?, HttpConfig::default())?;
    let signing_key = ctx.with_evidence_key(|_, k| Ok(k.clone()))?;
    let sent = optin::submit(ctx.db(), &signing_key, &client, &ctx.profile.id, &a.debt, &signer, &contract, &at).await?;
    Ok(json!(sent))
}

pub async fn signzy(ctx: &Context, cmd: SignzyCmd) -> Result<Value, CoreError> {
    match cmd {
        SignzyCmd::Refresh { contract_id } => {
            let id = validate::required("contract_id", &contract_id)?;
            let client = clients::signzy(&ctx.access(ProviderId::Signzy)?, HttpConfig::default())?;
            Ok(json!(client.pull_data(&id, false).await?))
        }
        SignzyCmd::Initiate(a) => {
            let pdf = std::fs::read(&a.pdf).map_err(|source| CoreError::Io { context: format!("cannot read {}", a.pdf.display()), source })?;
            let signers = a.signers.iter().map(|s| parse_signer(s)).collect::<Result<Vec<_>, _>>()?;
            let client = clients::signzy(&ctx.access(ProviderId::Signzy)?, HttpConfig::default())?;
            let (key, started) = contracts::initiate(ctx.db(), &client, &ctx.profile.id, &a.name, &a.executer, &pdf, signers, a.ttl_days, ctx.choice()).await?;
            Ok(json!({ "operationKey": key, "contractId": started.contract_id, "signerdetail": started.signerdetail }))
        }
    }
}

/// The command line's `Name|email|mobile[|signatureType]` form of a signer.
pub async fn leegality(ctx: &Context, cmd: LeegalityCmd) -> Result<Value, CoreError> {
    let access = ctx.access(ProviderId::Leegality)?;
    let client = clients::leegality(&access, HttpConfig::default())?;
    match cmd {
        LeegalityCmd::Initiate(a) => {
            let pdf = std::fs::read(&a.pdf).map_err(|source| CoreError::Io { context: format!("cannot read {}", a.pdf.display()), source })?;
            let invitees = a.invitees.iter().map(|i| parse_invitee(i)).collect::<Result<Vec<_>, _>>()?;
            let workflow = access.value("profile_id").unwrap_or_default().to_string();
            let (key, created) = leegality::initiate(ctx.db(), &client, &ctx.profile.id, &workflow, &a.name, &pdf, invitees, ctx.choice()).await?;
            Ok(json!({ "operationKey": key, "documentId": created.document_id, "invitees": created.invitees, "messages": created.messages }))
        }
        LeegalityCmd::Refresh { document_id } => {
            let status = leegality::status(&client, &document_id).await?;
            let invitees: Vec<Value> = status.requests.iter().map(|r| json!({ "name": r.name, "state": r.state(), "signUrl": r.sign_url })).collect();
            Ok(json!({ "documentId": status.document_id, "completed": status.completed(), "invitees": invitees }))
        }
        LeegalityCmd::Download { document_id, out, audit_trail } => {
            let kind = if audit_trail { FileKind::AuditTrail } else { FileKind::Document };
            let dir = tempfile_dir_of(&out)?;
            let kept = leegality::download(&client, &dir, &document_id, kind).await?;
            std::fs::copy(&kept.path, &out).map_err(|source| CoreError::Io { context: format!("cannot write {}", out.display()), source })?;
            let _ = std::fs::remove_dir_all(dir.join(signet_core::signed_documents::FOLDER));
            Ok(json!({ "documentId": document_id, "written": out.display().to_string(), "bytes": kept.bytes, "sha256": kept.sha256 }))
        }
    }
}

/// The folder `out` will be written in: the download is kept there first.
fn tempfile_dir_of(out: &std::path::Path) -> Result<std::path::PathBuf, CoreError> {
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).map(std::path::Path::to_path_buf).unwrap_or_else(|| std::path::PathBuf::from("."));
    Ok(dir.join(format!(".signet-download-{}", std::process::id())))
}

fn parse_invitee(s: &str) -> Result<signet_providers::leegality::Invitee, CoreError> {
    let parts: Vec<&str> = s.split('|').map(str::trim).collect();
    match parts.as_slice() {
        [name, email, phone] => leegality::new_invitee(name, email, phone),
        [name, email] => leegality::new_invitee(name, email, ""),
        _ => Err(CoreError::invalid("invitee", format!("\"{s}\" should be \"Name|email|phone\" (leave email or phone empty, not both)."))),
    }
}

/// "Test connection" from a terminal: exit 0 when the provider accepts the profile's credentials.
pub async fn test_connection(ctx: &Context, provider: &str) -> Result<Value, CoreError> {
    let provider = ProviderId::parse(provider.trim()).ok_or_else(|| CoreError::invalid("provider", "Give mykaarma, dollarpe, qitech, signzy or leegality."))?;
    let desk_id = ctx.with_store(|s| s.desk_id())?;
    match signet_core::connection::probe(&ctx.access(provider)?, &desk_id).await? {
        signet_core::connection::Probe::Accepted(message) => Ok(json!({ "ok": true, "message": message })),
        signet_core::connection::Probe::Refused(e) => Err(e),
    }
}

fn parse_signer(s: &str) -> Result<NewSigner, CoreError> {
    let parts: Vec<&str> = s.split('|').map(str::trim).collect();
    match parts.as_slice() {
        [name, email, mobile, rest @ ..] if rest.len() <= 1 => contracts::new_signer(name, email, mobile, rest.first().copied()),
        _ => Err(CoreError::invalid("signer", format!("\"{s}\" should be \"Name|email|mobile\" or \"Name|email|mobile|signatureType\"."))),
    }
}

pub async fn sandbox(cmd: SandboxCmd) -> Result<Value, CoreError> {
    let SandboxCmd::Serve { port, latency_ms, error_rate, drop_before_rate, drop_after_rate, qitech_scheme } = cmd;
    for (field, rate) in [("error_rate", error_rate), ("drop_before_rate", drop_before_rate), ("drop_after_rate", drop_after_rate)] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(CoreError::invalid(field, "Give a fraction between 0 and 1."));
        }
    }
    let faults = signet_sandbox::Faults { latency_ms, error_rate, drop_before_rate, drop_after_rate, ..Default::default() };
    let qitech_scheme =
        serde_json::from_value(json!(qitech_scheme)).map_err(|_| CoreError::invalid("qitech_scheme", "Give payload_md5, encoded_body or either."))?;
    let config = signet_sandbox::SandboxConfig { port, faults, qitech_scheme, ..Default::default() };
    let ready = |url: &str| {
        eprintln!("Sandbox serving every provider at {url} (Ctrl-C to stop).");
        eprintln!("Faults: GET/PUT {url}/_sandbox/faults; journal: GET {url}/_sandbox/journal");
    };
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    signet_sandbox::serve(config, ready, stop).await.map_err(|source| CoreError::Io { context: format!("cannot listen on 127.0.0.1:{port}"), source })?;
    Ok(json!({"stopped": true}))
}
