//! The command line's shape.

use clap::{Args, Parser, Subcommand};

const ENV_HELP: &str = "\
ENVIRONMENT (for CI and scripts):
  SIGNET_DATA_DIR                  the data folder (default: the desk's, e.g. ~/.local/share/app.signet.desk)
  SIGNET_PROFILE                   the profile to use (name or id; default: the desk's active profile)
  SIGNET_SANDBOX_URL               where the Sandbox profile finds the Sandbox (default http://127.0.0.1:4780)
  SIGNET_<PROVIDER>_BASE_URL       a base URL the profile lacks; PROVIDER is MYKAARMA, DOLLARPE, QITECH or SIGNZY
  SIGNET_<PROVIDER>_<FIELD>        a setting or secret the profile lacks, e.g. SIGNET_DOLLARPE_API_SECRET,
                                   SIGNET_MYKAARMA_USERNAME, SIGNET_QITECH_PRIVATE_KEY (PEM text)

EXIT CODES:
  0 done   1 local failure (keyring, database, file)   2 invalid input or a duplicate (nothing was sent)
  3 the provider refused (or its answer could not be trusted)   4 outcome unknown (not resent; check first)
  5 the provider could not be reached (nothing was sent)";

#[derive(Parser)]
#[command(name = "signet", version, about = "Signet's desk operations from the command line.", after_help = ENV_HELP)]
pub struct Cli {
    /// Print results and errors as JSON ({code, message, field?} for errors).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Clone)]
pub struct Global {
    /// Profile name or id (default: the desk's active profile).
    #[arg(long, global = true, env = "SIGNET_PROFILE")]
    pub profile: Option<String>,
    /// The running Sandbox, for the Sandbox profile.
    #[arg(long, global = true, env = "SIGNET_SANDBOX_URL", default_value = "http://127.0.0.1:4780")]
    pub sandbox_url: String,
    /// Team mode: send even though another desk already sent it (shown the earlier
    /// send, and recorded as deliberate).
    #[arg(long = "send-again", global = true)]
    pub send_again: bool,
    /// Team mode: send without the team check while the team store cannot be
    /// reached (recorded, and shown to the team once it is back).
    #[arg(long, global = true)]
    pub unchecked: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// List, create, use and show profiles.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Set, delete or check secrets in the OS keyring.
    #[command(subcommand)]
    Secret(SecretCmd),
    /// myKaarma (KPay) payment requests.
    #[command(subcommand, name = "payment-request")]
    PaymentRequest(PaymentCmd),
    /// myKaarma e-signature requests.
    #[command(subcommand)]
    Signature(SignatureCmd),
    /// DollarPe KYC documents.
    #[command(subcommand)]
    Kyc(KycCmd),
    /// QI Tech opt-in contract signatures.
    #[command(subcommand)]
    Optin(OptinCmd),
    /// Signzy contracts.
    #[command(subcommand)]
    Signzy(SignzyCmd),
    /// Leegality signing requests: start one from a PDF, follow it, download the signed PDF.
    #[command(subcommand)]
    Leegality(LeegalityCmd),
    /// Team mode: the team store (PostgreSQL) desks share. IT sets it up (init,
    /// member); desks push their history (sync) and read the team's (activity).
    #[command(subcommand)]
    Team(TeamCmd),
    /// Operations recorded before sending: send again what waited for the network.
    #[command(subcommand)]
    Outbox(OutboxCmd),
    /// The opt-in evidence ledger: verify it, find a signature, export or check a dossier.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// Run the local Sandbox of every provider.
    #[command(subcommand)]
    Sandbox(SandboxCmd),
    /// Print the completion script for a shell (packages install them; for a
    /// checkout: `signet completions bash > ~/.local/share/bash-completion/completions/signet`).
    Completions { shell: clap_complete::Shell },
    /// Write the manual pages (signet and each subcommand, and signet-desk) into a folder.
    #[command(hide = true)]
    Manual {
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum EvidenceCmd {
    /// Verify every record, the signed head and every kept file. Exit code 6 if
    /// anything was altered, removed or reordered (each problem with its position).
    /// With --archive, check the profile's evidence archive instead: every local
    /// record there unchanged, the archived chain, checkpoints and dossiers intact.
    Verify {
        #[arg(long)]
        archive: bool,
        /// The installation's public key (base64), when checking from another machine.
        #[arg(long, requires = "archive")]
        public_key: Option<String>,
    },
    /// Write to the profile's evidence archive (S3 Object Lock) whatever it lacks.
    /// The desk does this by itself; this is for a desk that was offline.
    Archive,
    /// Rebuild a ledger from the evidence archive alone, into a new data folder
    /// (then `SIGNET_DATA_DIR=OUT signet evidence verify` checks it).
    Rebuild {
        #[arg(long)]
        out: std::path::PathBuf,
        /// The installation's public key (base64); default: this installation's.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// The records about a session id, a debt key or a CPF.
    Find { key: String },
    /// Write a signature session's dossier (a zip signed with this installation's key).
    Export {
        session_id: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Check a dossier offline. Exit code 6 if it does not hold.
    Check {
        dossier: std::path::PathBuf,
        /// The installation's public key (base64) it must be signed with.
        #[arg(long)]
        public_key: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum OutboxCmd {
    /// Send the operations that could not reach their provider and whose next try is
    /// due (the desk does this by itself while it is open).
    Retry {
        /// Try every waiting operation now, not only those that are due.
        #[arg(long)]
        now: bool,
    },
}

#[derive(Subcommand)]
pub enum ProfileCmd {
    List,
    Create {
        name: String,
    },
    /// Make a profile the active one (the desk follows).
    Use {
        profile: String,
    },
    Show {
        profile: Option<String>,
    },
    /// Set a provider's base URL and settings in the active profile, as the desk's
    /// Settings does (checked the same way). Secrets go through `signet secret set`.
    Configure {
        /// mykaarma, dollarpe, qitech, signzy or leegality.
        #[arg(long)]
        provider: String,
        /// https://... (plain http only for this machine).
        #[arg(long)]
        base_url: String,
        /// A setting as key=value, e.g. --set username=desk; repeat for more.
        #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
        values: Vec<(String, String)>,
    },
    /// One harmless call to a provider with the profile's settings and credentials
    /// ("Test connection"): exit 0 if they work.
    Test {
        /// mykaarma, dollarpe, qitech, signzy or leegality.
        #[arg(long)]
        provider: String,
    },
}

#[derive(Subcommand)]
pub enum SecretCmd {
    /// Reads the value from standard input (typed without echo on a terminal).
    Set(SecretRefArgs),
    Delete(SecretRefArgs),
    /// Which secrets the profile has in the keyring (never their values).
    Status,
}

#[derive(Args)]
pub struct SecretRefArgs {
    /// mykaarma, dollarpe, qitech or signzy.
    #[arg(long)]
    pub provider: String,
    /// e.g. password, api_key, api_secret, api_client_key, private_key, access_token.
    #[arg(long)]
    pub field: String,
}

#[derive(Subcommand)]
pub enum PaymentCmd {
    Send(SendPayment),
    /// What was sent for an invoice, newest first, from this computer's records
    /// (myKaarma has no read for payment requests).
    Status {
        /// The invoice GUID.
        invoice: String,
    },
    /// Send a CSV file of payment requests (columns: department, invoice, options such
    /// as "text email esign"). Every row is checked first; running the same file again
    /// resumes where it stopped, never sending a row twice.
    Bulk {
        file: std::path::PathBuf,
        /// Rows sent at the same time (1 to 32).
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Where to write the per-row results (default: FILE.results.csv).
        #[arg(long)]
        results: Option<std::path::PathBuf>,
    },
}

#[derive(Args)]
pub struct SendPayment {
    #[arg(long)]
    pub department: String,
    #[arg(long)]
    pub invoice: String,
    /// Send the link by text message.
    #[arg(long)]
    pub text: bool,
    /// Send the link by email.
    #[arg(long)]
    pub email: bool,
    #[arg(long)]
    pub attach_invoice: bool,
    /// Ask the customer for an e-signature.
    #[arg(long)]
    pub esign: bool,
    #[arg(long)]
    pub without_kpay: bool,
    /// Send even though this invoice already has a payment request (sent, in flight
    /// or of unknown outcome). Check the earlier one first: `payment-request status`.
    #[arg(long)]
    pub again: bool,
}

#[derive(Subcommand)]
pub enum SignatureCmd {
    Get {
        spi_request_uuid: String,
    },
    Capture {
        spi_request_uuid: String,
        /// The signed document's https URL.
        #[arg(long)]
        url: String,
    },
}

#[derive(Subcommand)]
pub enum KycCmd {
    Config {
        customer_id: String,
    },
    /// Send document links you host yourself.
    Update(KycUpdate),
    /// Check the document files, upload them to the profile's bucket (or the
    /// Sandbox), and send the update with their links.
    Upload(KycUpload),
}

#[derive(Args)]
pub struct KycUpload {
    #[command(flatten)]
    pub document: KycDocument,
    /// The front: a JPG, PNG or PDF file.
    #[arg(long)]
    pub front: std::path::PathBuf,
    #[arg(long)]
    pub back: Option<std::path::PathBuf>,
}

#[derive(Args)]
pub struct KycUpdate {
    #[command(flatten)]
    pub document: KycDocument,
    /// URL of the document's front image (JPG, PNG or PDF).
    #[arg(long)]
    pub front: String,
    #[arg(long)]
    pub back: Option<String>,
}

/// What an update says about the document, whether its files are links or local.
#[derive(Args)]
pub struct KycDocument {
    #[arg(long)]
    pub customer: String,
    #[arg(long = "type")]
    pub document_type: String,
    #[arg(long)]
    pub address: String,
    #[arg(long)]
    pub number: String,
    /// Additional data as key=value, repeatable.
    #[arg(long = "data", value_parser = parse_key_value)]
    pub data: Vec<(String, String)>,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or_else(|| format!("\"{s}\" is not key=value"))
}

#[derive(Subcommand)]
pub enum OptinCmd {
    Submit(OptinSubmit),
}

#[derive(Args)]
pub struct OptinSubmit {
    #[arg(long)]
    pub debt: String,
    /// The contract the signer accepted: a PDF (its text is extracted) or a UTF-8
    /// text file. The evidence ledger keeps both the file and the text.
    #[arg(long, alias = "text-file")]
    pub contract: std::path::PathBuf,
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    /// Country code, 3 digits.
    #[arg(long, default_value = "055")]
    pub phone_country: String,
    /// Area code, 2 digits.
    #[arg(long)]
    pub phone_area: String,
    /// Up to 10 digits.
    #[arg(long)]
    pub phone_number: String,
    #[arg(long)]
    pub cpf: String,
    /// The public IP address the acceptance came from.
    #[arg(long)]
    pub ip: String,
    /// The signing session (UUID); a new one is made if absent.
    #[arg(long)]
    pub session_id: Option<String>,
    /// Where the signer accepted, when they agreed to share it (with --longitude).
    #[arg(long, allow_hyphen_values = true)]
    pub latitude: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    pub longitude: Option<f64>,
}

#[derive(Subcommand)]
pub enum TeamCmd {
    /// Creates or migrates the team store's schema (as its owner). The password is
    /// read from SIGNET_TEAM_ADMIN_PASSWORD, or asked for without echo.
    Init(TeamAdmin),
    /// Adds (or moves) a member: an existing login role, its branch, and whether it
    /// is a supervisor (sees every branch).
    Member {
        #[command(flatten)]
        admin: TeamAdmin,
        #[arg(long)]
        role: String,
        #[arg(long)]
        branch: String,
        #[arg(long)]
        supervisor: bool,
    },
    /// Who this desk is in the team, and what is not pushed yet.
    Status,
    /// Pushes everything not yet in the team store.
    Sync {
        /// Push this desk's whole history again, as after the team store was
        /// restored from a backup older than the desk's last push.
        #[arg(long)]
        all: bool,
    },
    /// The team's operations this desk may see, newest first.
    Activity {
        #[arg(long)]
        branch: Option<String>,
        #[arg(long)]
        desk: Option<String>,
        #[arg(long)]
        operator: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Args)]
pub struct TeamAdmin {
    /// The owner's address, e.g. postgresql://signet_admin@db.example.com:5432/signet.
    #[arg(long)]
    pub url: String,
    /// The CA of the server's certificate (PEM), if not a public one.
    #[arg(long)]
    pub ca_file: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
pub enum LeegalityCmd {
    /// Send a PDF to the profile's Leegality workflow for its invitees.
    Initiate(LeegalityInitiate),
    /// Each invitee's state.
    Refresh { document_id: String },
    /// Save the signed PDF (or the audit trail) of a completed document.
    Download {
        document_id: String,
        /// Where to write the PDF.
        #[arg(long)]
        out: std::path::PathBuf,
        /// The audit trail instead of the signed document.
        #[arg(long)]
        audit_trail: bool,
    },
}

#[derive(Args)]
pub struct LeegalityInitiate {
    /// The document's name as invitees see it.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub pdf: std::path::PathBuf,
    /// "Name|email|phone" (email or 10-digit phone may be empty), repeatable.
    #[arg(long = "invitee", required = true)]
    pub invitees: Vec<String>,
}

#[derive(Subcommand)]
pub enum SignzyCmd {
    Initiate(SignzyInitiate),
    Refresh { contract_id: String },
}

#[derive(Args)]
pub struct SignzyInitiate {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub executer: String,
    #[arg(long)]
    pub pdf: std::path::PathBuf,
    /// "Name|email|mobile[|signatureType]", repeatable.
    #[arg(long = "signer", required = true)]
    pub signers: Vec<String>,
    /// Days the contract stays open.
    #[arg(long, default_value = "7")]
    pub ttl_days: u32,
}

#[derive(Subcommand)]
pub enum SandboxCmd {
    /// Serve every provider's API on 127.0.0.1 until interrupted.
    Serve {
        #[arg(long, default_value_t = 4780)]
        port: u16,
        /// Add this much latency to every provider call.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Fraction of calls answered 500 without being processed (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        error_rate: f64,
        /// Fraction of connections dropped before processing (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        drop_before_rate: f64,
        /// Fraction of connections dropped after processing (0 to 1).
        #[arg(long, default_value_t = 0.0)]
        drop_after_rate: f64,
        /// The QI Tech signing scheme requests must use: payload_md5, encoded_body or either.
        #[arg(long, default_value = "either", value_parser = ["payload_md5", "encoded_body", "either"])]
        qitech_scheme: String,
    },
}
