//! The end-to-end harness: tauri-driver, a WebDriver session with the real desk, and
//! the steps an operator takes. The suites are in tests/ (the desk's flows in
//! desk.rs, the start-up and memory measurements in measure.rs).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub struct Env {
    pub app: PathBuf,
    pub cli: PathBuf,
    pub data_dir: PathBuf,
    pub screenshots: PathBuf,
    /// The window's inner size for this run (`SIGNET_E2E_WINDOW=1024x640`), when
    /// not the desk's default: layout problems show up at a small laptop's size.
    pub window: Option<(u32, u32)>,
}

impl Env {
    pub fn from_vars() -> Env {
        let var = |name: &str| {
            std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| panic!("{name} is not set: run the end-to-end suite through scripts/e2e.sh"))
        };
        let window = std::env::var("SIGNET_E2E_WINDOW").ok().filter(|w| !w.is_empty()).map(|w| {
            let (width, height) = w.split_once('x').unwrap_or_else(|| panic!("SIGNET_E2E_WINDOW={w}: give WIDTHxHEIGHT, e.g. 1024x640"));
            (width.parse().expect("SIGNET_E2E_WINDOW width"), height.parse().expect("SIGNET_E2E_WINDOW height"))
        });
        Env { app: var("SIGNET_E2E_APP"), cli: var("SIGNET_E2E_CLI"), data_dir: var("SIGNET_DATA_DIR"), screenshots: var("SIGNET_E2E_SCREENSHOTS"), window }
    }
}

/// tauri-driver on a free port, stopped when dropped.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    /// `env` is added to what the desks it starts inherit.
    pub fn start(env: &[(&str, &str)]) -> Driver {
        let port = driver_port(&[]);
        let native = driver_port(&[port]);
        // Its own process group, so WebKitWebDriver and the desk go with it on drop.
        use std::os::unix::process::CommandExt;
        let child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
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
    pub async fn open_desk(&self, env: &Env) -> Client {
        self.open_app(&env.app, env.window).await
    }

    /// Any Tauri app whose page sets `data-ready` on its body once it can be used (the
    /// desk, or the bare window its memory is measured against).
    pub async fn open_app(&self, app: &Path, window: Option<(u32, u32)>) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": app }));
        caps.insert("browserName".into(), json!("wry"));
        // Setting up a session through tauri-driver and WebKitWebDriver now and then
        // breaks off before the desk is involved; that setup is retried, nothing else.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            match ClientBuilder::new(HttpConnector::new()).capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{}", self.port)).await {
                Ok(client) => break client,
                Err(e) if attempt < 3 => {
                    eprintln!("e2e: WebDriver session setup failed ({e}); trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => panic!("a WebDriver session with the desk: {e}"),
            }
        };
        client.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("body[data-ready='true']")).await.expect("the desk reports ready");
        if let Some((width, height)) = window {
            resize(&client, width, height).await;
        }
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

