//! The built `signet` binary against a Sandbox on a random port, over real HTTP,
//! with a throwaway data folder. Exit codes and JSON are what scripts rely on.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use signet_sandbox::{demo, Faults, Sandbox, SandboxConfig};

struct Run {
    code: i32,
    json: Value,
}

fn signet(data: &Path, sandbox: &str, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(args)
        .arg("--json")
        .env("SIGNET_DATA_DIR", data)
        .env("SIGNET_SANDBOX_URL", sandbox)
        .env_remove("SIGNET_PROFILE")
        .output()
        .expect("signet runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr)));
    Run { code: out.status.code().expect("exited"), json }
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { port: 0, ..Default::default() }).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_runs_against_the_sandbox_profile() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let url = sb.base_url();
    let run = |args: &[&str]| signet(dir.path(), &url, args);

    let profiles = run(&["profile", "list"]);
    assert_eq!((profiles.code, profiles.json[0]["name"].as_str(), profiles.json[0]["active"].as_bool()), (0, Some("Sandbox"), Some(true)));

    let sent = run(&["payment-request", "send", "--department", demo::DEPARTMENT_SERVICE, "--invoice", demo::INVOICE_BRAKES, "--text", "--email", "--esign"]);
    assert_eq!(sent.code, 0, "{}", sent.json);
    assert!(sent.json["paymentLink"].as_str().unwrap().starts_with(&url));
    assert_eq!(sent.json["outcome"], "sent");
    // The same invoice again: refused until the operator says --again.
    let again = ["payment-request", "send", "--department", demo::DEPARTMENT_SERVICE, "--invoice", demo::INVOICE_BRAKES, "--email"];
    let dup = run(&again);
    assert_eq!((dup.code, dup.json["code"].as_str()), (2, Some("duplicate")), "{}", dup.json);
    assert_eq!(dup.json["detail"]["key"], sent.json["operationKey"]);
    let mut forced = again.to_vec();
    forced.push("--again");
    assert_eq!(run(&forced).code, 0);
    let posts = sb.journal().iter().filter(|e| e.method == "POST" && e.body.contains(demo::INVOICE_BRAKES)).count();
    assert_eq!(posts, 2, "one send, one refused, one deliberate resend");

    let history = run(&["payment-request", "status", demo::INVOICE_BRAKES]);
    assert_eq!(history.json.as_array().unwrap().len(), 2);
    assert_eq!((history.json[1]["status"].as_str(), history.json[1]["key"].as_str()), (Some("sent"), sent.json["operationKey"].as_str()));
    assert_eq!(history.json[1]["response"]["paymentLink"], sent.json["paymentLink"]);

    let half = run(&["payment-request", "send", "--department", demo::DEPARTMENT_SERVICE, "--invoice", demo::INVOICE_NO_MOBILE, "--text", "--email"]);
    assert_eq!(half.code, 0);
    assert_eq!(half.json["textSent"], "FAILURE");
    assert!(half.json["outcome"].as_str().unwrap().contains("text"), "{}", half.json);

    let config = run(&["kyc", "config", demo::CUSTOMER_NEW]);
    assert_eq!(config.code, 0, "{}", config.json);
    assert!(config.json["document_types"].as_array().is_some_and(|t| !t.is_empty()), "{}", config.json);

    // Opt-in signatures need the OS keyring (the evidence is signed with the
    // installation's key): the end-to-end suite, which has one, runs them.

    let status = run(&["signzy", "refresh", demo::CONTRACT_HALF_SIGNED]);
    assert_eq!(status.code, 0, "{}", status.json);
    assert_eq!(status.json["contractId"], demo::CONTRACT_HALF_SIGNED);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leegality_request_is_started_followed_to_signed_and_downloaded() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let url = sb.base_url();
    let run = |args: &[&str]| signet(dir.path(), &url, args);
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../signet-core/tests/fixtures/contracts/contrato-reportlab.pdf");
    let pdf = pdf.to_str().unwrap();

    let bad = run(&["leegality", "initiate", "--name", "Loan", "--pdf", pdf, "--invitee", "Asha||"]);
    assert_eq!((bad.code, bad.json["field"].as_str()), (2, Some("invitee_email")), "{}", bad.json);
    let started =
        run(&["leegality", "initiate", "--name", "Loan LN-9", "--pdf", pdf, "--invitee", "Asha Rao|asha@example.com|", "--invitee", "Ravi||9876543210"]);
    assert_eq!(started.code, 0, "{}", started.json);
    let id = started.json["documentId"].as_str().unwrap().to_string();
    assert_eq!(started.json["invitees"].as_array().unwrap().len(), 2);
    // The operation key is the irn Leegality keeps: what finds it again.
    let request = sb.journal().into_iter().find(|e| e.path.ends_with("/v3.0/sign/request") && e.method == "POST").unwrap();
    assert!(request.body.contains(started.json["operationKey"].as_str().unwrap()));

    let waiting = run(&["leegality", "refresh", &id]);
    assert_eq!((waiting.json["completed"].as_bool(), waiting.json["invitees"][0]["state"].as_str()), (Some(false), Some("waiting for signature")));
    let out = dir.path().join("signed.pdf");
    for n in 0..2 {
        reqwest::Client::new().post(format!("{url}/_sandbox/leegality/{id}/invitees/{n}/sign")).send().await.unwrap().error_for_status().unwrap();
    }
    let done = run(&["leegality", "refresh", &id]);
    assert_eq!(done.json["completed"], true, "{}", done.json);
    let saved = run(&["leegality", "download", &id, "--out", out.to_str().unwrap()]);
    assert_eq!(saved.code, 0, "{}", saved.json);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"%PDF-") && String::from_utf8_lossy(&bytes).contains("signed through Leegality by Ravi"));
    assert_eq!(saved.json["sha256"].as_str().unwrap().len(), 64);

    // Test connection from a terminal, for a provider of the Sandbox profile.
    let tested = run(&["profile", "test", "--provider", "leegality"]);
    assert_eq!((tested.code, tested.json["ok"].as_bool()), (0, Some(true)), "{}", tested.json);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_have_distinct_exit_codes_and_json_errors() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let url = sb.base_url();
    let run = |args: &[&str]| signet(dir.path(), &url, args);

    // Invalid input: nothing is sent.
    let before = sb.journal().len();
    let bad = run(&["payment-request", "send", "--department", "not-a-uuid", "--invoice", demo::INVOICE_BRAKES]);
    assert_eq!((bad.code, bad.json["code"].as_str(), bad.json["field"].as_str()), (2, Some("invalid_input"), Some("department")));
    let contract = dir.path().join("contrato.txt");
    std::fs::write(&contract, "CONTRATO DE CRÉDITO\nCláusula 1: o cliente aceita o contrato.").unwrap();
    let contract = contract.to_str().unwrap();
    let cpf = run(&[
        "optin",
        "submit",
        "--debt",
        demo::DEBT_OPEN_2,
        "--contract",
        contract,
        "--name",
        "A",
        "--email",
        "a@b.c",
        "--phone-area",
        "11",
        "--phone-number",
        "9",
        "--cpf",
        "617.669.762-05",
        "--ip",
        "1.2.3.4",
    ]);
    assert_eq!((cpf.code, cpf.json["field"].as_str()), (2, Some("cpf")));
    let scan = run(&[
        "optin",
        "submit",
        "--debt",
        demo::DEBT_OPEN_2,
        "--contract",
        "/etc/hostname",
        "--name",
        "A",
        "--email",
        "a@b.c",
        "--phone-area",
        "11",
        "--phone-number",
        "9",
        "--cpf",
        demo::VALID_CPF,
        "--ip",
        "1.2.3.4",
    ]);
    assert_eq!((scan.code, scan.json["field"].as_str()), (2, Some("contract")));
    assert_eq!(sb.journal().len(), before, "invalid input reached the provider");

    // The provider refuses: its own code comes back.
    let denied = run(&["kyc", "config", demo::CUSTOMER_OTHER_ORG]);
    assert_eq!((denied.code, denied.json["code"].as_str()), (3, Some("provider_rejected")));
    assert!(denied.json["message"].as_str().unwrap().contains("Customer not found or access denied"));

    // The connection drops after the provider acted: outcome unknown, sent once.
    sb.set_faults(Faults { drop_after_rate: 1.0, ..Default::default() });
    let unknown = run(&["payment-request", "send", "--department", demo::DEPARTMENT_SERVICE, "--invoice", "0b9c0a52-9d3e-4a8f-8f4b-7e1f2d3c4b5a", "--text"]);
    assert_eq!((unknown.code, unknown.json["code"].as_str()), (4, Some("outcome_unknown")));
    let sends = sb.journal().iter().filter(|e| e.body.contains("0b9c0a52-9d3e-4a8f-8f4b-7e1f2d3c4b5a")).count();
    assert_eq!(sends, 1, "an outcome-unknown request was resent");
    sb.set_faults(Faults::default());

    // The local record says so, with the operation key the error gave.
    let status = run(&["payment-request", "status", "0b9c0a52-9d3e-4a8f-8f4b-7e1f2d3c4b5a"]);
    assert_eq!(status.code, 0, "{}", status.json);
    assert_eq!(status.json[0]["status"], "unknown");
    assert!(unknown.json["message"].as_str().unwrap().contains(status.json[0]["key"].as_str().unwrap()));
    sb.shutdown().await;

    // Nobody listening: nothing was sent.
    let gone = run(&["signzy", "refresh", demo::CONTRACT_HALF_SIGNED]);
    assert_eq!((gone.code, gone.json["code"].as_str()), (5, Some("transport")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_request_that_found_no_network_waits_and_goes_once_when_retried() {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox().await;
    let live = sb.base_url();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let invoice = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    let waiting = signet(dir.path(), &dead, &["payment-request", "send", "--department", demo::DEPARTMENT_SERVICE, "--invoice", invoice, "--text"]);
    assert_eq!((waiting.code, waiting.json["code"].as_str()), (5, Some("waiting")), "{}", waiting.json);
    let status = signet(dir.path(), &live, &["payment-request", "status", invoice]);
    assert_eq!(status.json[0]["status"], "waiting");

    // Not due yet: nothing is sent.
    let early = signet(dir.path(), &live, &["outbox", "retry"]);
    assert_eq!((early.code, early.json["sent"].as_u64()), (0, Some(0)));
    // The operator asks for every waiting operation now: it goes, once.
    let now = signet(dir.path(), &live, &["outbox", "retry", "--now"]);
    assert_eq!((now.code, now.json["sent"].as_u64()), (0, Some(1)), "{}", now.json);
    let again = signet(dir.path(), &live, &["outbox", "retry", "--now"]);
    assert_eq!(again.json["sent"].as_u64(), Some(0));
    assert_eq!(sb.journal().iter().filter(|e| e.body.contains(invoice)).count(), 1);
    let status = signet(dir.path(), &live, &["payment-request", "status", invoice]);
    assert_eq!((status.json[0]["status"].as_str(), status.json[0]["attempts"].as_u64()), (Some("sent"), Some(2)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_profile_can_take_its_credentials_from_the_environment() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let created = signet(dir.path(), &sb.base_url(), &["profile", "create", "CI"]);
    assert_eq!(created.code, 0);
    let creds = signet_sandbox::demo_credentials();
    let out = Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(["--profile", "CI", "--json", "signzy", "refresh", demo::CONTRACT_HALF_SIGNED])
        .env("SIGNET_DATA_DIR", dir.path())
        .env("SIGNET_SIGNZY_BASE_URL", sb.base_url())
        .env("SIGNET_SIGNZY_ACCESS_TOKEN", creds.signzy_token)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));

    // Missing credentials are named, with where to put them.
    let missing = signet(dir.path(), &sb.base_url(), &["--profile", "CI", "kyc", "config", demo::CUSTOMER_NEW]);
    assert_eq!((missing.code, missing.json["field"].as_str()), (2, Some("dollarpe.base_url")));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn capture_kyc_and_contracts_from_the_command_line() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let url = sb.base_url();
    let run = |args: &[&str]| signet(dir.path(), &url, args);

    // A payment request with e-signature creates a signature request; capture it.
    let sent = run(&["payment-request", "send", "--department", demo::DEPARTMENT_PARTS, "--invoice", demo::INVOICE_NO_EMAIL, "--text", "--esign"]);
    assert_eq!(sent.code, 0, "{}", sent.json);
    let listing: Value =
        reqwest::get(format!("{url}/_sandbox/kpay/signature-requests?invoiceGuid={}", demo::INVOICE_NO_EMAIL)).await.unwrap().json().await.unwrap();
    let spi = listing[0]["spiRequestUUID"].as_str().unwrap().to_string();
    let before = run(&["signature", "get", &spi]);
    assert_eq!((before.code, before.json["isSigned"].as_bool()), (0, Some(false)), "{}", before.json);
    let http_url = run(&["signature", "capture", &spi, "--url", "http://docs.example.com/signed.pdf"]);
    assert_eq!((http_url.code, http_url.json["field"].as_str()), (2, Some("url")));
    let captured = run(&["signature", "capture", &spi, "--url", "https://docs.example.com/signed.pdf"]);
    assert_eq!((captured.code, captured.json["status"].as_str()), (0, Some("SUCCESS")), "{}", captured.json);
    assert_eq!(run(&["signature", "get", &spi]).json["isSigned"], true);

    // KYC documents for a customer; the limit and conflicts come back as refusals.
    let kyc = |number: &str| {
        run(&[
            "kyc",
            "update",
            "--customer",
            demo::CUSTOMER_NEW,
            "--type",
            "PASSPORT",
            "--address",
            "Av. Paulista 1000, São Paulo",
            "--number",
            number,
            "--front",
            "https://files.example.com/front.jpg",
            "--data",
            "issuing_country=BR",
        ])
    };
    let first = kyc("BR7654321");
    assert_eq!((first.code, first.json["status"].as_str()), (0, Some("UNVERIFIED")), "{}", first.json);
    let taken = kyc(demo::DOCUMENT_IN_USE);
    assert_eq!(taken.code, 3);
    assert!(taken.json["message"].as_str().unwrap().contains("KYC already in use"));

    // A Signzy contract from a PDF, then its status.
    let pdf = dir.path().join("contract.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();
    let pdf = pdf.to_str().unwrap();
    let started =
        run(&["signzy", "initiate", "--name", "Loan LN-7", "--executer", "Demo Lending", "--pdf", pdf, "--signer", "Asha Rao|asha@example.com|9876543210"]);
    assert_eq!(started.code, 0, "{}", started.json);
    let contract = started.json["contractId"].as_str().unwrap().to_string();
    assert!(started.json["signerdetail"][0]["signerUrl"].as_str().unwrap().starts_with(&url));
    let status = run(&["signzy", "refresh", &contract]);
    assert_eq!((status.json["isCompleted"].as_str(), status.json["signedSignerCount"].as_str()), (Some("false"), Some("0")));
    let not_pdf = run(&["signzy", "initiate", "--name", "X", "--executer", "Y", "--pdf", "/etc/hostname", "--signer", "A|a@b.c|9876543210"]);
    assert_eq!((not_pdf.code, not_pdf.json["field"].as_str()), (2, Some("pdf")));
    sb.shutdown().await;
}

#[test]
fn an_empty_ledger_verifies_and_a_non_dossier_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let verified = signet(dir.path(), "http://127.0.0.1:9", &["evidence", "verify"]);
    assert_eq!((verified.code, verified.json["intact"].as_bool(), verified.json["records"].as_u64()), (0, Some(true), Some(0)));
    let not_zip = dir.path().join("dossier.zip");
    std::fs::write(&not_zip, b"plain text").unwrap();
    let checked = signet(dir.path(), "http://127.0.0.1:9", &["evidence", "check", not_zip.to_str().unwrap()]);
    assert_eq!((checked.code, checked.json["field"].as_str()), (2, Some("dossier")));
    let found = signet(dir.path(), "http://127.0.0.1:9", &["evidence", "find", "617.669.762-04"]);
    assert_eq!((found.code, found.json.as_array().map(Vec::len)), (0, Some(0)));
}

#[tokio::test(flavor = "multi_thread")]
async fn kyc_documents_are_checked_uploaded_and_sent_from_the_command_line() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let url = sb.base_url();
    let run = |args: &[&str]| signet(dir.path(), &url, args);
    let scan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../signet-core/tests/fixtures/contracts/contrato-reportlab.pdf");
    let scan = scan.to_str().unwrap();
    let empty = dir.path().join("vazio.jpg");
    std::fs::write(&empty, b"").unwrap();
    let base = ["kyc", "upload", "--customer", demo::CUSTOMER_NEW, "--address", "Av. Paulista 1000, São Paulo", "--number", "BR1234567"];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().chain(extra).copied().collect()
    }

    // Refused before anything leaves: the file, the rules of the type, the back.
    let before = sb.journal().len();
    let bad_file = run(&with(&base, &["--type", "PASSPORT", "--front", empty.to_str().unwrap(), "--data", "issuing_country=BR"]));
    assert_eq!((bad_file.code, bad_file.json["field"].as_str()), (2, Some("front")), "{}", bad_file.json);
    assert!(bad_file.json["message"].as_str().unwrap().starts_with("vazio.jpg"));
    let no_country = run(&with(&base, &["--type", "PASSPORT", "--front", scan]));
    assert_eq!((no_country.code, no_country.json["field"].as_str()), (2, Some("additional_data.issuing_country")), "{}", no_country.json);
    let no_back = run(&with(&base, &["--type", "NATIONAL_ID", "--front", scan, "--data", "issuing_country=BR"]));
    assert_eq!(no_back.json["field"], "back", "{}", no_back.json);
    assert!(sb.journal().iter().skip(before).all(|e| e.method != "PATCH" && e.method != "PUT"), "nothing was uploaded or sent");

    let sent = run(&with(&base, &["--type", "PASSPORT", "--front", scan, "--data", "issuing_country=BR"]));
    assert_eq!((sent.code, sent.json["status"].as_str()), (0, Some("UNVERIFIED")), "{}", sent.json);
    let front_url = sent.json["front"]["url"].as_str().unwrap();
    assert!(front_url.contains("/_sandbox/files/kyc/") && !front_url.contains(demo::CUSTOMER_NEW), "no personal data in the name: {front_url}");
    let journal = sb.journal();
    let patch = journal.iter().find(|e| e.method == "PATCH").unwrap();
    let body: Value = serde_json::from_str(&patch.body).unwrap();
    assert_eq!(body["document_front_image_url"], front_url);
    let hosted = reqwest::get(front_url).await.unwrap().bytes().await.unwrap();
    assert_eq!(hosted.to_vec(), std::fs::read(scan).unwrap(), "the link serves the very file");
}

