//! Start-up time and memory of the desk in a real window, measured from outside:
//! the process's start as the kernel recorded it, the moment the UI marks itself
//! ready, and the resident memory of the desk with its WebKit processes.
//!
//! Not part of the test suite (ignored): `make bench` runs it on the release build
//! through `scripts/bench-desk.sh`. Figures are printed for docs/BENCHMARKS.md.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::Locator;
use signet_e2e::*;

const WARM_STARTS: usize = 5;
const BULK_ROWS: usize = 1_000;
/// Memory is read this long after the window is ready, once start-up's garbage is collected.
const SETTLE: Duration = Duration::from_secs(10);
const FLOOR_ROUNDS: usize = 3;

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

    // The floor: a bare Tauri window with an empty page (crates/signet-bare-window, same
    // tauri, wry and WebKitGTK), opened the same way and measured the same way as the
    // desk, the two taking turns so a drift in the machine touches both.
    let bare = env.app.with_file_name("signet-bare-window");
    assert!(bare.exists(), "no {}: scripts/bench-desk.sh builds it beside the desk", bare.display());
    // Its start-up: to the end of its page's load event (it has nothing else to wait for).
    let mut bare_starts = Vec::new();
    for _ in 0..WARM_STARTS {
        let c = driver.open_app(&bare, env.window).await;
        let loaded: f64 = c.execute("return performance.timing.loadEventEnd", vec![]).await.unwrap().as_f64().unwrap();
        let pid = pid_of(&bare);
        bare_starts.push(loaded - started_at_ms(pid));
        c.close().await.unwrap();
        wait_until_gone(pid);
    }
    let bare_median = median(bare_starts.clone());
    println!(
        "start-up of the bare window, process start to its page loaded: {:?} ms (median {bare_median:.0} ms); the desk's median is {:.2}x",
        bare_starts.iter().map(|t| t.round()).collect::<Vec<_>>(),
        warm[WARM_STARTS / 2] / bare_median
    );
    let (mut floor, mut desk) = (Vec::new(), Vec::new());
    for _ in 0..FLOOR_ROUNDS {
        floor.push(settled_memory(&driver, &bare, &env).await);
        desk.push(settled_memory(&driver, &env.app, &env).await);
    }
    let floor_pss = median(floor.iter().map(Memory::pss_mib).collect());
    let desk_pss = median(desk.iter().map(Memory::pss_mib).collect());
    for (bare, desk) in floor.iter().zip(&desk) {
        println!("memory {} s after start: bare window {bare}; desk {desk}", SETTLE.as_secs());
    }
    println!(
        "memory after start (median PSS of {FLOOR_ROUNDS}): bare window {floor_pss:.0} MiB, desk {desk_pss:.0} MiB, {:.2}x the floor",
        desk_pss / floor_pss
    );

    let c = driver.open_desk(&env).await;
    let pid = desk_pid(&env);
    // An hour-equivalent of use: a 1,000-row bulk run, then the Activity view.
    use_sandbox(&c).await;
    click(&c, "[data-testid='nav-payments']").await;
    click(&c, "[data-testid='mode-bulk']").await;
    click(&c, "[data-testid='bulk-choose']").await;
    click(&c, "[data-testid='bulk-send']").await;
    c.wait().at_most(Duration::from_secs(300)).for_element(Locator::Css("[data-testid='bulk-progress'][data-finished='true']")).await.unwrap();
    assert!(text(&c, "[data-testid='bulk-counts']").await.contains(&format!("{BULK_ROWS} sent")));
    click(&c, "[data-testid='nav-activity']").await;
    tokio::time::sleep(SETTLE).await;
    let after_use = memory(pid);
    println!("memory after {BULK_ROWS} operations and the Activity view: {after_use}, {:.2}x the floor", after_use.pss_mib() / floor_pss);
    c.close().await.unwrap();
}

/// Opens `app`, waits [`SETTLE`], reads its memory and closes it again.
async fn settled_memory(driver: &Driver, app: &Path, env: &Env) -> Memory {
    let c = driver.open_app(app, env.window).await;
    let pid = pid_of(app);
    tokio::time::sleep(SETTLE).await;
    let taken = memory(pid);
    c.close().await.unwrap();
    wait_until_gone(pid);
    taken
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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

impl Memory {
    fn pss_mib(&self) -> f64 {
        self.processes.iter().map(|(_, _, pss)| *pss as f64).sum::<f64>() / 1024.0
    }
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
