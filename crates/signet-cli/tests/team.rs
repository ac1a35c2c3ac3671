//! Team mode with separate desk processes (`signet`, each with its own data folder)
//! against one real PostgreSQL and one Sandbox: 20 desks racing for the same 200
//! invoices, PostgreSQL killed in the middle of a bulk run, and a desk offline for
//! 1,000 operations whose catch-up is SIGKILLed and run again. The team store is set
//! up with the CLI's own `signet team init` and `signet team member`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use signet_sandbox::{demo, demo_credentials, Faults, Sandbox, SandboxConfig};
use signet_testpg::{TestPg, ADMIN_PASSWORD};

fn signet(data: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(args)
        .arg("--json")
        .env("SIGNET_DATA_DIR", data)
        // No Secret Service here: credentials come from the environment, as in CI.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/signet-test-bus")
        .env("SIGNET_TEAM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("SIGNET_PROFILE")
        .stdin(Stdio::null())
        .output()
        .expect("signet runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn ok(out: Output) -> Value {
    assert!(out.status.success(), "exit {:?}: {}\n{}", out.status.code(), String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    json(&out)
}

/// A team store made by `signet team init`, with `roles` as members of `branch`.
fn team_store(pg: &TestPg, roles: &[String], branch: &str) -> String {
    pg.psql("postgres", "CREATE DATABASE signet");
    let scratch = tempfile::tempdir().unwrap();
    let admin = pg.admin_url("signet");
    let init = ok(signet(scratch.path(), &[], &["team", "init", "--url", &admin]));
    assert_eq!(init["schemaNow"], 1);
    for role in roles {
        pg.psql("signet", &format!("CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'"));
        ok(signet(scratch.path(), &[], &["team", "member", "--url", &admin, "--role", role, "--branch", branch]));
    }
    format!("postgresql://127.0.0.1:{}/signet", pg.port)
}

/// A desk: a data folder with a profile "Branch" that sends to the Sandbox as a real
/// profile would, in team mode as `role`. Returns the environment its commands need.
fn desk(dir: &Path, team_url: &str, sandbox: &str, role: &str) -> Vec<(&'static str, String)> {
    let env = vec![("SIGNET_MYKAARMA_PASSWORD", demo_credentials().kpay_password.to_string()), ("SIGNET_TEAM_PASSWORD", format!("pw-{role}"))];
    ok(signet(dir, &env, &["profile", "create", "Branch"]));
    ok(signet(dir, &env, &["profile", "use", "Branch"]));
    ok(signet(
        dir,
        &env,
        &["profile", "configure", "--provider", "mykaarma", "--base-url", sandbox, "--set", &format!("username={}", demo_credentials().kpay_username)],
    ));
    ok(signet(
        dir,
        &env,
        &["profile", "configure", "--provider", "team", "--base-url", team_url, "--set", &format!("user={role}"), "--set", &format!("desk_name=desk-{role}")],
    ));
    env
}

/// `signet payment-request bulk FILE --json` started and left running, its output
/// going to `output()` (piped to read it, or null).
fn bulk_in_background(data: &Path, env: &[(&str, String)], file: &Path, concurrency: &str, output: fn() -> Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(["payment-request", "bulk", file.to_str().unwrap(), "--concurrency", concurrency, "--json"])
        .env("SIGNET_DATA_DIR", data)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/signet-test-bus")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(output())
        .stderr(output())
        .spawn()
        .unwrap()
}

fn csv(dir: &Path, invoices: &[String]) -> PathBuf {
    let path = dir.join("invoices.csv");
    let mut file = String::from("department,invoice,options\n");
    for inv in invoices {
        file.push_str(&format!("{},{inv},email\n", demo::DEPARTMENT_SERVICE));
    }
    std::fs::write(&path, file).unwrap();
    path
}

/// Payment requests the Sandbox acted on, per invoice.
fn received(sb: &Sandbox, invoice: &str) -> usize {
    sb.journal()
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with("/payment-requests") && e.body.contains(invoice) && e.status.is_none_or(|s| s < 300))
        .count()
}

/// The team store's operations: how many were sent, whether each is there once, and
/// how many of the rest are anything but "never sent" (a claim not made, so nothing left).
const OPERATIONS_ACCOUNTED: &str = "SELECT count(*) FILTER (WHERE status = 'sent'), count(DISTINCT key) = count(*),
    count(*) FILTER (WHERE status <> 'sent' AND response->>'code' IS DISTINCT FROM 'never_sent') FROM signet.operations";

/// `received` for every invoice at once, in one pass over the journal.
fn received_per_invoice(sb: &Sandbox) -> std::collections::HashMap<String, usize> {
    let mut seen = std::collections::HashMap::new();
    for e in sb.journal().iter().filter(|e| e.method == "POST" && e.path.ends_with("/payment-requests") && e.status.is_none_or(|s| s < 300)) {
        let body: Value = serde_json::from_str(&e.body).unwrap_or_default();
        *seen.entry(body["invoiceGuid"].as_str().unwrap_or_default().to_string()).or_insert(0) += 1;
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_desks_racing_for_the_same_two_hundred_invoices_send_each_once() {
    let pg = TestPg::start();
    let roles: Vec<String> = (1..=20).map(|n| format!("desk{n:02}")).collect();
    let team_url = team_store(&pg, &roles, "Branch A");
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let invoices: Vec<String> = (0..200).map(|i| format!("7ace0000-0000-4000-8000-{i:012}")).collect();
    let dirs: Vec<tempfile::TempDir> = roles.iter().map(|_| tempfile::tempdir().unwrap()).collect();
    let envs: Vec<_> = roles.iter().zip(&dirs).map(|(role, dir)| desk(dir.path(), &team_url, &sb.base_url(), role)).collect();
    let files: Vec<PathBuf> = dirs.iter().map(|d| csv(d.path(), &invoices)).collect();

    // All twenty at once.
    let children: Vec<_> = dirs
        .iter()
        .zip(&envs)
        .zip(&files)
        .map(|((dir, env), file)| {
            Command::new(env!("CARGO_BIN_EXE_signet"))
                .args(["payment-request", "bulk", file.to_str().unwrap(), "--json"])
                .env("SIGNET_DATA_DIR", dir.path())
                .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/signet-test-bus")
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut sent = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let report = json(&out);
        assert_eq!(report["finished"], true, "{report}");
        sent += report["sent"].as_u64().unwrap();
    }
    let doubled: Vec<&String> = invoices.iter().filter(|inv| received(&sb, inv) != 1).collect();
    assert!(doubled.is_empty(), "invoices not received exactly once: {doubled:?}");
    assert_eq!(sent, 200, "every invoice was sent by exactly one desk");
    assert_eq!(pg.psql("signet", "SELECT count(*), count(DISTINCT business_key) FROM signet.claims"), "200|200");
    // Every desk's history reached the team store: 20 x 200 operations, 200 of them sent.
    assert_eq!(pg.psql("signet", "SELECT count(*), count(*) FILTER (WHERE status = 'sent') FROM signet.operations"), "4000|200");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgresql_killed_in_the_middle_of_a_bulk_run_loses_and_doubles_nothing() {
    let pg = TestPg::start();
    let team_url = team_store(&pg, &["ana".to_string()], "Branch A");
    let sb = Sandbox::start(SandboxConfig { faults: Faults { latency_ms: 20, ..Faults::default() }, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = desk(dir.path(), &team_url, &sb.base_url(), "ana");
    let invoices: Vec<String> = (0..300).map(|i| format!("7b000000-0000-4000-8000-{i:012}")).collect();
    let file = csv(dir.path(), &invoices);

    let run = bulk_in_background(dir.path(), &env, &file, "2", Stdio::piped);
    // Let some rows go, then kill the team store as a crash would.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while invoices.iter().filter(|inv| received(&sb, inv) > 0).count() < 40 {
        assert!(std::time::Instant::now() < deadline, "the bulk run never got going");
        std::thread::sleep(Duration::from_millis(50));
    }
    pg.stop_immediate();
    let stopped = run.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&stopped.stdout).to_string() + &String::from_utf8_lossy(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(5), "the run stops, saying the team store is unreachable: {said}");
    assert!(said.contains("team_unreachable"), "{said}");
    let before = invoices.iter().filter(|inv| received(&sb, inv) > 0).count();
    assert!(before < 300, "the run went on without the team check");

    pg.restart();
    let resumed = ok(signet(dir.path(), &env, &["payment-request", "bulk", file.to_str().unwrap(), "--concurrency", "2"]));
    assert_eq!((resumed["resumed"].as_bool(), resumed["finished"].as_bool()), (Some(true), Some(true)), "{resumed}");
    let counts: Vec<usize> = invoices.iter().map(|inv| received(&sb, inv)).collect();
    assert!(counts.iter().all(|&n| n == 1), "each invoice exactly once: {:?}", counts.iter().enumerate().filter(|(_, &n)| n != 1).collect::<Vec<_>>());
    ok(signet(dir.path(), &env, &["team", "sync"]));
    // Every invoice's send, once; besides them only rows recorded while the store
    // died and never sent (their claims were not made), each saying so.
    assert_eq!(pg.psql("signet", OPERATIONS_ACCOUNTED), "300|t|0");
    // One claim per invoice, except where PostgreSQL died after committing a claim
    // but before the desk heard of it: that operation was never recorded (so never
    // sent), and the resumed run took the key over with a second attempt, saying so.
    assert_eq!(
        pg.psql("signet", "SELECT count(DISTINCT business_key), count(*) FILTER (WHERE attempt > 1 AND note NOT LIKE 'taken over:%') FROM signet.claims"),
        "300|0"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_offline_for_a_thousand_sends_catches_up_even_when_killed_mid_replication() {
    let pg = TestPg::start();
    let team_url = team_store(&pg, &["bia".to_string()], "Branch B");
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = desk(dir.path(), &team_url, &sb.base_url(), "bia");
    let invoices: Vec<String> = (0..1000).map(|i| format!("7c000000-0000-4000-8000-{i:012}")).collect();
    let file = csv(dir.path(), &invoices);

    // The team store is down; the operator sends anyway, unchecked (recorded).
    pg.stop_immediate();
    let refused = signet(dir.path(), &env, &["payment-request", "bulk", file.to_str().unwrap(), "--concurrency", "8"]);
    assert_eq!(refused.status.code(), Some(5), "without the operator's word, nothing goes");
    assert_eq!(invoices.iter().filter(|inv| received(&sb, inv) > 0).count(), 0);
    let sent = ok(signet(dir.path(), &env, &["payment-request", "bulk", file.to_str().unwrap(), "--concurrency", "8", "--unchecked"]));
    assert_eq!(sent["sent"], 1000, "{sent}");
    // Not one of them is in the team store yet: they wait in this desk's queue.
    let queued = json(&signet(dir.path(), &env, &["team", "status"]));
    assert_eq!(queued["code"], "team_unreachable", "{queued}");

    // Back online: the catch-up is killed partway, then run again to the end.
    pg.restart();
    let mut sync = Command::new(env!("CARGO_BIN_EXE_signet"))
        .args(["team", "sync", "--json"])
        .env("SIGNET_DATA_DIR", dir.path())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/signet-test-bus")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let _ = sync.kill();
    let _ = sync.wait();
    let partial: i64 = pg.psql("signet", "SELECT count(*) FROM signet.operations").parse().unwrap();
    let finished = ok(signet(dir.path(), &env, &["team", "sync"]));
    assert_eq!(finished["remaining"], 0, "{finished}");
    println!("catch-up killed after {partial} operations, then finished");
    // The refused run's rows in flight are there too, as never sent.
    assert_eq!(pg.psql("signet", OPERATIONS_ACCOUNTED), "1000|t|0");
    // Each unchecked send is shown to the team as such.
    assert_eq!(pg.psql("signet", "SELECT count(*) FROM signet.claims WHERE offline_override"), "1000");
    assert!(invoices.iter().all(|inv| received(&sb, inv) == 1));
}

/// A team-mode bulk run killed with SIGKILL again and again (a row's claim and its
/// record are in flight together at most moments), then run to the end: every
/// invoice reaches the Sandbox at most once, every row is accounted for, rows left
/// unknown are at most those in flight at each kill, and the team store holds one
/// claim per invoice, apart from takeovers it names.
#[tokio::test(flavor = "multi_thread")]
async fn a_team_bulk_run_killed_again_and_again_sends_each_invoice_at_most_once() {
    // More rows than the kill loop can send (at most 12 x 480 ms at 400 rows/s).
    const ROWS: usize = 3000;
    const KILLS: u64 = 12;
    let pg = TestPg::start();
    let team_url = team_store(&pg, &["caio".to_string()], "Branch C");
    let sb = Sandbox::start(SandboxConfig { faults: Faults { latency_ms: 10, ..Faults::default() }, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = desk(dir.path(), &team_url, &sb.base_url(), "caio");
    let invoices: Vec<String> = (0..ROWS).map(|i| format!("7d000000-0000-4000-8000-{i:012}")).collect();
    let file = csv(dir.path(), &invoices);
    let run = || bulk_in_background(dir.path(), &env, &file, "4", Stdio::null);
    let mut kills = 0;
    for i in 0..KILLS {
        let mut child = run();
        // Spread over the run: 150 to 480 ms after the start, once it is sending.
        std::thread::sleep(Duration::from_millis(150 + (i * 97) % 330));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        let twice: Vec<(String, usize)> = received_per_invoice(&sb).into_iter().filter(|(_, n)| *n > 1).collect();
        assert!(twice.is_empty(), "sent twice after kill {i}: {twice:?}");
    }
    let last = signet(dir.path(), &env, &["payment-request", "bulk", file.to_str().unwrap(), "--concurrency", "4"]);
    let done = json(&last);
    assert_eq!(done["finished"], true, "{done}");
    // Exit 4 says some rows are unknown and need checking.
    assert_eq!(last.status.code(), Some(if done["unknown"] == 0 { 0 } else { 4 }), "{done}");
    let (sent, unknown) = (done["sent"].as_u64().unwrap(), done["unknown"].as_u64().unwrap());
    assert_eq!(sent + unknown, ROWS as u64, "every row accounted for: {done}");
    assert!(unknown <= 4 * kills, "at most the rows in flight at each of {kills} kills: {done}");
    let received = received_per_invoice(&sb);
    let received_once = received.values().filter(|&&n| n == 1).count() as u64;
    assert!(received.values().all(|&n| n == 1), "an invoice was sent twice");
    assert!(received.keys().all(|inv| invoices.contains(inv)), "an invoice not in the file was sent");
    assert!(sent <= received_once && received_once <= sent + unknown, "received {received_once}: {done}");
    // Every invoice received was claimed first. One claim each, unless a claim was
    // made for a row never recorded (killed in between), which the resumed run took
    // over and said so. A row killed after its record and before its claim is one of
    // the unknown: no claim, and not sent again.
    let claims =
        pg.psql("signet", "SELECT count(DISTINCT business_key), count(*) FILTER (WHERE attempt > 1 AND note NOT LIKE 'taken over:%') FROM signet.claims");
    let (claimed, unexplained) = claims.split_once('|').unwrap();
    let claimed: u64 = claimed.parse().unwrap();
    assert!(received.len() as u64 <= claimed && claimed <= ROWS as u64 && unexplained == "0", "claims {claims}, received {}", received.len());
    println!("team bulk kill loop: {KILLS} runs, {kills} killed; {received_once} invoices received once, {unknown} unknown");
}
