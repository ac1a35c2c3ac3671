//! The real desk in a real window, driven like an operator would drive it.
//!
//! Run by `scripts/e2e.sh`, which provides an X display (Xvfb), a private D-Bus
//! session with an unlocked GNOME Keyring, a throwaway HOME and data folder, and the
//! built binary. This test starts tauri-driver itself; every WebDriver session is a
//! fresh start of the desk.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use serde_json::json;

struct Env {
    app: PathBuf,
    cli: PathBuf,
    data_dir: PathBuf,
    screenshots: PathBuf,
}

impl Env {
    fn from_vars() -> Env {
        let var = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .unwrap_or_else(|| panic!("{name} is not set: run the end-to-end suite through scripts/e2e.sh"))
        };
        Env { app: var("SIGNET_E2E_APP"), cli: var("SIGNET_E2E_CLI"), data_dir: var("SIGNET_DATA_DIR"), screenshots: var("SIGNET_E2E_SCREENSHOTS") }
    }
}

/// tauri-driver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// `env` is added to what the desks it starts inherit.
    fn start(env: &[(&str, &str)]) -> Driver {
        let port = free_port();
        // Its own process group, so WebKitWebDriver and the desk go with it on drop.
        use std::os::unix::process::CommandExt;
        let child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
            .envs(env.iter().copied())
            .process_group(0)
            .stdout(Stdio::null())
            .spawn()
            .expect("tauri-driver must be installed (scripts/setup.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }

    /// Starts the desk in a new window and waits until its UI says it is ready.
    async fn open_desk(&self, env: &Env) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": env.app }));
        caps.insert("browserName".into(), json!("wry"));
        // Setting up a session through tauri-driver and WebKitWebDriver now and then
        // breaks off before the desk is involved; that setup is retried, nothing else.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            match ClientBuilder::rustls().expect("TLS roots").capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{}", self.port)).await {
                Ok(client) => break client,
                Err(e) if attempt < 3 => {
                    eprintln!("e2e: WebDriver session setup failed ({e}); trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => panic!("a WebDriver session with the desk: {e}"),
            }
        };
        client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("body[data-ready='true']"))
            .await
            .expect("the desk reports ready");
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group (WebKitWebDriver and the desk go with tauri-driver). Called
        // directly: procps' `kill -TERM -PID` can end up as kill(-1), every process.
        if let Ok(pgid) = i32::try_from(self.child.id()) {
            if pgid > 1 {
                unsafe { libc::kill(-pgid, libc::SIGTERM) };
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn find(c: &Client, css: &str) -> Element {
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn text(c: &Client, css: &str) -> String {
    find(c, css).await.text().await.unwrap()
}

/// Waits until `css` matches (e.g. an attribute reaching a state).
async fn wait_for(c: &Client, css: &str) {
    find(c, css).await;
}

async fn click(c: &Client, css: &str) {
    let el = find(c, css).await;
    // Bring it to the middle of its scrolling pane first, as an operator would scroll to it.
    c.execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&el).unwrap()]).await.unwrap();
    if let Err(e) = el.click().await {
        screenshot_to(c, Path::new("/tmp/signet-e2e-failure.png")).await;
        panic!("click {css}: {e:?} (screenshot: /tmp/signet-e2e-failure.png)");
    }
}

async fn type_into(c: &Client, css: &str, value: &str) {
    let el = find(c, css).await;
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

async fn open_profile(c: &Client, name: &str) {
    click(c, &format!("[data-testid='profile-item'][data-profile-name='{name}']")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while text(c, "[data-testid='profile-title']").await != name {
        assert!(Instant::now() < deadline, "profile {name} did not open");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Makes the Sandbox profile active (another test may have switched profiles) and
/// returns the address the in-process Sandbox serves on.
async fn use_sandbox(c: &Client) -> String {
    click(c, "[data-testid='nav-settings']").await;
    open_profile(c, "Sandbox").await;
    if !text(c, "[data-testid='status-profile']").await.contains("Sandbox") {
        click(c, "[data-testid='use-profile']").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !text(c, "[data-testid='status-profile']").await.contains("Sandbox") {
            assert!(Instant::now() < deadline, "could not switch to the Sandbox profile");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let notice = text(c, "[data-testid='sandbox-url']").await;
    notice.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).expect("the Sandbox's address").trim_end_matches(',').to_string()
}

/// One plain HTTP/1.1 call to the Sandbox's admin endpoints (loopback only); the body.
fn sandbox_admin(base: &str, method: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    reply.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

/// Sets the Sandbox's faults through its admin endpoint.
fn set_sandbox_faults(base: &str, json: &str) {
    sandbox_admin(base, "PUT", "/_sandbox/faults", json);
}

/// Saves what the window shows into the docs' screenshot folder.
async fn screenshot(c: &Client, env: &Env, name: &str) {
    std::fs::create_dir_all(&env.screenshots).unwrap();
    screenshot_to(c, &env.screenshots.join(name)).await;
}

/// Waits two animation frames first, so the picture is not a stale frame.
async fn screenshot_to(c: &Client, path: &Path) {
    c.execute_async("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));", vec![])
        .await
        .unwrap();
    std::fs::write(path, c.screenshot().await.unwrap()).unwrap();
}

fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "signet", "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
}

/// Locks the login keyring through the Secret Service API, as the screen locker would.
/// (`secret-tool lock` waits on a prompt that never comes in a headless session.)
fn lock_login_keyring() {
    let status = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .stdout(Stdio::null())
        .status()
        .expect("dbus-send (package dbus) must be installed");
    assert!(status.success(), "could not lock the login keyring");
}

/// Every file under `dir` (database, WAL, logs) that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            hits.extend(files_containing(&path, needle));
        } else if std::fs::read(&path).unwrap().windows(needle.len()).any(|w| w == needle.as_bytes()) {
            hits.push(path);
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_keeps_a_secret_in_the_os_keyring_across_restarts() {
    let env = Env::from_vars();
    let driver = Driver::start(&[]);
    let marker = format!("dp-secret-{}", std::process::id());

    // First start: the Sandbox profile is active and the keyring is usable.
    let c = driver.open_desk(&env).await;
    assert!(text(&c, "[data-testid='status-profile']").await.contains("Sandbox"));
    wait_for(&c, "[data-testid='status-keyring'][data-state='available']").await;
    assert_eq!(text(&c, "[data-testid='profile-title']").await, "Sandbox");
    assert!(text(&c, "[data-testid='sandbox-url']").await.contains("http://127.0.0.1:"), "the built-in Sandbox is not serving");
    screenshot(&c, &env, "settings-sandbox.png").await;

    // Every area of the sidebar opens.
    for area in ["payments", "signatures", "optin", "kyc", "activity"] {
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
    open_profile(&c, "Production").await;
    click(&c, "[data-testid='tab-dollarpe']").await;
    wait_for(&c, "[data-testid='secret-dollarpe-api_secret'][data-state='set']").await;
    assert!(text(&c, "[data-testid='secret-dollarpe-api_secret']").await.contains("set"));
    assert!(!c.source().await.unwrap().contains(&marker), "the secret reached the webview");
    assert_eq!(
        find(&c, "[data-testid='base-url-dollarpe']").await.prop("value").await.unwrap().as_deref(),
        Some("https://sandbox.dollarpe.xyz")
    );

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
    click(&c, "[data-testid='send']").await;
    wait_for(&c, "[data-testid='result']").await;
    assert!(text(&c, "[data-testid='link-payment']").await.contains("http://127.0.0.1:"));
    assert!(text(&c, "[data-testid='link-invoice']").await.contains("/invoice/"));
    assert!(text(&c, "[data-testid='channel-text']").await.contains("failed"));
    assert!(text(&c, "[data-testid='channel-email']").await.contains("sent"));
    screenshot(&c, &env, "payments-compose.png").await;

    // The same invoice again: the desk shows the earlier request and asks.
    click(&c, "[data-testid='send']").await;
    let guard = text(&c, "[data-testid='duplicate-guard']").await;
    assert!(guard.contains("already has a payment request") && guard.contains("http://127.0.0.1:"), "{guard}");
    click(&c, "[data-testid='keep-earlier']").await;
    assert!(c.find(Locator::Css("[data-testid='duplicate-guard']")).await.is_err());

    // The connection drops after myKaarma acted: the desk says the outcome is unknown
    // and counts it as needing attention.
    set_sandbox_faults(&sandbox, r#"{"drop_after_rate": 1.0}"#);
    type_into(&c, "[data-testid='invoice']", "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01").await;
    click(&c, "[data-testid='send']").await;
    assert!(text(&c, "[data-testid='send-error']").await.contains("Outcome unknown"));
    set_sandbox_faults(&sandbox, "{}");
    wait_for(&c, "[data-testid='status-attention']").await;

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
    set_sandbox_faults(&sandbox, r#"{"latency_ms": 40}"#);

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
    click(&c, "[data-testid='send']").await;
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
    click(&c, "[data-testid='track']").await;
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

// Named to run before the keyring test locks the keyring: the evidence is signed
// with the installation's key, which lives there.
#[tokio::test(flavor = "multi_thread")]
async fn a_branch_signs_an_opt_in_contract_from_the_command_line_and_proves_it_offline() {
    let env = Env::from_vars();
    let port = free_port();
    let mut sandbox = Command::new(&env.cli).args(["sandbox", "serve", "--port", &port.to_string()]).stderr(Stdio::null()).spawn().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the Sandbox did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/signet-core/tests/fixtures/contracts/contrato-fpdf2.pdf");
    let (code, sent) = signet_json(&env, &url, &[
        "optin", "submit", "--debt", "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01", "--contract", pdf.to_str().unwrap(),
        "--name", "Maria da Silva", "--email", "maria@example.com", "--phone-area", "11", "--phone-number", "999999999",
        "--cpf", "617.669.762-04", "--ip", "179.104.42.245",
    ]);
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
    let _ = sandbox.kill();
    let _ = sandbox.wait();
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
    screenshot(&c, &env, "optin-signer.png").await;
    c.execute(
        "const el = document.querySelector(\"[data-testid='contract-text']\"); el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll'));",
        vec![],
    )
    .await
    .unwrap();
    wait_for(&c, "[data-testid='consent']:not([disabled])").await;
    assert!(!find(&c, "[data-testid='accept']").await.is_enabled().await.unwrap(), "accept is enabled before consent");
    click(&c, "[data-testid='consent']").await;
    click(&c, "[data-testid='accept']").await;
    wait_for(&c, "[data-testid='signer-done']").await;

    // The operator sees QI Tech's answer and finds the evidence by session id.
    c.switch_to_window(main).await.unwrap();
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("[data-testid='optin-status'][data-stage='done']")).await.unwrap();
    assert!(text(&c, "[data-testid='optin-result']").await.contains("signature_received"));
    let session = text(&c, "[data-testid='optin-session']").await;
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
    let journal: serde_json::Value = serde_json::from_str(&sandbox_admin(&sandbox, "GET", "/_sandbox/journal", "")).unwrap();
    let sent = journal.as_array().unwrap().iter().rev().find(|e| e["path"].as_str().is_some_and(|p| p.ends_with("/signed"))).expect("QI Tech received the signature");
    let body: serde_json::Value = serde_json::from_str(sent["body"].as_str().unwrap()).unwrap();
    let raw_text = body["signatures"][0]["signed_object"]["raw_text"].as_str().unwrap();
    let sha: String = sha2::Sha256::digest(raw_text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sha, text_sha, "the text sent differs from the text shown");
    assert_eq!(body["signatures"][0]["authenticity"]["session_id"], session.as_str());
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