/// Gives the desk's window the inner size asked for, and checks that it took it.
async fn resize(c: &Client, width: u32, height: u32) {
    let inner = || async { c.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.unwrap() };
    let before = inner().await;
    let (outer_w, outer_h) = c.get_window_size().await.expect("the window's size");
    // The frame around the page (title bar, borders) is whatever the window had beyond its inner size.
    let frame_w = outer_w as i64 - before[0].as_i64().unwrap();
    let frame_h = outer_h as i64 - before[1].as_i64().unwrap();
    c.set_window_size((width as i64 + frame_w) as u32, (height as i64 + frame_h) as u32).await.expect("resizing the window");
    let deadline = Instant::now() + Duration::from_secs(5);
    while inner().await != json!([width, height]) {
        assert!(Instant::now() < deadline, "the window did not take the size {width}x{height}: inner size {}", inner().await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A free port for tauri-driver and WebKitWebDriver, below Linux's ephemeral range
/// (32768 and up). WebKitWebDriver binds its port only when a session starts, and a
/// port from the ephemeral range could by then be taken by anything that binds port
/// 0 (the desk's Sandbox, a test server), which failed a run once.
fn driver_port(taken: &[u16]) -> u16 {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() ^ std::process::id();
    (0..1000u32)
        .map(|i| 20_000 + ((seed.wrapping_mul(2_654_435_761).wrapping_add(i.wrapping_mul(7_919))) % 12_000) as u16)
        .find(|&port| !taken.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok())
        .expect("a free port between 20000 and 32000")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub async fn find(c: &Client, css: &str) -> Element {
    match c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await {
        Ok(el) => el,
        Err(e) => fail(c, css, &format!("not found: {e}")).await,
    }
}

/// Finds `css` and brings it to the middle of its scrolling pane, as an operator
/// would scroll to it: WebKitWebDriver refuses to act on an element out of view,
/// and what is in view depends on the window's size and the fonts.
pub async fn in_view(c: &Client, css: &str) -> Element {
    let el = find(c, css).await;
    if let Err(e) = c.execute("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})", vec![serde_json::to_value(&el).unwrap()]).await {
        fail(c, css, &format!("could not be scrolled into view: {e}")).await;
    }
    el
}

/// The element's visible text, read once it is in view.
pub async fn text(c: &Client, css: &str) -> String {
    let el = in_view(c, css).await;
    match el.text().await {
        Ok(t) => t,
        Err(e) => fail(c, css, &format!("text could not be read: {e}")).await,
    }
}

/// Waits until `css` matches (e.g. an attribute reaching a state).
pub async fn wait_for(c: &Client, css: &str) {
    find(c, css).await;
}

/// Clicks a button, link, checkbox or option.
pub async fn click(c: &Client, css: &str) {
    if let Err(e) = in_view_then(c, css, |el| async move { el.click().await }).await {
        fail(c, css, &format!("click refused: {e}")).await;
    }
}

/// Replaces what a text field holds with `value`, typed as keys.
pub async fn type_into(c: &Client, css: &str, value: &str) {
    if let Err(e) = in_view_then(c, css, |el| async move { el.clear().await }).await {
        fail(c, css, &format!("could not be cleared: {e}")).await;
    }
    if let Err(e) = in_view_then(c, css, |el| async move { el.send_keys(value).await }).await {
        fail(c, css, &format!("typing refused: {e}")).await;
    }
}

/// Brings `css` into view and acts on it. WebDriver refuses an action on an element
/// that has moved out of view meanwhile (a list above it loaded after the scroll,
/// as on a small window), and a refused action did nothing, so it is tried again
/// from the scroll, a few times.
async fn in_view_then<F, Fut>(c: &Client, css: &str, act: F) -> Result<(), fantoccini::error::CmdError>
where
    F: Fn(Element) -> Fut,
    Fut: std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match act(in_view(c, css).await).await {
            Err(_) if tries < 3 => tokio::time::sleep(Duration::from_millis(300)).await,
            done => return done,
        }
    }
}

/// Picks the option of a `<select>` whose value is `value`.
pub async fn select_value(c: &Client, css: &str, value: &str) {
    let el = in_view(c, css).await;
    if let Err(e) = el.select_by_value(value).await {
        fail(c, css, &format!("option {value:?} could not be chosen: {e}")).await;
    }
}

/// Where an element is drawn: [x, y, width, height] in CSS pixels.
pub async fn rect(c: &Client, css: &str) -> [f64; 4] {
    let v = c
        .execute("const r = document.querySelector(arguments[0]).getBoundingClientRect(); return [r.x, r.y, r.width, r.height];", vec![json!(css)])
        .await
        .unwrap_or_else(|e| panic!("{css}: cannot be measured: {e}"));
    let n = |i: usize| v[i].as_f64().unwrap_or_default();
    [n(0), n(1), n(2), n(3)]
}

/// Where the failure screenshots go (`target/e2e/failures`, or beside the suite's screenshots).
fn failure_dir() -> PathBuf {
    std::env::var_os("SIGNET_E2E_FAILURES").map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("signet-e2e-failures"))
}

/// Stops the test with what was tried, on which element, where it was on the
/// screen and how large the window was, and keeps a screenshot of the moment.
pub async fn fail(c: &Client, css: &str, what: &str) -> ! {
    let place = c
        .execute(
            "const el = document.querySelector(arguments[0]);
             const r = el ? el.getBoundingClientRect() : null;
             return { rect: r ? [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)] : null,
                      window: [window.innerWidth, window.innerHeight] };",
            vec![json!(css)],
        )
        .await
        .map(|v| v.to_string())
        .unwrap_or_else(|e| format!("(the page could not be asked: {e})"));
    let dir = failure_dir();
    let _ = std::fs::create_dir_all(&dir);
    let name: String = css.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' { ch } else { '_' }).take(80).collect();
    let shot = dir.join(format!("{}-{name}.png", std::process::id()));
    let saved = match c.screenshot().await {
        Ok(png) => std::fs::write(&shot, png).map(|_| shot.display().to_string()).unwrap_or_else(|e| format!("not saved: {e}")),
        Err(e) => format!("not taken: {e}"),
    };
    panic!("{css}: {what}\n  element at [x, y, width, height] and window [width, height]: {place}\n  screenshot: {saved}");
}

