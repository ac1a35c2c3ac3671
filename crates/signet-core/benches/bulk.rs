//! Bulk payment requests per second through Signet (CSV checked, every row recorded
//! in the outbox and tied to its run, durable SQLite commits) against a bare
//! `reqwest` loop making the same calls: the floor for our overhead. Then the peak
//! memory of a run of 1,000 rows against one of 10,000.
//!
//! Not a criterion benchmark: a run is seconds long and the figure is a rate. The
//! Sandbox runs in a child process (this binary with `--serve`), so neither its
//! journal nor its CPU is counted as ours. `cargo bench -p signet-core --bench bulk`;
//! add `-- --case 20:16:2400:5` to run one case (latency, concurrency, rows) five times.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use futures::StreamExt;
use signet_core::bulk::{self, Control};
use signet_core::catalog::ProviderId;
use signet_core::store::Store;
use signet_providers::kpay::PaymentRequest;
use signet_providers::HttpConfig;
use signet_sandbox::{demo, Faults, Sandbox, SandboxConfig};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].clone());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    if let Some(latency) = arg("--serve") {
        return runtime.block_on(serve(latency.parse().unwrap()));
    }
    if let (Some(url), Some(rows)) = (arg("--url"), arg("--rows")) {
        // One run in a fresh process, for its peak memory.
        let rows: usize = rows.parse().unwrap();
        runtime.block_on(signet_run(&url, rows, 16));
        println!("{}", peak_rss_kib());
        return;
    }

    if let Some(case) = arg("--case") {
        // One case again and again, to see the spread between runs of the same code:
        // `--case LATENCY_MS:CONCURRENCY:ROWS:REPEATS`.
        let [latency_ms, concurrency, rows, repeats]: [usize; 4] =
            case.split(':').map(|n| n.parse().expect("--case takes four numbers")).collect::<Vec<_>>().try_into().expect("--case takes four numbers");
        let (mut sandbox, url) = spawn_sandbox(latency_ms as u64);
        runtime.block_on(bare_run(&url, 50, concurrency));
        runtime.block_on(signet_run(&url, 50, concurrency));
        for _ in 0..repeats {
            let bare = runtime.block_on(bare_run(&url, rows, concurrency));
            let ours = runtime.block_on(signet_run(&url, rows, concurrency));
            println!("{latency_ms:>8}ms {concurrency:>11} {rows:>6} {bare:>14.0} {ours:>14.0} {:>7.3}", ours / bare);
        }
        sandbox.kill().unwrap();
        sandbox.wait().unwrap();
        return;
    }

    println!("Bulk payment requests: Signet (outbox, SQLite) against a bare reqwest loop, same calls");
    println!("{:>10} {:>11} {:>6} {:>14} {:>14} {:>7}", "latency", "concurrency", "rows", "bare rows/s", "Signet rows/s", "ratio");
    for latency_ms in [0u64, 20] {
        let (mut sandbox, url) = spawn_sandbox(latency_ms);
        for concurrency in [1usize, 4, 16] {
            let rows = if latency_ms == 0 { 1_000 * concurrency.min(4) } else { 150 * concurrency };
            // Warm both up (connections, page cache), then measure each.
            runtime.block_on(bare_run(&url, 50, concurrency));
            runtime.block_on(signet_run(&url, 50, concurrency));
            let bare = runtime.block_on(bare_run(&url, rows, concurrency));
            let ours = runtime.block_on(signet_run(&url, rows, concurrency));
            println!("{:>8}ms {concurrency:>11} {rows:>6} {bare:>14.0} {ours:>14.0} {:>7.2}", latency_ms, ours / bare);
        }
        sandbox.kill().unwrap();
        sandbox.wait().unwrap();
    }

    let (mut sandbox, url) = spawn_sandbox(0);
    let me = std::env::current_exe().unwrap();
    println!("\nPeak resident memory of one bulk run (concurrency 16), fresh process each");
    for rows in [1_000usize, 10_000] {
        let out = Command::new(&me).args(["--url", &url, "--rows", &rows.to_string()]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let kib: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        println!("{rows:>6} rows: {:.1} MiB", kib as f64 / 1024.0);
    }
    sandbox.kill().unwrap();
    sandbox.wait().unwrap();
}

async fn serve(latency_ms: u64) {
    let sb = Sandbox::start(SandboxConfig { port: 0, faults: Faults { latency_ms, ..Faults::default() }, ..Default::default() }).await.unwrap();
    println!("{}", sb.base_url());
    std::io::stdout().flush().unwrap();
    std::future::pending::<()>().await;
}

fn spawn_sandbox(latency_ms: u64) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap()).args(["--serve", &latency_ms.to_string()]).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().to_string())
}

fn invoice() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The same POSTs Signet makes, with nothing recorded: requests per second.
async fn bare_run(url: &str, rows: usize, concurrency: usize) -> f64 {
    let demo_login = signet_sandbox::demo_credentials();
    let client = reqwest::Client::new();
    let endpoint = format!("{url}/payment/v4/departments/{}/payment-requests", demo::DEPARTMENT_SERVICE);
    let started = Instant::now();
    futures::stream::iter(0..rows)
        .for_each_concurrent(concurrency, |_| {
            let (client, endpoint) = (&client, &endpoint);
            async move {
                let body = PaymentRequest {
                    invoice_guid: invoice(),
                    send_without_kpay: false,
                    attach_invoice: true,
                    send_as_text: true,
                    send_as_email: true,
                    esign_required: false,
                };
                let reply: serde_json::Value = client
                    .post(endpoint)
                    .basic_auth(demo_login.kpay_username, Some(demo_login.kpay_password))
                    .header("Accept", "application/json")
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert!(reply["paymentLink"].is_string(), "{reply}");
            }
        })
        .await;
    rows as f64 / started.elapsed().as_secs_f64()
}

/// A whole bulk run through Signet: the CSV parsed and checked, the run recorded,
/// every row sent through the outbox. Rows per second, from the CSV to the last answer.
async fn signet_run(url: &str, rows: usize, concurrency: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let client = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, url), HttpConfig::default()).unwrap();
    let mut csv = String::from("department,invoice,options\n");
    for _ in 0..rows {
        csv.push_str(&format!("{},{},text email attach\n", demo::DEPARTMENT_SERVICE, invoice()));
    }
    let started = Instant::now();
    let parsed = bulk::parse_csv(csv.as_bytes()).unwrap();
    let (run_id, _) = bulk::open_run(&store, "bench", "bench.csv", csv.as_bytes(), &parsed).unwrap();
    let db = std::sync::Arc::new(Mutex::new(store));
    let done = bulk::execute(&db, &client, "bench", &run_id, concurrency, &Control::default(), |_| {}).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(done.sent, rows as u64, "{done:?}");
    rows as f64 / secs
}

/// VmHWM: this process's peak resident set, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
