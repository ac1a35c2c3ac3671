//! The real desk in a real window, driven like an operator would drive it.
//!
//! Run by `scripts/e2e.sh`, which provides an X display (Xvfb), a private D-Bus
//! session with an unlocked GNOME Keyring, a throwaway HOME and data folder, and the
//! built binary. This test starts tauri-driver itself; every WebDriver session is a
//! fresh start of the desk.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::json;
use signet_e2e::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_keeps_a_secret_in_the_os_keyring_across_restarts() {
    let env = Env::from_vars();
    let driver = Driver::start(&[]);
    let marker = format!("dp-secret-{}", std::process::id());

    // First start: the Sandbox profile is active and the keyring is usable.
    let c = driver.open_desk(&env).await;
    assert!(text(&c, "[data-testid='status-profile']").await.contains("Sandbox"));
    wait_for(&c, "[data-testid='status-keyring'][data-state='available']").await;
    // It opens where an operator starts the day: Today, what needs them.
    wait_for(&c, "[data-testid='page-today']").await;
    click(&c, "[data-testid='nav-settings']").await;
    assert_eq!(text(&c, "[data-testid='profile-title']").await, "Sandbox");
    assert!(text(&c, "[data-testid='sandbox-url']").await.contains("http://127.0.0.1:"), "the built-in Sandbox is not serving");
    screenshot(&c, &env, "settings-sandbox.png").await;

    // Every area of the sidebar opens.
    for area in ["today", "payments", "signatures", "optin", "kyc", "activity"] {
        click(&c, &format!("[data-testid='nav-{area}']")).await;
        wait_for(&c, &format!("[data-testid='page-{area}']")).await;
    }
    click(&c, "[data-testid='nav-settings']").await;

    // Create a profile.
    type_into(&c, "[data-testid='new-profile-name']", "Production").await;
    click(&c, "[data-testid='create-profile']").await;
    click(&c, "[data-testid='tab-dollarpe']").await;
    wait_for(&c, "[data-testid='provider-dollarpe']").await;
    assert_eq!(text(&c, "[data-testid='profile-title']").await, "Production");
    let profile_id = find(&c, "[data-testid='profile-title']").await.attr("data-profile-id").await.unwrap().unwrap();

    // A plain-http base URL is refused with the reason under the field.
    type_into(&c, "[data-testid='base-url-dollarpe']", "http://dollarpe.example.com").await;
    click(&c, "[data-testid='save-settings-dollarpe']").await;
    let err = text(&c, "[data-testid='provider-dollarpe'] [data-testid='form-error']").await;
    assert!(err.contains("https"), "{err}");
    type_into(&c, "[data-testid='base-url-dollarpe']", "https://sandbox.dollarpe.xyz").await;
    click(&c, "[data-testid='save-settings-dollarpe']").await;
    wait_for(&c, "[data-testid='provider-dollarpe'] .ok").await;

    // Save the DollarPe API secret; the field turns to "set".
    click(&c, "[data-testid='secret-edit-dollarpe-api_secret']").await;
    type_into(&c, "[data-testid='secret-input-dollarpe-api_secret']", &marker).await;
    click(&c, "[data-testid='secret-save-dollarpe-api_secret']").await;
    wait_for(&c, "[data-testid='secret-dollarpe-api_secret'][data-state='set']").await;
    screenshot(&c, &env, "settings-profile.png").await;

    // It is in the OS keyring, under Signet's service name.
    let account = format!("profile/{profile_id}/dollarpe/api_secret");
    assert_eq!(secret_tool_lookup(&account).as_deref(), Some(marker.as_str()), "secret-tool lookup {account}");
    c.close().await.unwrap();

    // Restart: the secret shows as set, masked, and its value is nowhere in the page.
    let c = driver.open_desk(&env).await;
    click(&c, "[data-testid='nav-settings']").await;
    open_profile(&c, "Production").await;
    click(&c, "[data-testid='tab-dollarpe']").await;
    wait_for(&c, "[data-testid='secret-dollarpe-api_secret'][data-state='set']").await;
    assert!(text(&c, "[data-testid='secret-dollarpe-api_secret']").await.contains("set"));
    assert!(!c.source().await.unwrap().contains(&marker), "the secret reached the webview");
    assert_eq!(find(&c, "[data-testid='base-url-dollarpe']").await.prop("value").await.unwrap().as_deref(), Some("https://sandbox.dollarpe.xyz"));

    // Delete it: gone from the form and from the keyring.
    click(&c, "[data-testid='secret-delete-dollarpe-api_secret']").await;
    click(&c, "[data-testid='secret-delete-confirm-dollarpe-api_secret']").await;
    wait_for(&c, "[data-testid='secret-dollarpe-api_secret'][data-state='unset']").await;
    assert_eq!(secret_tool_lookup(&account), None, "the keyring still holds {account}");

    // The command line shares the desk's profiles and keyring entries: a token set
    // there is in the same keyring entry, and the desk shows it as set.
    let token = format!("signzy-token-{}", std::process::id());
    let mut cli = Command::new(&env.cli)
        .args(["--profile", "Production", "secret", "set", "--provider", "signzy", "--field", "access_token"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the signet command line runs");
    std::io::Write::write_all(cli.stdin.as_mut().unwrap(), token.as_bytes()).unwrap();
    drop(cli.stdin.take());
    assert!(cli.wait().unwrap().success(), "signet secret set failed");
    let signzy_account = format!("profile/{profile_id}/signzy/access_token");
    assert_eq!(secret_tool_lookup(&signzy_account).as_deref(), Some(token.as_str()));
    open_profile(&c, "Sandbox").await;
    open_profile(&c, "Production").await;
    click(&c, "[data-testid='tab-signzy']").await;
    wait_for(&c, "[data-testid='secret-signzy-access_token'][data-state='set']").await;
    assert!(!c.source().await.unwrap().contains(&token), "the CLI's secret reached the webview");
    click(&c, "[data-testid='tab-dollarpe']").await;

    // Use the profile: the status bar follows.
    click(&c, "[data-testid='use-profile']").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !text(&c, "[data-testid='status-profile']").await.contains("Production") {
        assert!(Instant::now() < deadline, "the status bar did not switch to Production");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The keyring locks while the desk is open: saving is refused in plain words and
    // the status bar and settings page say what to do.
    click(&c, "[data-testid='secret-edit-dollarpe-api_key']").await;
    lock_login_keyring();
    type_into(&c, "[data-testid='secret-input-dollarpe-api_key']", &marker).await;
    click(&c, "[data-testid='secret-save-dollarpe-api_key']").await;
    let err = text(&c, "[data-testid='secret-dollarpe-api_key'] [data-testid='form-error']").await;
    assert!(err.contains("locked") && err.contains("Unlock"), "{err}");
    wait_for(&c, "[data-testid='status-keyring'][data-state='locked']").await;
    assert!(text(&c, "[data-testid='keyring-warning']").await.contains("locked"));
    wait_for(&c, "[data-testid='secret-dollarpe-api_secret'][data-state='unknown']").await;
    assert!(text(&c, "[data-testid='secret-dollarpe-api_secret']").await.contains("the keyring is locked"));
    screenshot(&c, &env, "settings-keyring-locked.png").await;
    c.close().await.unwrap();

    // The secret never touched the database, its journal or the logs.
    for secret in [&marker, &token] {
        let hits = files_containing(&env.data_dir, secret);
        assert!(hits.is_empty(), "a secret was written to {hits:?}");
    }
    let logs = env.data_dir.join("logs");
    assert!(std::fs::read_dir(&logs).map(|d| d.count() > 0).unwrap_or(false), "no log file in {}", logs.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_sends_a_payment_request_and_is_guarded_against_sending_it_twice() {
    let env = Env::from_vars();
    let driver = Driver::start(&[]);
    let c = driver.open_desk(&env).await;

    let sandbox = use_sandbox(&c).await;
    click(&c, "[data-testid='nav-payments']").await;
    wait_for(&c, "[data-testid='page-payments']").await;
    wait_for(&c, "[data-testid='department'] option").await;

    // A malformed GUID is flagged as typed, and nothing can be sent.
    type_into(&c, "[data-testid='invoice']", "9d4e2f10-not-a-guid").await;
    assert!(text(&c, "[data-testid='invoice-error']").await.contains("GUID"));
    assert!(!find(&c, "[data-testid='send']").await.is_enabled().await.unwrap());

    // The customer has no mobile number: the link is made, the text fails, and the
    // result says so.
    type_into(&c, "[data-testid='invoice']", "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e02").await;
    let button = text(&c, "[data-testid='send']").await;
    assert!(button.contains("by text and email"), "{button}");
    click(&c, "[data-testid='send']:not([disabled])").await;
    wait_for(&c, "[data-testid='result']").await;
    assert!(text(&c, "[data-testid='link-payment']").await.contains("http://127.0.0.1:"));
    assert!(text(&c, "[data-testid='link-invoice']").await.contains("/invoice/"));
    assert!(text(&c, "[data-testid='channel-text']").await.contains("failed"));
    assert!(text(&c, "[data-testid='channel-email']").await.contains("sent"));
    screenshot(&c, &env, "payments-compose.png").await;

    // The same invoice again: the desk shows the earlier request and asks.
    click(&c, "[data-testid='send']:not([disabled])").await;
    let guard = text(&c, "[data-testid='duplicate-guard']").await;
    assert!(guard.contains("already has a payment request") && guard.contains("http://127.0.0.1:"), "{guard}");
    click(&c, "[data-testid='keep-earlier']").await;
    assert!(c.find(Locator::Css("[data-testid='duplicate-guard']")).await.is_err());

    // The connection drops after myKaarma acted: the desk says the outcome is unknown
    // and counts it as needing attention.
    set_sandbox_faults(&sandbox, r#"{"drop_after_rate": 1.0}"#);
    type_into(&c, "[data-testid='invoice']", "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01").await;
    click(&c, "[data-testid='send']:not([disabled])").await;
    assert!(text(&c, "[data-testid='send-error']").await.contains("Outcome unknown"));
    set_sandbox_faults(&sandbox, "{}");
    wait_for(&c, "[data-testid='status-attention']").await;

    // Today, the first screen, lists it among what needs attention and opens it in
    // Activity in one click.
    click(&c, "[data-testid='nav-today']").await;
    wait_for(&c, "[data-testid='today-open-operation']").await;
    let lost = "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01";
    let line = c
        .execute(
            "return [...document.querySelectorAll(\"[data-testid='today-open-operation']\")].findIndex(b => b.textContent.includes(arguments[0])) + 1",
            vec![json!(lost)],
        )
        .await
        .unwrap();
    let line = line.as_u64().unwrap();
    assert!(line > 0, "Today does not list the operation that needs attention");
    assert!(text(&c, "[data-testid='today-attention-count']").await.parse::<u32>().unwrap() >= 1);
    screenshot(&c, &env, "today.png").await;
    click(&c, &format!("[data-testid='today-attention'] li:nth-child({line}) [data-testid='today-open-operation']")).await;
    let detail = text(&c, "[data-testid='operation-detail']").await;
    assert!(detail.contains(lost), "{detail}");

    // Activity lists both with what was sent and answered; the unknown one is settled there.
    click(&c, "[data-testid='nav-activity']").await;
    wait_for(&c, "[data-testid='operation-row']").await;
    click(&c, "tr.status-sent [data-testid='operation-open']").await;
    let detail = text(&c, "[data-testid='operation-detail']").await;
    assert!(detail.contains("payment_request.send") && detail.contains("9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e02"), "{detail}");
    click(&c, "tr.status-unknown [data-testid='operation-open']").await;
    wait_for(&c, "[data-testid='resolve']").await;
    c.execute("document.querySelector(\"[data-testid='operation-detail']\").scrollIntoView({block: 'end'})", vec![]).await.unwrap();
    screenshot(&c, &env, "activity.png").await;
    click(&c, "[data-testid='resolve-send-again']").await;
    wait_for(&c, "[data-testid='resolve-done']").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css("[data-testid='status-attention']")).await.is_ok() {
        assert!(Instant::now() < deadline, "the status bar still counts an operation needing attention");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_sends_a_csv_file_in_bulk_and_exports_the_results() {
    let env = Env::from_vars();
    let dir = std::env::temp_dir().join(format!("signet-e2e-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (csv, results) = (dir.join("monday.csv"), dir.join("monday-results.csv"));
    let mut file = String::from("department,invoice,options\n");
    for i in 0..150 {
        file.push_str(&format!("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01,{i:08x}-1111-4000-8000-{i:012x},text email\n"));
    }
    file.push_str("not-a-department,aaaaaaaa-1111-4000-8000-000000000001,email\n");
    file.push_str("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01,aaaaaaaa-1111-4000-8000-000000000002,fax\n");
    std::fs::write(&csv, file).unwrap();
    // The native dialogs' answers (WebDriver cannot drive GTK dialogs).
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILE", csv.to_str().unwrap()), ("SIGNET_TEST_SAVE_FILE", results.to_str().unwrap())]);
    let c = driver.open_desk(&env).await;
    let sandbox = use_sandbox(&c).await;
    // Slow enough (about 5 s for the file) to leave the screen and come back mid-run.
    set_sandbox_faults(&sandbox, r#"{"latency_ms": 120}"#);

    click(&c, "[data-testid='nav-payments']").await;
    click(&c, "[data-testid='mode-bulk']").await;
    click(&c, "[data-testid='bulk-choose']").await;
    let head = text(&c, "[data-testid='bulk-preview'] h3").await;
    assert!(head.contains("150 rows ready") && head.contains("2 with problems"), "{head}");
    let problems = c.find_all(Locator::Css("[data-testid='bulk-problem']")).await.unwrap();
    assert_eq!(problems.len(), 2);
    assert!(problems[1].text().await.unwrap().contains("\"fax\""));

    click(&c, "[data-testid='bulk-send']").await;
    wait_for(&c, "[data-testid='bulk-progress'][data-finished='false']").await;
    // Caught in flight for the README: some sent, some still to go.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let counts = text(&c, "[data-testid='bulk-counts']").await;
        let done: u32 = counts.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
        if done >= 20 {
            screenshot(&c, &env, "payments-bulk.png").await;
            break;
        }
        assert!(Instant::now() < deadline, "the bulk run made no progress: {counts}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The operator looks elsewhere and comes back: the run is still shown.
    click(&c, "[data-testid='nav-signatures']").await;
    wait_for(&c, "[data-testid='page-signatures']").await;
    click(&c, "[data-testid='nav-payments']").await;
    click(&c, "[data-testid='mode-bulk']").await;
    wait_for(&c, "[data-testid='bulk-progress']").await;
    c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css("[data-testid='bulk-progress'][data-finished='true']")).await.unwrap();
    assert!(text(&c, "[data-testid='bulk-counts']").await.contains("150 sent"));
    set_sandbox_faults(&sandbox, "{}");

    click(&c, "[data-testid='bulk-export']").await;
    wait_for(&c, "[data-testid='bulk-exported']").await;
    let exported = std::fs::read_to_string(&results).unwrap();
    assert_eq!(exported.lines().count(), 153, "a header and every row");
    assert_eq!(exported.lines().filter(|l| l.contains(",sent,")).count(), 150);
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_follows_a_signature_request_captures_it_and_sees_it_signed() {
    let env = Env::from_vars();
    let driver = Driver::start(&[]);
    let c = driver.open_desk(&env).await;
    let sandbox = use_sandbox(&c).await;

    // A payment request that asks for an e-signature.
    let invoice = "e5160000-7a3b-4c5d-8e6f-0a1b2c3d4e11";
    click(&c, "[data-testid='nav-payments']").await;
    wait_for(&c, "[data-testid='department'] option").await;
    type_into(&c, "[data-testid='invoice']", invoice).await;
    click(&c, "[data-testid='option-esignRequired']").await;
    assert!(text(&c, "[data-testid='send']").await.contains("asking for an e-signature"));
    click(&c, "[data-testid='send']:not([disabled])").await;
    wait_for(&c, "[data-testid='result']").await;

    // myKaarma tells the dealer the spiRequestUUID; here the Sandbox lists it.
    let listed = sandbox_admin(&sandbox, "GET", &format!("/_sandbox/kpay/signature-requests?invoiceGuid={invoice}"), "");
    let listed: serde_json::Value = serde_json::from_str(listed.trim()).unwrap_or_else(|e| panic!("{e}: {listed}"));
    let spi = listed[0]["spiRequestUUID"].as_str().expect("a signature request").to_string();

    click(&c, "[data-testid='nav-signatures']").await;
    type_into(&c, "[data-testid='spi-input']", "not-a-uuid").await;
    assert!(text(&c, "[data-testid='spi-error']").await.contains("spiRequestUUID"));
    assert!(!find(&c, "[data-testid='track']").await.is_enabled().await.unwrap());
    type_into(&c, "[data-testid='spi-input']", &spi).await;
    type_into(&c, "[data-testid='label-input']", "Brakes, Ana Souza").await;
    click(&c, "[data-testid='track']:not([disabled])").await;
    wait_for(&c, "[data-testid='signature-detail']").await;
    assert_eq!(text(&c, "[data-testid='sig-state']").await, "awaiting signature");
    assert!(text(&c, "[data-testid='link-capture']").await.contains(&spi));
    assert!(!text(&c, "[data-testid='signers']").await.is_empty());

    // A plain-http link is refused as typed; an https one is captured.
    type_into(&c, "[data-testid='capture-url']", "http://docs.example.com/signed.pdf").await;
    assert!(text(&c, "[data-testid='capture-url-error']").await.contains("https://"));
    assert!(!find(&c, "[data-testid='capture']").await.is_enabled().await.unwrap());
    type_into(&c, "[data-testid='capture-url']", "https://docs.example.com/signed-ana.pdf").await;
    screenshot(&c, &env, "signatures.png").await;
    click(&c, "[data-testid='capture']").await;
    assert_eq!(text(&c, "[data-testid='capture-status']").await, "SUCCESS");
    let deadline = Instant::now() + Duration::from_secs(10);
    while text(&c, "[data-testid='sig-state']").await != "signed" {
        assert!(Instant::now() < deadline, "the request never showed as signed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text(&c, "[data-testid='link-signed']").await.contains("signed-ana.pdf"));
    c.close().await.unwrap();
}

/// Runs the `signet` command line with `--json` against `sandbox`; exit code and JSON.
fn signet_json(env: &Env, sandbox: &str, args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(&env.cli).args(args).arg("--json").env("SIGNET_SANDBOX_URL", sandbox).output().expect("signet runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), json)
}

// Before the keyring test locks the keyring. A secret removed from the keyring by
// another program (Passwords and Keys, secret-tool) is seen as gone: the status says
// it is not set, and a call that needs it names the field to set, without crashing
// and without any copy of it turning up elsewhere.
#[tokio::test(flavor = "multi_thread")]
async fn a_branch_secret_deleted_behind_signets_back_is_reported_missing() {
    let env = Env::from_vars();
    let data = std::env::temp_dir().join(format!("signet-e2e-deleted-{}", std::process::id()));
    let signet = |args: &[&str], stdin: &str| signet_with_input(&env, &data, args, stdin);
    let (_, created) = signet(&["profile", "create", "Deleted"], "");
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(signet(&["profile", "use", "Deleted"], "").0, 0);
    assert_eq!(signet(&["profile", "configure", "--provider", "dollarpe", "--base-url", "https://dollarpe.example"], "").0, 0);
    let marker = format!("deleted-secret-{}", std::process::id());
    assert_eq!(signet(&["secret", "set", "--provider", "dollarpe", "--field", "api_key"], "dp-key").0, 0);
    assert_eq!(signet(&["secret", "set", "--provider", "dollarpe", "--field", "api_secret"], &marker).0, 0);
    let account = format!("profile/{id}/dollarpe/api_secret");
    assert_eq!(secret_tool_lookup(&account).as_deref(), Some(marker.as_str()));

    let cleared = Command::new("secret-tool").args(["clear", "service", "signet", "username", &account]).status().unwrap();
    assert!(cleared.success());
    let (_, status) = signet(&["secret", "status"], "");
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let row = status.as_array().unwrap().iter().find(|r| r["provider"] == "dollarpe" && r["field"] == "api_secret").unwrap();
    assert_eq!(row["set"], false, "{status}");
    let (code, said) = signet(&["kyc", "config", "4e6f1b20-a73c-11ec-b909-0242ac120002"], "");
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("api_secret") && !said.contains("panicked"), "{said}");
    assert!(files_containing(&data, &marker).is_empty(), "a copy of the secret was kept");
    let _ = std::fs::remove_dir_all(&data);
}

// Before the keyring test locks the keyring (the profile's password lives there).
// The desk itself killed with SIGKILL at random points of a bulk run, again and
// again, each time reopened and resumed from the screen: no invoice reaches the
// provider twice, the database passes integrity_check after every kill, and the
// last start finishes the file.
//
// Not in the default run, for the reason given at the opt-in loop below: a desk
// killed while it talks to the keyring can take gnome-keyring-daemon down too.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "can crash gnome-keyring-daemon for the tests after it; run on its own (docs/RELIABILITY.md)"]
async fn a_branch_desk_killed_again_and_again_in_a_bulk_run_resumes_and_sends_no_row_twice() {
    let env = Env::from_vars();
    let (_sandbox, url) = serve_sandbox(&env);
    // About 100 rows a second: 2,500 rows outlast 50 kills a few hundred ms apart.
    set_sandbox_faults(&url, r#"{"latency_ms": 40}"#);
    let data = std::env::temp_dir().join(format!("signet-e2e-desk-crash-{}", std::process::id()));
    let dir = std::env::temp_dir().join(format!("signet-e2e-desk-crash-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("crashes.csv");
    let mut file = String::from("department,invoice,options\n");
    for i in 0..2500 {
        file.push_str(&format!("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01,{i:08x}-3333-4000-8000-{i:012x},email\n"));
    }
    std::fs::write(&csv, file).unwrap();
    // A profile of the branch's own, at the external Sandbox (so its journal outlives the desks).
    signet_ok(&env, &data, &["profile", "create", "Branch"], "");
    signet_ok(&env, &data, &["profile", "use", "Branch"], "");
    signet_ok(&env, &data, &["profile", "configure", "--provider", "mykaarma", "--base-url", &url, "--set", "username=signet-sandbox"], "");
    signet_ok(&env, &data, &["secret", "set", "--provider", "mykaarma", "--field", "password"], "sandbox-kpay-password");

    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILE", csv.to_str().unwrap()), ("SIGNET_DATA_DIR", data.to_str().unwrap())]);
    let loops: usize = std::env::var("SIGNET_CRASH_LOOPS").ok().and_then(|n| n.parse().ok()).unwrap_or(50);
    let mut x: u64 = 0xde5c_0b1e;
    let (mut kills, mut finished) = (0, false);
    for i in 0..=loops {
        let c = driver.open_desk(&env).await;
        click(&c, "[data-testid='nav-payments']").await;
        click(&c, "[data-testid='mode-bulk']").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        if c.find(Locator::Css("[data-testid='bulk-resume']")).await.is_ok() {
            click(&c, "[data-testid='bulk-resume']").await;
        } else {
            click(&c, "[data-testid='bulk-choose']").await;
            wait_for(&c, "[data-testid='bulk-preview']").await;
            if c.find(Locator::Css("[data-testid='bulk-send']:not([disabled])")).await.is_err() {
                finished = true; // every row already has its request: the file is done
                c.close().await.unwrap();
                break;
            }
            click(&c, "[data-testid='bulk-send']").await;
        }
        if i == loops {
            // The last start runs to the end.
            if c.wait().at_most(Duration::from_secs(120)).for_element(Locator::Css("[data-testid='bulk-progress'][data-finished='true']")).await.is_err() {
                screenshot_to(&c, Path::new("/tmp/signet-e2e-failure.png")).await;
                panic!("the last start did not finish the file (screenshot /tmp/signet-e2e-failure.png): {}", text(&c, "main").await);
            }
            finished = true;
            c.close().await.unwrap();
            break;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        tokio::time::sleep(Duration::from_millis(x % 600)).await;
        let pid = desk_pid(&env);
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        wait_until_gone(pid);
        kills += 1;
        let _ = c.close().await; // the session's desk is gone
        let db = rusqlite::Connection::open(data.join("signet.sqlite3")).unwrap();
        assert_eq!(db.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok", "after kill {i}");
    }
    assert!(finished);
    let journal = sandbox_journal(&url);
    let mut per_invoice = std::collections::HashMap::new();
    for e in journal.as_array().unwrap().iter().filter(|e| e["method"] == "POST") {
        let body: serde_json::Value = serde_json::from_str(e["body"].as_str().unwrap()).unwrap();
        *per_invoice.entry(body["invoiceGuid"].as_str().unwrap().to_string()).or_insert(0) += 1;
    }
    assert!(per_invoice.values().all(|&n| n == 1), "an invoice was sent twice");
    let db = rusqlite::Connection::open(data.join("signet.sqlite3")).unwrap();
    let pending: u32 = db.query_row("SELECT COUNT(*) FROM operations WHERE status = 'pending'", [], |r| r.get(0)).unwrap();
    let linked: u32 = db.query_row("SELECT COUNT(*) FROM bulk_rows WHERE operation_key IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(pending, 0, "every operation interrupted by a kill is accounted for (unknown), none left pending");
    assert!(linked as usize >= per_invoice.len(), "every invoice the provider received has its row's operation");
    println!("desk crash loop: {kills} SIGKILLs of the desk mid-run; {} invoices received, none twice; integrity_check ok after each", per_invoice.len());
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `signet` with `--json` on `data`, feeding `stdin`: its exit code, and what
/// it printed on stdout then stderr.
fn signet_with_input(env: &Env, data: &Path, args: &[&str], stdin: &str) -> (i32, String) {
    use std::io::Write;
    let mut child = Command::new(&env.cli)
        .args(args)
        .arg("--json")
        .env("SIGNET_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// As `signet_with_input`, and it must succeed.
fn signet_ok(env: &Env, data: &Path, args: &[&str], stdin: &str) {
    let (code, said) = signet_with_input(env, data, args, stdin);
    assert_eq!(code, 0, "signet {args:?}: {said}");
}

// Before the keyring test locks the keyring (the profile's keys and the evidence
// key live there). The desk killed with SIGKILL at random points of an opt-in
// submission (from the signer's accept to QI Tech's answer), again and again:
// after each kill the database passes integrity_check and the ledger verifies; at
// the end no debt was signed twice and every debt QI Tech signed has its
// acceptance evidence on disk.
//
// Not in the default run: a desk killed while it talks to the keyring can take
// gnome-keyring-daemon down with it (GNOME Keyring's own assertion in
// plain_negotiate, seen in CI), after which every later test loses its keyring.
// Run it on its own: SIGNET_E2E_TEST_ARGS="--ignored a_branch_desk_killed" scripts/e2e.sh
#[tokio::test(flavor = "multi_thread")]
#[ignore = "can crash gnome-keyring-daemon for the tests after it; run on its own (docs/RELIABILITY.md)"]
async fn a_branch_desk_killed_again_and_again_in_an_opt_in_never_loses_its_evidence_or_signs_twice() {
    let env = Env::from_vars();
    let (_sandbox, url) = serve_sandbox(&env);
    let data = std::env::temp_dir().join(format!("signet-e2e-optin-crash-{}", std::process::id()));
    let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-sandbox/keys");
    let private_pem = std::fs::read_to_string(keys.join("client-private.pem")).unwrap();
    signet_ok(&env, &data, &["profile", "create", "Branch"], "");
    signet_ok(&env, &data, &["profile", "use", "Branch"], "");
    signet_ok(
        &env,
        &data,
        &["profile", "configure", "--provider", "qitech", "--base-url", &url, "--set", &format!("public_ip_endpoint={url}/_sandbox/whoami")],
        "",
    );
    signet_ok(&env, &data, &["secret", "set", "--provider", "qitech", "--field", "api_client_key"], "6a1f0c2e-5b3d-4e7f-9a8b-0c1d2e3f4a5b");
    signet_ok(&env, &data, &["secret", "set", "--provider", "qitech", "--field", "private_key"], &private_pem);
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-fpdf2.pdf");
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILE", pdf.to_str().unwrap()), ("SIGNET_DATA_DIR", data.to_str().unwrap())]);

    let loops: usize = std::env::var("SIGNET_CRASH_LOOPS").ok().and_then(|n| n.parse().ok()).unwrap_or(50);
    let mut x: u64 = 0x0b71_de5c;
    let (mut debts, mut kills, mut window_ms) = (Vec::new(), 0, 0u64);
    for i in 0..=loops {
        let added: serde_json::Value = serde_json::from_str(&sandbox_admin(&url, "POST", "/_sandbox/qitech/debts", "{}")).unwrap();
        let debt = added["key"].as_str().unwrap().to_string();
        debts.push(debt.clone());
        let c = driver.open_desk(&env).await;
        click(&c, "[data-testid='nav-optin']").await;
        click(&c, "[data-testid='load-contract']").await;
        wait_for(&c, "[data-testid='contract-summary']").await;
        for (field, value) in [
            ("optin-debt", debt.as_str()),
            ("signer-name", "Maria da Silva"),
            ("signer-email", "maria@example.com"),
            ("signer-phoneArea", "11"),
            ("signer-phoneNumber", "999999999"),
            ("signer-cpf", "617.669.762-04"),
        ] {
            type_into(&c, &format!("[data-testid='{field}']"), value).await;
        }
        wait_for(&c, "[data-testid='open-signer']:not([disabled])").await;
        let main = c.window().await.unwrap();
        click(&c, "[data-testid='open-signer']").await;
        let signer = wait_for_new_window(&c, &main).await;
        c.switch_to_window(signer).await.unwrap();
        read_to_the_end(&c).await;
        click(&c, "[data-testid='consent']:not([disabled])").await;
        let accepted = Instant::now();
        click(&c, "[data-testid='accept']").await;
        if i == 0 {
            // The first runs to the end: its length is the window the kills fall in.
            wait_for(&c, "[data-testid='signer-done']").await;
            window_ms = accepted.elapsed().as_millis().max(20) as u64;
            c.close().await.unwrap();
            continue;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        tokio::time::sleep(Duration::from_millis(x % window_ms)).await;
        let pid = desk_pid(&env);
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        wait_until_gone(pid);
        kills += 1;
        let _ = c.close().await;
        assert_intact_after_a_crash(&env, &data, &format!("kill {i}"));
        // Without its keyring the rest would pass without testing anything.
        assert!(
            secret_tool_lookup("installation/evidence-signing-key").is_some(),
            "gnome-keyring-daemon died at kill {i} (its own bug with a client killed mid-handshake)"
        );
    }
    let signed = assert_each_debt_signed_once_at_most_with_its_evidence(&url, &data, &debts);
    println!("desk opt-in crash loop: {kills} SIGKILLs of the desk within {window_ms} ms of the signer's accept; {signed} of {} debts reached QI Tech, none twice, each with its evidence; integrity_check and the ledger ok after every kill", debts.len());
    let _ = std::fs::remove_dir_all(&data);
}

/// After a kill: the database passes integrity_check and the ledger verifies.
fn assert_intact_after_a_crash(env: &Env, data: &Path, when: &str) {
    let db = rusqlite::Connection::open(data.join("signet.sqlite3")).unwrap();
    assert_eq!(db.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok", "after {when}");
    let out = Command::new(&env.cli).args(["evidence", "verify", "--json"]).env("SIGNET_DATA_DIR", data).output().unwrap();
    assert!(out.status.success(), "the ledger does not verify after {when}: {}", String::from_utf8_lossy(&out.stdout));
}

/// No debt signed twice at QI Tech or recorded twice here, and every debt QI Tech
/// signed has its acceptance evidence in the ledger. How many were signed.
fn assert_each_debt_signed_once_at_most_with_its_evidence(url: &str, data: &Path, debts: &[String]) -> usize {
    let journal = sandbox_journal(url);
    let db = rusqlite::Connection::open(data.join("signet.sqlite3")).unwrap();
    let mut signed = 0;
    for debt in debts {
        let accepted = journal
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["path"].as_str().is_some_and(|p| p.contains(debt.as_str()) && p.ends_with("/signed")) && e["status"].as_u64().is_some_and(|s| s < 300)
            })
            .count();
        assert!(accepted <= 1, "debt {debt} signed {accepted} times");
        let operations: u32 = db.query_row("SELECT COUNT(*) FROM operations WHERE subject = ?1", [debt], |r| r.get(0)).unwrap();
        assert!(operations <= 1, "debt {debt} has {operations} operations");
        let evidence: u32 = db.query_row("SELECT COUNT(*) FROM evidence_ledger WHERE debt_key = ?1 AND kind = 'acceptance'", [debt], |r| r.get(0)).unwrap();
        assert!(accepted == 0 || evidence == 1, "debt {debt} was signed at QI Tech without its acceptance evidence on disk");
        signed += accepted;
    }
    signed
}

/// A `signet sandbox serve` of the test's own, stopped when dropped (a failing test
/// too: left running, it would hold the suite's output open).
struct ServedSandbox(std::process::Child);

impl Drop for ServedSandbox {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `signet sandbox serve` on a free port; the process and its address.
fn serve_sandbox(env: &Env) -> (ServedSandbox, String) {
    let port = free_port();
    let sandbox = ServedSandbox(
        Command::new(&env.cli).args(["sandbox", "serve", "--port", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the Sandbox did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (sandbox, format!("http://127.0.0.1:{port}"))
}

// Before the keyring test locks the keyring (the evidence key lives there).
// SIGKILL at random points of an opt-in submission, again and again: after each,
// the database passes integrity_check, the ledger verifies, no debt is signed twice
// or has more than one operation, and every debt QI Tech signed has its acceptance
// evidence in the ledger (written before sending).
#[tokio::test(flavor = "multi_thread")]
async fn a_branch_opt_in_killed_at_random_points_never_loses_its_evidence_or_signs_twice() {
    let env = Env::from_vars();
    let (_sandbox, url) = serve_sandbox(&env);
    let data = std::env::temp_dir().join(format!("signet-e2e-crash-{}", std::process::id()));
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-fpdf2.pdf");
    let loops: usize = std::env::var("SIGNET_CRASH_LOOPS").ok().and_then(|n| n.parse().ok()).unwrap_or(50);
    let mut x: u64 = 0x0_b71a_c0de;
    let (mut debts, mut kills) = (Vec::new(), 0);
    // The first submission runs to the end: its length is the window the kills fall in.
    let mut window_ms = u64::MAX;
    for i in 0..=loops {
        let added: serde_json::Value = serde_json::from_str(&sandbox_admin(&url, "POST", "/_sandbox/qitech/debts", "{}")).unwrap();
        let debt = added["key"].as_str().unwrap().to_string();
        let mut child = Command::new(&env.cli)
            .args(["optin", "submit", "--debt", &debt, "--contract", pdf.to_str().unwrap(), "--name", "Maria da Silva", "--email", "maria@example.com"])
            .args(["--phone-area", "11", "--phone-number", "999999999", "--cpf", "617.669.762-04", "--ip", "179.104.42.245", "--json"])
            .env("SIGNET_SANDBOX_URL", &url)
            .env("SIGNET_DATA_DIR", &data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if window_ms == u64::MAX {
            let started = Instant::now();
            assert!(child.wait().unwrap().success(), "the uninterrupted submission failed");
            window_ms = started.elapsed().as_millis().max(5) as u64;
        } else {
            std::thread::sleep(Duration::from_millis(x % window_ms));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                kills += 1;
            }
            child.wait().unwrap();
        }
        debts.push(debt);

        assert_intact_after_a_crash(&env, &data, &format!("crash {i}"));
    }
    let signed = assert_each_debt_signed_once_at_most_with_its_evidence(&url, &data, &debts);
    println!("opt-in crash loop: {loops} submissions killed at random points of a {window_ms} ms run, {kills} of them before the end; {signed} of all {} reached QI Tech; ledger verified and integrity_check ok after every one", debts.len());
    let _ = std::fs::remove_dir_all(&data);
}

// Named to run before the keyring test locks the keyring: the evidence is signed
// with the installation's key, which lives there.
#[tokio::test(flavor = "multi_thread")]
async fn a_branch_signs_an_opt_in_contract_from_the_command_line_and_proves_it_offline() {
    let env = Env::from_vars();
    let (_sandbox, url) = serve_sandbox(&env);
    let (code, sent) = submit_optin_from_the_cli(&env, &url, &["optin", "submit", "--debt", "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01"]);
    assert_eq!((code, sent["status"].as_str()), (0, Some("signature_received")), "{sent}");
    let session = sent["sessionId"].as_str().unwrap().to_string();
    // The installation's signing key went to the keyring, not to a file.
    let seed = secret_tool_lookup("installation/evidence-signing-key").expect("the evidence key is in the keyring");
    assert!(files_containing(&env.data_dir, seed.trim()).is_empty(), "the evidence key leaked into the data folder");

    let (code, verified) = signet_json(&env, &url, &["evidence", "verify"]);
    assert_eq!((code, verified["intact"].as_bool()), (0, Some(true)), "{verified}");
    let (_, found) = signet_json(&env, &url, &["evidence", "find", "617.669.762-04"]);
    assert!(found.as_array().unwrap().iter().any(|r| r["sessionId"] == session.as_str() && r["kind"] == "provider_response"), "{found}");

    let dossier = env.data_dir.join(format!("dossier-{session}.zip"));
    let (code, exported) = signet_json(&env, &url, &["evidence", "export", &session, "--out", dossier.to_str().unwrap()]);
    assert_eq!(code, 0, "{exported}");
    let (code, checked) = signet_json(&env, &url, &["evidence", "check", dossier.to_str().unwrap()]);
    assert_eq!((code, checked["valid"].as_bool(), checked["signerName"].as_str()), (0, Some(true), Some("Maria da Silva")), "{checked}");

    // One byte changed anywhere and the dossier no longer holds.
    let mut bytes = std::fs::read(&dossier).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x01;
    std::fs::write(&dossier, &bytes).unwrap();
    let (code, _) = signet_json(&env, &url, &["evidence", "check", dossier.to_str().unwrap()]);
    assert!(code == 6 || code == 2, "a damaged dossier passed (exit {code})");
}

/// Waits for a second window (the signer's) and returns both handles: (main, new).
async fn wait_for_new_window(c: &Client, main: &fantoccini::wd::WindowHandle) -> fantoccini::wd::WindowHandle {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(h) = c.windows().await.unwrap().into_iter().find(|h| h != main) {
            return h;
        }
        assert!(Instant::now() < deadline, "the signer's window did not open");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// Named to run before the keyring test locks the keyring (tests run in name order):
// the evidence is signed with the installation's key, which lives there.
#[tokio::test(flavor = "multi_thread")]
async fn an_operator_gets_an_opt_in_signature_on_the_signers_screen_and_exports_the_dossier() {
    use sha2::Digest;
    let env = Env::from_vars();
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-12-paginas.pdf");
    let dossier = env.data_dir.join(format!("dossie-e2e-{}.zip", std::process::id()));
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILE", pdf.to_str().unwrap()), ("SIGNET_TEST_SAVE_FILE", dossier.to_str().unwrap())]);
    let c = driver.open_desk(&env).await;
    let sandbox = use_sandbox(&c).await;

    click(&c, "[data-testid='nav-optin']").await;
    click(&c, "[data-testid='load-contract']").await;
    let summary = text(&c, "[data-testid='contract-summary']").await;
    assert!(summary.contains("contrato-12-paginas.pdf") && summary.contains("12 pages"), "{summary}");
    let text_sha = text(&c, "[data-testid='text-sha']").await;

    // The signer's details, with a CPF whose check digits are wrong.
    type_into(&c, "[data-testid='optin-debt']", "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01").await;
    type_into(&c, "[data-testid='signer-name']", "Maria da Silva").await;
    type_into(&c, "[data-testid='signer-email']", "maria@example.com").await;
    type_into(&c, "[data-testid='signer-phoneArea']", "11").await;
    type_into(&c, "[data-testid='signer-phoneNumber']", "999999999").await;
    type_into(&c, "[data-testid='signer-cpf']", "617.669.762-05").await;
    click(&c, "[data-testid='signer-name']").await;
    assert!(text(&c, "[data-testid='error-cpf']").await.contains("CPF"));
    assert!(!find(&c, "[data-testid='open-signer']").await.is_enabled().await.unwrap());
    type_into(&c, "[data-testid='signer-cpf']", "617.669.762-04").await;
    wait_for(&c, "[data-testid='open-signer']:not([disabled])").await;
    let main = c.window().await.unwrap();
    click(&c, "[data-testid='open-signer']").await;

    // The signer's window: Portuguese, and nothing to accept before reading to the end.
    let signer = wait_for_new_window(&c, &main).await;
    c.switch_to_window(signer.clone()).await.unwrap();
    wait_for(&c, "[data-testid='contract-text']").await;
    assert!(text(&c, "[data-testid='consent-wording']").await.starts_with("Li todo o contrato"));
    assert_eq!(text(&c, "[data-testid='signer-text-sha']").await, text_sha);
    assert!(!find(&c, "[data-testid='accept']").await.is_enabled().await.unwrap(), "accept is enabled before reading");
    assert!(!find(&c, "[data-testid='consent']").await.is_enabled().await.unwrap());
    wait_for(&c, "[data-testid='contract-text'][data-view='pages'] [data-testid='contract-page']").await;
    screenshot(&c, &env, "optin-signer.png").await;
    // The signer's window is granted three commands; anything else is refused there.
    let refused = c
        .execute_async("const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke('list_profiles').then(() => done('allowed'), (e) => done(String(e)));", vec![])
        .await
        .unwrap();
    assert!(refused.as_str().unwrap_or_default().contains("not allowed"), "the signer's window called list_profiles: {refused}");
    // The signer reads the PDF's pages as typeset, drawn a few at a time as they scroll.
    read_to_the_end(&c).await;
    assert_eq!(c.find_all(Locator::Css("[data-testid='contract-page']")).await.unwrap().len(), 12, "every page was drawn before the end counted");
    // The operator looks elsewhere and comes back: the signature under way is still
    // shown, as far as the signer got (pushed from Rust, not asked for).
    c.switch_to_window(main.clone()).await.unwrap();
    click(&c, "[data-testid='nav-today']").await;
    click(&c, "[data-testid='nav-optin']").await;
    let waiting = text(&c, "[data-testid='optin-status'][data-stage='reading']").await;
    assert!(waiting.contains("read to the end, waiting for acceptance"), "{waiting}");
    c.switch_to_window(signer.clone()).await.unwrap();
    // The text that is sent and hashed is one click away.
    click(&c, "[data-testid='signer-view-text']").await;
    assert!(text(&c, "[data-testid='contract-text'][data-view='text']").await.contains("Cláusula"));
    click(&c, "[data-testid='signer-view-pages']").await;
    assert!(!find(&c, "[data-testid='accept']").await.is_enabled().await.unwrap(), "accept is enabled before consent");
    click(&c, "[data-testid='consent']").await;
    click(&c, "[data-testid='accept']").await;
    wait_for(&c, "[data-testid='signer-done']").await;

    // The operator sees QI Tech's answer and finds the evidence by session id.
    c.switch_to_window(main).await.unwrap();
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("[data-testid='optin-status'][data-stage='done']")).await.unwrap();
    assert!(text(&c, "[data-testid='optin-result']").await.contains("signature_received"));
    let session = text(&c, "[data-testid='optin-session']").await;
    // The search box is one line with its Find button beside it (it once was a tall
    // empty box with the buttons stacked under it).
    let (query, find) = (rect(&c, "[data-testid='evidence-query']").await, rect(&c, "[data-testid='evidence-search']").await);
    assert!(query[3] < 60.0, "the evidence search box is {} px tall", query[3]);
    assert!((query[1] + query[3] / 2.0 - (find[1] + find[3] / 2.0)).abs() < 10.0 && find[0] > query[0], "Find is not beside the box: {query:?} {find:?}");
    type_into(&c, "[data-testid='evidence-query']", &session).await;
    click(&c, "[data-testid='evidence-search']").await;
    wait_for(&c, "[data-testid='evidence-row']").await;
    assert_eq!(c.find_all(Locator::Css("[data-testid='evidence-row']")).await.unwrap().len(), 2);
    click(&c, "[data-testid='evidence-export']").await;
    wait_for(&c, "[data-testid='evidence-exported']").await;
    screenshot(&c, &env, "optin-operator.png").await;

    // The dossier checks offline, and QI Tech received the very text the desk showed.
    let out = Command::new(&env.cli).args(["evidence", "check", dossier.to_str().unwrap(), "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["certificateVerified"], true, "{report}");
    // Its certificate reads back as text a person can check: who, what, when, how.
    let unzipped = env.data_dir.join(format!("dossier-{}", std::process::id()));
    assert!(Command::new("unzip")
        .args(["-q", "-o", dossier.to_str().unwrap(), "certificate.pdf", "evidence.json", "-d", unzipped.to_str().unwrap()])
        .status()
        .unwrap()
        .success());
    let certificate = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(unzipped.join("certificate.pdf")).arg("-").output().unwrap();
    let certificate = String::from_utf8_lossy(&certificate.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Electronic signature evidence certificate",
        "Maria da Silva",
        "***.669.762-**",
        "contrato-12-paginas.pdf",
        "12 páginas / pages",
        text_sha.as_str(),
        "signature_received",
        "signet evidence check",
    ] {
        assert!(certificate.contains(expected), "the certificate does not say {expected:?}: {certificate}");
    }
    let evidence: serde_json::Value = serde_json::from_slice(&std::fs::read(unzipped.join("evidence.json")).unwrap()).unwrap();
    assert_eq!(evidence["reading"]["view"], "pages", "the evidence says the signer read the pages");
    let journal = sandbox_journal(&sandbox);
    let sent =
        journal.as_array().unwrap().iter().rev().find(|e| e["path"].as_str().is_some_and(|p| p.ends_with("/signed"))).expect("QI Tech received the signature");
    let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    let raw_text = body["signatures"][0]["signed_object"]["raw_text"].as_str().unwrap();
    let sha: String = sha2::Sha256::digest(raw_text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sha, text_sha, "the text sent differs from the text shown");
    assert_eq!(body["signatures"][0]["authenticity"]["session_id"], session.as_str());
    c.close().await.unwrap();
}

/// Text an attacker (or a careless paste) could put in a field: markup that would
/// run script if it were ever rendered as HTML.
const HOSTILE: &str = r#"<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"'; DROP TABLE operations;--"#;

/// Sets every text field on the screen to `value` as typing would (the input event
/// Svelte listens to), then waits for the Rust-side checks to answer.
async fn fill_every_field(c: &Client, value: &str) -> usize {
    let filled = c
        .execute(
            "const fields = [...document.querySelectorAll('main input:not([type]), main input[type=text], main input[type=email], main input[type=tel], main input[type=url], main input[type=search], main input[type=password], main textarea')];
             for (const f of fields) {
               const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(f), 'value').set;
               setter.call(f, arguments[0]);
               f.dispatchEvent(new Event('input', { bubbles: true }));
               f.dispatchEvent(new Event('change', { bubbles: true }));
               f.dispatchEvent(new FocusEvent('blur'));
               f.dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
             }
             return fields.length;",
            vec![json!(value)],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    filled.as_u64().unwrap() as usize
}

/// Provider calls that change something (anything but a GET) the Sandbox received.
fn writes_received(sandbox: &str) -> usize {
    let journal = sandbox_journal(sandbox);
    journal.as_array().unwrap().iter().filter(|e| e["method"] != "GET").count()
}

// Every form of the desk, every field at once: empty, far too long, and hostile.
// Each time the screen shows errors instead of sending, nothing reaches a provider,
// and no markup typed in is ever rendered as HTML or run.
#[tokio::test(flavor = "multi_thread")]
async fn an_operator_typing_hostile_text_everywhere_gets_errors_and_nothing_is_sent_or_run() {
    let env = Env::from_vars();
    let driver = Driver::start(&[]);
    let c = driver.open_desk(&env).await;
    let sandbox = use_sandbox(&c).await;
    let writes = writes_received(&sandbox);
    let long = "9<".repeat(3000);
    let mut tried = 0;
    for page in ["payments", "signatures", "optin", "kyc", "activity", "settings"] {
        click(&c, &format!("[data-testid='nav-{page}']")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        for value in ["", long.as_str(), HOSTILE] {
            let fields = fill_every_field(&c, value).await;
            tried += fields;
            // Press every enabled send button outside Settings (where saving is
            // refused field by field, tested in the settings tests).
            if page != "settings" {
                c.execute("for (const b of document.querySelectorAll('main button[type=submit]:not([disabled])')) b.click();", vec![]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(600)).await;
            }
            let state = c
                .execute("return { pwned: window.__pwned ?? null, imgs: document.querySelectorAll('img[src=\"x\"], main script').length };", vec![])
                .await
                .unwrap();
            assert_eq!(state, json!({ "pwned": null, "imgs": 0 }), "{page}: typed markup was rendered or run");
            assert_eq!(writes_received(&sandbox), writes, "{page}: a value of {} characters was sent to a provider", value.len());
        }
        if page != "settings" && page != "activity" {
            // What the operator sees instead: at least one error naming the problem.
            let errors = c.execute("return [...document.querySelectorAll('main .error, main .field-error, main [role=alert], main [data-testid$=-error], main [data-testid^=error-]')].filter(e => e.offsetParent && e.textContent.trim()).length;", vec![]).await.unwrap();
            assert!(errors.as_u64().unwrap() > 0, "{page}: hostile input shows no error");
        }
    }
    println!("hostile input: {tried} field fills over 6 screens (empty, 6,000 characters, markup): 0 sent, 0 rendered");

    // The content security policy, as the real window enforces it: an injected
    // inline script does not run, and no remote address can be fetched or loaded.
    let csp = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const violated = [];
             document.addEventListener('securitypolicyviolation', (e) => violated.push(e.effectiveDirective));
             const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.head.appendChild(s);
             const img = new Image(); img.src = 'https://example.com/pixel.png'; document.body.appendChild(img);
             fetch('https://example.com/').catch(() => {}).finally(() => setTimeout(() => done({ inline: window.__inline ?? null, violated: [...new Set(violated)].sort() }), 300));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(csp["inline"], serde_json::Value::Null, "an inline script ran");
    let violated: Vec<&str> = csp["violated"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    for directive in ["connect-src", "img-src", "script-src"] {
        assert!(violated.iter().any(|v| v.starts_with(directive)), "the CSP did not block {directive}: {csp}");
    }
    c.close().await.unwrap();
}

// A second desk started on the same data folder says so and does not open a
// second working window; the first keeps working.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_desk_on_the_same_data_folder_is_refused_with_a_clear_message() {
    use std::io::Read;
    let env = Env::from_vars();
    let driver = Driver::start(&[]);
    let c = driver.open_desk(&env).await;
    let mut second = Command::new(&env.app).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = second.stderr.take().unwrap();
    let said = std::thread::spawn(move || {
        let mut text = String::new();
        let mut buf = [0u8; 512];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
            if text.contains("already open") {
                break;
            }
        }
        text
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !said.is_finished() {
        assert!(Instant::now() < deadline, "the second desk said nothing");
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = said.join().unwrap();
    assert!(text.contains("Signet is already open on this data folder"), "{text}");
    let _ = second.kill();
    let _ = second.wait();
    // The first desk is untouched.
    click(&c, "[data-testid='nav-activity']").await;
    wait_for(&c, "[data-testid='page-activity']").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_uploads_kyc_documents_sees_a_wrong_file_refused_and_the_status_verified() {
    let env = Env::from_vars();
    let dir = std::env::temp_dir().join(format!("signet-e2e-kyc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wrong = dir.join("rg-frente.jpg");
    std::fs::write(&wrong, "this is a note, not a photo").unwrap();
    let scan = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-reportlab.pdf");
    // The two dialogs of this test are answered in turn: first the wrong file, then the scan.
    let picks = format!("{}\n{}", wrong.display(), scan.display());
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILES", picks.as_str())]);
    let c = driver.open_desk(&env).await;
    use_sandbox(&c).await;

    click(&c, "[data-testid='nav-kyc']").await;
    type_into(&c, "[data-testid='kyc-customer']", "4e6f1b20-a73c-11ec-b909-0242ac120002").await;
    click(&c, "[data-testid='kyc-lookup']").await;
    wait_for(&c, "[data-testid='kyc-form']").await;
    assert!(text(&c, "[data-testid='kyc-status']").await.contains("3 of 3 document updates left"));

    click(&c, "[data-testid='kyc-choose-front']").await;
    let refused = text(&c, "[data-testid='kyc-file-error-front']").await;
    assert!(refused.starts_with("rg-frente.jpg") && refused.contains("not a JPG, PNG or PDF"), "{refused}");
    assert!(!find(&c, "[data-testid='kyc-submit']").await.is_enabled().await.unwrap());
    click(&c, "[data-testid='kyc-choose-front']").await;
    let facts = text(&c, "[data-testid='kyc-file-facts-front']").await;
    assert!(facts.contains("PDF") && facts.contains("3 page(s)"), "{facts}");

    type_into(&c, "[data-testid='kyc-number']", "BR1234567").await;
    type_into(&c, "[data-testid='kyc-address']", "Av. Paulista 1000, São Paulo").await;
    type_into(&c, "[data-testid='kyc-extra-issuing_country']", "BR").await;
    screenshot(&c, &env, "kyc.png").await;
    click(&c, "[data-testid='kyc-submit']").await;
    wait_for(&c, "[data-testid='kyc-result']").await;
    assert_eq!(text(&c, "[data-testid='kyc-status-value']").await, "UNVERIFIED");
    // Leaving the screen and coming back keeps the update sent and its customer followed.
    let sent = text(&c, "[data-testid='kyc-result']").await;
    click(&c, "[data-testid='nav-today']").await;
    click(&c, "[data-testid='nav-kyc']").await;
    assert_eq!(text(&c, "[data-testid='kyc-result']").await, sent);
    assert_eq!(find(&c, "[data-testid='kyc-customer']").await.prop("value").await.unwrap().as_deref(), Some("4e6f1b20-a73c-11ec-b909-0242ac120002"));
    // The Sandbox settles a submitted document after a few seconds.
    let deadline = Instant::now() + Duration::from_secs(30);
    while text(&c, "[data-testid='kyc-status-value']").await != "VERIFIED" {
        assert!(Instant::now() < deadline, "the status never reached VERIFIED");
        tokio::time::sleep(Duration::from_millis(1000)).await;
        click(&c, "[data-testid='kyc-check-now']").await;
    }
    assert!(text(&c, "[data-testid='kyc-status']").await.contains("2 of 3 document updates left"));
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

// A customer's crafted files, loaded at the desk: each is refused with a message that
// names it (the parser's crash or blow-up stays in the confined reader process), and
// the desk goes on working: the next, honest contract loads, and a hostile KYC image
// is refused on the KYC screen too.
#[tokio::test(flavor = "multi_thread")]
async fn a_customers_crafted_files_are_refused_by_name_and_the_desk_keeps_working() {
    let env = Env::from_vars();
    let hostile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/hostile");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-12-paginas.pdf");
    let picks = ["nested-arrays.pdf", "inflate-bomb.pdf", "truncated.pdf"]
        .iter()
        .map(|f| hostile.join(f))
        .chain([good.clone(), hostile.join("huge-50000x50000.png")])
        .map(|p| p.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILES", &picks)]);
    let c = driver.open_desk(&env).await;
    use_sandbox(&c).await;
    let pid = desk_pid(&env);

    click(&c, "[data-testid='nav-optin']").await;
    for (file, says) in
        [("nested-arrays.pdf", "nested-arrays.pdf"), ("inflate-bomb.pdf", "could not be read safely"), ("truncated.pdf", "cannot be read as a PDF")]
    {
        click(&c, "[data-testid='load-contract']").await;
        let error = text(&c, "[data-testid='optin-error']").await;
        assert!(error.contains(file) && error.contains(says), "{file}: {error}");
        assert_eq!(desk_pid(&env), pid, "the desk process changed after {file}");
    }
    // The desk still reads an honest contract.
    click(&c, "[data-testid='load-contract']").await;
    let summary = text(&c, "[data-testid='contract-summary']").await;
    assert!(summary.contains("contrato-12-paginas.pdf") && summary.contains("12 pages"), "{summary}");

    // An image that claims 50,000 × 50,000 pixels, as a KYC document.
    click(&c, "[data-testid='nav-kyc']").await;
    type_into(&c, "[data-testid='kyc-customer']", "4e6f1b20-a73c-11ec-b909-0242ac120002").await;
    click(&c, "[data-testid='kyc-lookup']").await;
    wait_for(&c, "[data-testid='kyc-form']").await;
    click(&c, "[data-testid='kyc-choose-front']").await;
    let refused = text(&c, "[data-testid='kyc-file-error-front']").await;
    assert!(refused.contains("huge-50000x50000.png") && refused.contains("50000×50000"), "{refused}");
    assert_eq!(desk_pid(&env), pid);
    c.close().await.unwrap();
}

/// The SHA-256 of a file, in hex.
fn file_sha256(path: &Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

// Leegality and Signzy from the signing screen: a Leegality request sent for an
// invitee, followed to signed and its signed PDF downloaded and kept; a Signzy
// contract's signed copy downloaded with Signzy's hash checked; and "Test connection"
// in Settings for a profile of IT's own, right and wrong.
#[tokio::test(flavor = "multi_thread")]
async fn an_operator_follows_leegality_and_signzy_contracts_to_their_signed_copies() {
    let env = Env::from_vars();
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-12-paginas.pdf");
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILE", pdf.to_str().unwrap())]);
    let c = driver.open_desk(&env).await;
    let sandbox = use_sandbox(&c).await;

    click(&c, "[data-testid='nav-optin']").await;
    click(&c, "[data-testid='tab-leegality']").await;
    click(&c, "[data-testid='leegality-pdf']").await;
    assert!(text(&c, "[data-testid='leegality-pdf-name']").await.contains("contrato-12-paginas.pdf"));
    type_into(&c, "[data-testid='leegality-name']", "Loan agreement LN-77").await;
    type_into(&c, "[data-testid='leegality-invitee-name']", "Asha Rao").await;
    // Neither email nor phone: refused by name, nothing sent.
    click(&c, "[data-testid='leegality-initiate']").await;
    assert!(text(&c, "[data-testid='leegality-field-error']").await.contains("Asha Rao"));
    type_into(&c, "[data-testid='leegality-invitee-email']", "asha@example.com").await;
    click(&c, "[data-testid='leegality-initiate']").await;
    wait_for(&c, "[data-testid='leegality-invitee-row'][data-state='waiting for signature']").await;
    let document = text(&c, "[data-testid='leegality-selected']").await;
    sandbox_admin(&sandbox, "POST", &format!("/_sandbox/leegality/{document}/invitees/0/sign"), "");
    click(&c, "[data-testid='leegality-refresh']").await;
    wait_for(&c, "[data-testid='leegality-invitee-row'][data-state='signed']").await;
    assert!(text(&c, "[data-testid='leegality-completion']").await.contains("signed by everyone"));
    click(&c, "[data-testid='leegality-download']").await;
    let shown_sha = text(&c, "[data-testid='signed-document'] [data-testid='signed-sha']").await;
    let kept = env.data_dir.join("signed-documents").join(format!("leegality-{document}-signed.pdf"));
    assert_eq!(file_sha256(&kept), shown_sha, "the desk shows the SHA-256 of the file it kept");
    assert!(text(&c, "[data-testid='signed-hash-check']").await.contains("no hash"));
    screenshot(&c, &env, "leegality.png").await;

    // Signzy: a contract sent, both signers sign, its signed copy checked against Signzy's hash.
    click(&c, "[data-testid='tab-signzy']").await;
    click(&c, "[data-testid='signzy-pdf']").await;
    type_into(&c, "[data-testid='signzy-name']", "Loan LN-78").await;
    type_into(&c, "[data-testid='signzy-executer']", "Demo Lending").await;
    type_into(&c, "[data-testid='signzy-signer-name']", "Ravi Nair").await;
    type_into(&c, "[data-testid='signzy-signer-email']", "ravi@example.com").await;
    type_into(&c, "[data-testid='signzy-signer-mobile']", "9876543210").await;
    click(&c, "[data-testid='signzy-initiate']").await;
    wait_for(&c, "[data-testid='signzy-signer-row']").await;
    let journal = sandbox_journal(&sandbox);
    let initiated = journal.as_array().unwrap().iter().rev().find(|e| e["path"] == "/api/v3/contract/initiate").expect("Signzy received the contract");
    assert!(initiated["body"].as_str().unwrap().contains("Loan LN-78"));
    let contract_id = c.execute("return document.querySelector(\"[data-testid='signzy-contracts'] code\").textContent", vec![]).await.unwrap();
    let contract_id = contract_id.as_str().unwrap().to_string();
    let status: serde_json::Value = serde_json::from_str(&sandbox_admin_pull(&sandbox, &contract_id)).unwrap();
    let signer = status["signerdetail"][0]["signerId"].as_str().unwrap().to_string();
    sandbox_admin(&sandbox, "POST", &format!("/_sandbox/signzy/{contract_id}/signers/{signer}/sign"), "{}");
    click(&c, "[data-testid='signzy-refresh']").await;
    click(&c, "[data-testid='signzy-final-copy']").await;
    assert!(text(&c, "[data-testid='signed-hash-check']").await.contains("Matches the hash the provider states"));

    // Test connection, for a profile IT set up by hand against the same Sandbox.
    click(&c, "[data-testid='nav-settings']").await;
    type_into(&c, "[data-testid='new-profile-name']", "Branch 12").await;
    click(&c, "[data-testid='create-profile']").await;
    click(&c, "[data-testid='tab-leegality']").await;
    type_into(&c, "[data-testid='base-url-leegality']", &sandbox).await;
    type_into(&c, "[data-testid='field-leegality-profile_id']", "SBXWF01").await;
    click(&c, "[data-testid='save-settings-leegality']").await;
    wait_for(&c, "[data-testid='provider-leegality'] .ok").await;
    for (token, ok) in [("wrong-token", "false"), ("leegality-sandbox-token-91d3f7", "true")] {
        click(&c, "[data-testid='secret-edit-leegality-auth_token']").await;
        type_into(&c, "[data-testid='secret-input-leegality-auth_token']", token).await;
        click(&c, "[data-testid='secret-save-leegality-auth_token']").await;
        wait_for(&c, "[data-testid='secret-leegality-auth_token'][data-state='set']").await;
        click(&c, "[data-testid='test-connection-leegality']:not([disabled])").await;
        wait_for(&c, &format!("[data-testid='test-result-leegality'][data-ok='{ok}']")).await;
    }
    assert!(text(&c, "[data-testid='test-result-leegality']").await.contains("credentials work"));
    c.close().await.unwrap();
}

/// Signzy's status of a contract, asked of the Sandbox with its demo token.
fn sandbox_admin_pull(base: &str, contract_id: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let body = format!("{{\"contractId\":\"{contract_id}\",\"base64EncodedOutput\":false}}");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "POST /api/v3/contract/pullData HTTP/1.1\r\nHost: {addr}\r\nAuthorization: signzy-sandbox-token-2c8e4a\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

// The Sandbox's published demo values (crates/signet-sandbox/src/demo.rs and
// credentials.rs), used by a desk profile IT set up by hand against it.
const SANDBOX_DEPARTMENT: &str = "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01";
const SANDBOX_KPAY_USERNAME: &str = "signet-sandbox";
const SANDBOX_KPAY_PASSWORD: &str = "sandbox-kpay-password";

/// Team mode with a real desk: another desk (the `signet` command line, its own data
/// folder) sends a payment request; the desk, set up in Settings with the team store
/// and tested there, is stopped from sending the same invoice and told by whom,
/// sends it again on purpose, and sees both desks' history in Activity's Team scope.
#[tokio::test(flavor = "multi_thread")]
async fn a_desk_in_team_mode_is_told_another_desk_sent_the_invoice_and_sees_the_teams_history() {
    let env = Env::from_vars();
    let pg = signet_testpg::TestPg::start();
    pg.psql("postgres", "CREATE DATABASE signet");
    let scratch = std::env::temp_dir().join(format!("signet-e2e-team-admin-{}", std::process::id()));
    let admin = |args: &[&str]| {
        let out = Command::new(&env.cli)
            .args(args)
            .arg("--json")
            .env("SIGNET_DATA_DIR", &scratch)
            .env("SIGNET_TEAM_ADMIN_PASSWORD", signet_testpg::ADMIN_PASSWORD)
            .output()
            .unwrap();
        assert!(out.status.success(), "signet {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    };
    admin(&["team", "init", "--url", &pg.admin_url("signet")]);
    for role in ["ana", "ravi"] {
        pg.psql("signet", &format!("CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'"));
        admin(&["team", "member", "--url", &pg.admin_url("signet"), "--role", role, "--branch", "Branch North"]);
    }
    let team_url = format!("postgresql://127.0.0.1:{}/signet", pg.port);
    let (_sandbox, sandbox) = serve_sandbox(&env);
    let invoice = "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e77";

    // Ravi's desk: the command line with its own data folder, credentials from its environment.
    let ravi = std::env::temp_dir().join(format!("signet-e2e-team-ravi-{}", std::process::id()));
    let ravi_env = [("SIGNET_MYKAARMA_PASSWORD", SANDBOX_KPAY_PASSWORD), ("SIGNET_TEAM_PASSWORD", "pw-ravi")];
    let signet_ravi = |args: &[&str]| {
        let out = Command::new(&env.cli).args(args).arg("--json").env("SIGNET_DATA_DIR", &ravi).envs(ravi_env).stdin(Stdio::null()).output().unwrap();
        assert!(out.status.success(), "signet {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    };
    signet_ravi(&["profile", "create", "Branch"]);
    signet_ravi(&["profile", "use", "Branch"]);
    signet_ravi(&["profile", "configure", "--provider", "mykaarma", "--base-url", &sandbox, "--set", &format!("username={SANDBOX_KPAY_USERNAME}")]);
    signet_ravi(&["profile", "configure", "--provider", "team", "--base-url", &team_url, "--set", "user=ravi", "--set", "desk_name=North counter 2"]);
    signet_ravi(&["payment-request", "send", "--department", SANDBOX_DEPARTMENT, "--invoice", invoice, "--email"]);

    // Ana's desk, set up in Settings as IT would.
    let driver = Driver::start(&[]);
    let c = driver.open_desk(&env).await;
    click(&c, "[data-testid='nav-settings']").await;
    type_into(&c, "[data-testid='new-profile-name']", "North").await;
    click(&c, "[data-testid='create-profile']").await;
    click(&c, "[data-testid='tab-mykaarma']").await;
    type_into(&c, "[data-testid='base-url-mykaarma']", &sandbox).await;
    type_into(&c, "[data-testid='field-mykaarma-username']", SANDBOX_KPAY_USERNAME).await;
    type_into(&c, "[data-testid='field-mykaarma-departments']", &format!("Service: {SANDBOX_DEPARTMENT}")).await;
    click(&c, "[data-testid='save-settings-mykaarma']").await;
    wait_for(&c, "[data-testid='provider-mykaarma'] .ok").await;
    click(&c, "[data-testid='secret-edit-mykaarma-password']").await;
    type_into(&c, "[data-testid='secret-input-mykaarma-password']", SANDBOX_KPAY_PASSWORD).await;
    click(&c, "[data-testid='secret-save-mykaarma-password']").await;
    wait_for(&c, "[data-testid='secret-mykaarma-password'][data-state='set']").await;

    click(&c, "[data-testid='tab-team']").await;
    type_into(&c, "[data-testid='base-url-team']", &team_url).await;
    type_into(&c, "[data-testid='field-team-user']", "ana").await;
    type_into(&c, "[data-testid='field-team-desk_name']", "North counter 1").await;
    click(&c, "[data-testid='save-settings-team']").await;
    wait_for(&c, "[data-testid='provider-team'] .ok").await;
    // A wrong password is refused by the server; the right one passes the test.
    for (password, ok) in [("not-anas-password", "false"), ("pw-ana", "true")] {
        click(&c, "[data-testid='secret-edit-team-password']").await;
        type_into(&c, "[data-testid='secret-input-team-password']", password).await;
        click(&c, "[data-testid='secret-save-team-password']").await;
        wait_for(&c, "[data-testid='secret-team-password'][data-state='set']").await;
        click(&c, "[data-testid='test-connection-team']:not([disabled])").await;
        wait_for(&c, &format!("[data-testid='test-result-team'][data-ok='{ok}']")).await;
    }
    let tested = text(&c, "[data-testid='test-result-team']").await;
    assert!(tested.contains("ana") && tested.contains("Branch North"), "{tested}");
    click(&c, "[data-testid='use-profile']").await;
    wait_for(&c, "[data-testid='status-team']").await;

    // The same invoice: the team guard names Ravi's desk, and nothing is sent.
    click(&c, "[data-testid='nav-payments']").await;
    wait_for(&c, "[data-testid='department'] option").await;
    select_value(&c, "[data-testid='department']", SANDBOX_DEPARTMENT).await;
    type_into(&c, "[data-testid='invoice']", invoice).await;
    click(&c, "[data-testid='send']:not([disabled])").await;
    let guard = text(&c, "[data-testid='team-duplicate']").await;
    assert!(guard.contains("North counter 2") && guard.contains("ravi") && guard.contains("Branch North"), "{guard}");
    let received = || {
        sandbox_journal(&sandbox)
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["method"] == "POST" && e["path"].as_str().unwrap().ends_with("/payment-requests") && e["body"].as_str().unwrap().contains(invoice))
            .count()
    };
    assert_eq!(received(), 1, "the refused send reached myKaarma");
    screenshot(&c, &env, "team-guard.png").await;
    // Sent again on purpose: it goes, and the team sees that it did.
    click(&c, "[data-testid='team-send-again']").await;
    wait_for(&c, "[data-testid='result']").await;
    assert_eq!(received(), 2);

    // Activity, Team scope: both desks' sends, from the team store.
    click(&c, "[data-testid='nav-activity']").await;
    click(&c, "[data-testid='scope-team']").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = text(&c, "[data-testid='team-operations'] tbody").await;
        if rows.contains("North counter 1") && rows.contains("North counter 2") {
            break;
        }
        assert!(Instant::now() < deadline, "the team's history never showed both desks: {rows}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        // The page loads on opening; open it again for the desk's latest push.
        click(&c, "[data-testid='scope-desk']").await;
        click(&c, "[data-testid='scope-team']").await;
    }
    select_value(&c, "[data-testid='team-filter-desk']", "North counter 2").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while text(&c, "[data-testid='team-operations'] tbody").await.contains("North counter 1") {
        assert!(Instant::now() < deadline, "the desk filter did not filter");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Everything this desk did has reached the team store: nothing left to push.
    wait_for(&c, "[data-testid='status-team'][data-queued='0']").await;
    assert_eq!(text(&c, "[data-testid='status-team']").await, "Team");
    screenshot(&c, &env, "team-activity.png").await;
    // The tests after this one start from the Sandbox profile.
    use_sandbox(&c).await;
    c.close().await.unwrap();
    for dir in [&ravi, &scratch] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// moto's S3 server (installed by scripts/setup.sh test into .tools/) on a free port,
/// with a bucket created with Object Lock on. Stopped when dropped.
fn moto_with_locked_bucket(bucket: &str) -> (ServedSandbox, String) {
    use std::io::{Read, Write};
    let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/moto_server");
    assert!(server.exists(), "moto's S3 server is missing: run scripts/setup.sh test");
    let port = free_port();
    let moto = ServedSandbox(Command::new(server).args(["-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            let request =
                format!("PUT /{bucket} HTTP/1.1\r\nHost: {addr}\r\nx-amz-bucket-object-lock-enabled: true\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let mut reply = String::new();
            if s.write_all(request.as_bytes()).is_ok() && s.read_to_string(&mut reply).is_ok() && reply.starts_with("HTTP/1.1 200") {
                return (moto, format!("http://{addr}"));
            }
        }
        assert!(Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
}

// Named to run after the tests that sign opt-ins (their evidence is archived too)
// and before the keyring test locks the keyring (the archive's keys live there).
/// A profile with an evidence archive: Test connection in Settings says the bucket
/// locks what it is given, the desk archives the ledger by itself (the status bar
/// counts down to nothing left), and "Check the archive" finds it intact.
#[tokio::test(flavor = "multi_thread")]
async fn an_evidence_archive_keeps_the_desks_evidence_locked_and_checks_it() {
    let env = Env::from_vars();
    let (_moto, s3) = moto_with_locked_bucket("signet-evidence-e2e");
    let (_sandbox, url) = serve_sandbox(&env);
    // Evidence to archive: an opt-in signed from the command line on the Sandbox profile.
    let (code, sent) = submit_optin_from_the_cli(&env, &url, &["--profile", "Sandbox", "optin", "submit", "--debt", "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c02"]);
    assert_eq!(code, 0, "{sent}");

    let driver = Driver::start(&[]);
    let c = driver.open_desk(&env).await;
    click(&c, "[data-testid='nav-settings']").await;
    type_into(&c, "[data-testid='new-profile-name']", "Vault").await;
    click(&c, "[data-testid='create-profile']").await;
    click(&c, "[data-testid='tab-archive']").await;
    type_into(&c, "[data-testid='base-url-archive']", &s3).await;
    type_into(&c, "[data-testid='field-archive-bucket']", "signet-evidence-e2e").await;
    type_into(&c, "[data-testid='field-archive-prefix']", "branch-north").await;
    click(&c, "[data-testid='save-settings-archive']").await;
    wait_for(&c, "[data-testid='provider-archive'] .ok").await;
    for field in ["access_key_id", "secret_access_key"] {
        click(&c, &format!("[data-testid='secret-edit-archive-{field}']")).await;
        type_into(&c, &format!("[data-testid='secret-input-archive-{field}']"), "testing").await;
        click(&c, &format!("[data-testid='secret-save-archive-{field}']")).await;
        wait_for(&c, &format!("[data-testid='secret-archive-{field}'][data-state='set']")).await;
    }
    click(&c, "[data-testid='test-connection-archive']:not([disabled])").await;
    wait_for(&c, "[data-testid='test-result-archive'][data-ok='true']").await;
    assert!(text(&c, "[data-testid='test-result-archive']").await.contains("COMPLIANCE"));

    // In use, the desk archives by itself: nothing left to archive.
    click(&c, "[data-testid='use-profile']").await;
    wait_for(&c, "[data-testid='status-archive']").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.find(Locator::Css("[data-testid='status-archive'][data-not-archived='0']")).await.is_err() {
        assert!(Instant::now() < deadline, "the desk did not archive its evidence: {}", text(&c, "[data-testid='status-archive']").await);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    click(&c, "[data-testid='archive-verify']").await;
    wait_for(&c, "[data-testid='archive-report'][data-intact='true']").await;
    let report = text(&c, "[data-testid='archive-report']").await;
    assert!(report.contains("Intact") && report.contains("dossiers"), "{report}");
    screenshot(&c, &env, "settings-archive.png").await;
    use_sandbox(&c).await;
    c.close().await.unwrap();
}

/// `signet ... optin submit` for Maria da Silva on the 12-page contract fixture;
/// `head` names the profile, the command and the debt.
fn submit_optin_from_the_cli(env: &Env, url: &str, head: &[&str]) -> (i32, serde_json::Value) {
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-fpdf2.pdf");
    let signer = [
        "--contract",
        pdf.to_str().unwrap(),
        "--name",
        "Maria da Silva",
        "--email",
        "maria@example.com",
        "--phone-area",
        "11",
        "--phone-number",
        "999999999",
        "--cpf",
        "617.669.762-04",
        "--ip",
        "179.104.42.245",
    ];
    let args: Vec<&str> = head.iter().copied().chain(signer).collect();
    signet_json(env, url, &args)
}