/// On the signer's screen: scrolls the contract (its pages, drawn a few at a time,
/// or its text) down until the end counts as reached and the consent box opens.
pub async fn read_to_the_end(c: &Client) {
    wait_for(c, "[data-testid='contract-text']").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !find(c, "[data-testid='consent']").await.is_enabled().await.unwrap() {
        if Instant::now() > deadline {
            fail(c, "[data-testid='consent']", "never became available while scrolling the contract").await;
        }
        c.execute(
            "const el = document.querySelector(\"[data-testid='contract-text']\"); el.scrollTop = el.scrollHeight; el.dispatchEvent(new Event('scroll'));",
            vec![],
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn open_profile(c: &Client, name: &str) {
    click(c, &format!("[data-testid='profile-item'][data-profile-name='{name}']")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while text(c, "[data-testid='profile-title']").await != name {
        assert!(Instant::now() < deadline, "profile {name} did not open");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Makes the Sandbox profile active (another test may have switched profiles) and
/// returns the address the in-process Sandbox serves on.
pub async fn use_sandbox(c: &Client) -> String {
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
pub fn sandbox_admin(base: &str, method: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 2"), "{reply}");
    reply.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

/// Every request the Sandbox received, from its journal.
pub fn sandbox_journal(base: &str) -> serde_json::Value {
    serde_json::from_str(&sandbox_admin(base, "GET", "/_sandbox/journal", "")).unwrap()
}

/// Sets the Sandbox's faults through its admin endpoint.
pub fn set_sandbox_faults(base: &str, json: &str) {
    sandbox_admin(base, "PUT", "/_sandbox/faults", json);
}

/// Saves what the window shows into the docs' screenshot folder, and checks that
/// screen with axe-core: every screen the suite photographs has no serious or
/// critical accessibility problem.
pub async fn screenshot(c: &Client, env: &Env, name: &str) {
    std::fs::create_dir_all(&env.screenshots).unwrap();
    screenshot_to(c, &env.screenshots.join(name)).await;
    let problems = accessibility_problems(c).await;
    assert!(problems.is_empty(), "{name}: accessibility problems (axe-core):\n{}", problems.join("\n"));
}

/// Waits two animation frames first, so the picture is not a stale frame.
pub async fn screenshot_to(c: &Client, path: &Path) {
    c.execute_async("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));", vec![]).await.unwrap();
    std::fs::write(path, c.screenshot().await.unwrap()).unwrap();
}

pub fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "signet", "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
}

/// Locks the login keyring through the Secret Service API, as the screen locker would.
/// (`secret-tool lock` waits on a prompt that never comes in a headless session.)
pub fn lock_login_keyring() {
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
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
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

/// The running desk: the one process whose executable is the app under test.
pub fn desk_pid(env: &Env) -> u32 {
    pid_of(&env.app)
}

/// The one running process whose executable is `app`.
pub fn pid_of(app: &Path) -> u32 {
    let app = std::fs::canonicalize(app).unwrap();
    let pids: Vec<u32> = processes().into_iter().filter(|&pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app)).collect();
    assert_eq!(pids.len(), 1, "expected one {} running, found {pids:?}", app.display());
    pids[0]
}

pub fn processes() -> Vec<u32> {
    std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()
}

pub fn wait_until_gone(pid: u32) {
    for _ in 0..100 {
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// axe-core's findings on what the window shows now, limited to the serious and critical
/// ones, as "rule (impact): target, target… — help" lines. axe-core comes from the UI's
/// npm packages (a dev dependency) and is loaded into the page through WebDriver, which
/// the page's content security policy does not cover: the desk itself never ships it.
pub async fn accessibility_problems(c: &Client) -> Vec<String> {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let source = AXE.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (scripts/setup.sh installs the UI's npm packages)", path.display()))
    });
    let loaded = c.execute("return typeof window.axe === 'object'", vec![]).await.unwrap();
    if loaded != json!(true) {
        c.execute(&format!("{source}\n;return true"), vec![]).await.expect("axe-core loads into the page");
    }
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')} — ${v.help}`)))
               .catch(e => done([`axe-core failed: ${e}`]));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    found.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
}