// No Secret Service on the session bus (a bare server, a broken desktop session):
// setting a secret fails with a message that says what to start, nothing is kept
// anywhere else, and a send that needs the secret says the same instead of crashing.
#[test]
fn without_a_keyring_secrets_are_refused_with_the_fix_and_never_kept_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet"))
            .args(args)
            .arg("--json")
            .env("SIGNET_DATA_DIR", dir.path())
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/signet-test-bus")
            .env_remove("SIGNET_PROFILE")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
    };
    assert_eq!(run(&["profile", "create", "Branch"], "").0, 0);
    assert_eq!(run(&["profile", "use", "Branch"], "").0, 0);
    let (code, said) = run(&["profile", "configure", "--provider", "dollarpe", "--base-url", "https://dollarpe.example"], "");
    assert_eq!(code, 0, "{said}");
    let marker = "MARKER-no-keyring-4d1f";
    let (code, said) = run(&["secret", "set", "--provider", "dollarpe", "--field", "api_secret"], marker);
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("keyring_unavailable") && said.contains("Secret Service"), "{said}");
    // Whether a secret is set cannot be known: "null", never a false "not set".
    let (code, said) = run(&["secret", "status"], "");
    assert!(code == 0 && said.contains("\"set\": null") && !said.contains("\"set\": false"), "exit {code}: {said}");
    // A call that needs the secret says the keyring is the problem, and sends nothing.
    let (code, said) = run(&["kyc", "config", "4e6f1b20-a73c-11ec-b909-0242ac120002"], "");
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("keyring") && !said.contains("panicked"), "{said}");
    for entry in walk(dir.path()) {
        assert!(!std::fs::read(&entry).unwrap().windows(marker.len()).any(|w| w == marker.as_bytes()), "the secret was kept in {}", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

/// `signet` run by a shell line (for `ulimit`, or another user), with the JSON it printed.
fn signet_via_shell(data: &Path, sandbox: &str, prefix: &str, args: &str) -> (i32, String) {
    let line = format!("{prefix} '{}' {args} --json", env!("CARGO_BIN_EXE_signet"));
    let out =
        Command::new("sh").args(["-c", &line]).env("SIGNET_DATA_DIR", data).env("SIGNET_SANDBOX_URL", sandbox).env_remove("SIGNET_PROFILE").output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

fn integrity(data: &Path) -> String {
    let conn = rusqlite::Connection::open(data.join(signet_core::store::DATABASE_FILE)).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

fn posts(sb: &Sandbox) -> usize {
    sb.journal().iter().filter(|e| e.method == "POST").count()
}

// The database held by another writer past the busy timeout, a data folder that
// cannot be written, a disk that fills up mid-run: each time a message that says
// what to do, nothing sent that is not recorded, and a database that still passes
// integrity_check afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn a_locked_database_a_read_only_folder_and_a_full_disk_each_get_a_clear_message_and_no_damage() {
    let sb = sandbox().await;
    let url = sb.base_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let send = |invoice: &str| format!("payment-request send --department {} --invoice {invoice} --email", demo::DEPARTMENT_SERVICE);
    assert_eq!(signet(&data, &url, &["profile", "list"]).code, 0, "the database is created");

    // Another writer holds the database.
    let holder = rusqlite::Connection::open(data.join(signet_core::store::DATABASE_FILE)).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (code, said) = signet_via_shell(&data, &url, "", &send("0b5e0000-0000-4000-8000-000000000001"));
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("another Signet") && said.contains("Try again"), "{said}");
    assert_eq!(posts(&sb), 0, "nothing is sent without its record");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);

    // A data folder this user cannot write (as root: run as nobody, for whom it is read-only).
    let root = unsafe { libc::geteuid() } == 0;
    let chmod = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        for entry in std::iter::once(data.clone()).chain(std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().path())) {
            let mode = if entry.is_dir() { mode | 0o111 } else { mode };
            std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    };
    chmod(0o444);
    if root {
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let as_user = if root { "setpriv --reuid=65534 --regid=65534 --clear-groups" } else { "" };
    let (code, said) = signet_via_shell(&data, &url, as_user, &send("0b5e0000-0000-4000-8000-000000000002"));
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("cannot write to its data folder") || said.contains("read-only") || said.contains("Permission denied"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
    assert_eq!(posts(&sb), 0);
    chmod(0o644);
    assert_eq!(integrity(&data), "ok");

    // The disk fills up: files may not grow past a few blocks beyond their size now
    // (ulimit -f; SIGXFSZ ignored, so the write fails as on a full disk).
    let file = dir.path().join("big.csv");
    let mut text = String::from("department,invoice,options\n");
    for i in 0..400 {
        text.push_str(&format!("{},0b5e{i:04x}-0000-4000-8000-000000000003,email\n", demo::DEPARTMENT_SERVICE));
    }
    std::fs::write(&file, text).unwrap();
    let largest = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).max().unwrap();
    let blocks = largest / 512 + 40;
    let (code, said) = signet_via_shell(&data, &url, &format!("trap '' XFSZ; ulimit -f {blocks};"), &format!("payment-request bulk '{}'", file.display()));
    assert_ne!(code, 0, "the run cannot have finished in {blocks} blocks: {said}");
    assert!(!said.contains("panicked"), "{said}");
    assert!(said.contains("full") || said.contains("could not write") || said.contains("disk"), "{said}");
    assert_eq!(integrity(&data), "ok", "the database survived the full disk");
    // With space again, the same file resumes and every row is sent exactly once.
    let (code, said) = signet_via_shell(&data, &url, "", &format!("payment-request bulk '{}'", file.display()));
    assert!(code == 0 || code == 4, "{said}");
    let mut per_invoice = std::collections::HashMap::new();
    for e in sb.journal().iter().filter(|e| e.method == "POST") {
        *per_invoice.entry(e.body.clone()).or_insert(0) += 1;
    }
    assert!(per_invoice.values().all(|&n| n == 1), "a row was sent twice after the disk filled");
    assert_eq!(integrity(&data), "ok");
}
