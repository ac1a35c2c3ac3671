//! Start-up time and memory of the desk in a real window, measured from outside:
//! the process's start as the kernel recorded it, the moment the UI marks itself
//! ready, and the resident memory of the desk with its WebKit processes.
//!
//! Not part of the test suite (ignored): `make bench` runs it on the release build
//! through `scripts/bench-desk.sh`. Figures are printed for docs/BENCHMARKS.md.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::Locator;
use signet_e2e::*;

const WARM_STARTS: usize = 5;
const BULK_ROWS: usize = 1_000;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: make bench runs it on the release build"]
async fn start_up_time_and_memory_of_the_desk() {
    let env = Env::from_vars();
    let dir = std::env::temp_dir().join(format!("signet-measure-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("thousand.csv");
    let mut file = String::from("department,invoice,options\n");
    for i in 0..BULK_ROWS {
        file.push_str(&format!("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01,{i:08x}-2222-4000-8000-{i:012x},text email\n"));
    }
    std::fs::write(&csv, file).unwrap();
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILE", csv.to_str().unwrap())]);

    // The first start creates the database and the Sandbox profile; the others find them.
    let mut starts = Vec::new();
    for _ in 0..=WARM_STARTS {
        let c = driver.open_desk(&env).await;
        let ready_at: f64 = c.execute("return Number(document.body.dataset.readyAt)", vec![]).await.unwrap().as_f64().unwrap();
        let pid = desk_pid(&env);
        starts.push(ready_at - started_at_ms(pid));
        c.close().await.unwrap();
        wait_until_gone(pid);
    }
    let mut warm = starts[1..].to_vec();
    warm.sort_by(f64::total_cmp);
    println!(
        "start-up, process start to interactive: first start {:.0} ms; warm starts {:?} ms (median {:.0} ms)",
        starts[0],
        warm.iter().map(|t| t.round()).collect::<Vec<_>>(),
        warm[WARM_STARTS / 2]
    );

    let c = driver.open_desk(&env).await;
    let pid = desk_pid(&env);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_start = memory(pid);
    println!("memory after start: {after_start}");

    // An hour-equivalent of use: a 1,000-row bulk run, then the Activity view.
    use_sandbox(&c).await;
    click(&c, "[data-testid='nav-payments']").await;
    click(&c, "[data-testid='mode-bulk']").await;
    click(&c, "[data-testid='bulk-choose']").await;
    click(&c, "[data-testid='bulk-send']").await;
    c.wait().at_most(Duration::from_secs(300)).for_element(Locator::Css("[data-testid='bulk-progress'][data-finished='true']")).await.unwrap();
    assert!(text(&c, "[data-testid='bulk-counts']").await.contains(&format!("{BULK_ROWS} sent")));
    click(&c, "[data-testid='nav-activity']").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_use = memory(pid);
    println!("memory after {BULK_ROWS} operations and the Activity view: {after_use}");
    c.close().await.unwrap();
}

/// The fields of /proc/<pid>/stat after the command name.
fn stat_fields(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().map(String::from).collect()).unwrap_or_default()
}

/// When the process started, in Unix milliseconds: its start in clock ticks after
/// boot, placed against the uptime and wall clock read together now.
fn started_at_ms(pid: u32) -> f64 {
    let ticks: f64 = stat_fields(pid)[19].parse().unwrap(); // field 22, starttime
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime").unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0;
    now - (uptime - ticks / hz) * 1000.0
}

/// Resident memory of the desk and every process under it (the WebKit web and
/// network processes): RSS counts shared libraries once per process, PSS shares
/// them out, so the pair brackets the real cost.
struct Memory {
    processes: Vec<(String, u64, u64)>,
}

impl std::fmt::Display for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (rss, pss) = self.processes.iter().fold((0, 0), |(r, p), (_, rr, pp)| (r + rr, p + pp));
        write!(f, "RSS {:.0} MiB, PSS {:.0} MiB in {} processes (", rss as f64 / 1024.0, pss as f64 / 1024.0, self.processes.len())?;
        for (i, (name, rss, pss)) in self.processes.iter().enumerate() {
            write!(f, "{}{name} {:.0}/{:.0}", if i > 0 { ", " } else { "" }, *rss as f64 / 1024.0, *pss as f64 / 1024.0)?;
        }
        write!(f, " MiB RSS/PSS)")
    }
}

fn memory(desk: u32) -> Memory {
    let mut tree = vec![desk];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i].to_string();
        tree.extend(processes().into_iter().filter(|&p| stat_fields(p).get(1) == Some(&parent)));
        i += 1;
    }
    let kib = |pid: u32, file: &str, key: &str| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/{file}"))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    let processes = tree
        .into_iter()
        .map(|pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string();
            (name, kib(pid, "status", "VmRSS:"), kib(pid, "smaps_rollup", "Pss:"))
        })
        .collect();
    Memory { processes }
}
