//! Team mode on one real PostgreSQL (Debian's, a throwaway cluster on loopback):
//! 1. the cross-desk claim: claims per second and p50/p99 latency with 1, 10 and 50
//!    desks claiming at once, each on its own connection;
//! 2. what the claim costs a bulk run against a provider 20 ms away: the same run
//!    single-desk and in team mode, in the same process, one after the other;
//! 3. replication catch-up: rows per second pushed from a desk's queue;
//! 4. the team's Activity at 1,000,000 operations: first page, filters and search,
//!    as an operator (row-level security to one branch) and as a supervisor.
//!
//! Not a criterion benchmark: the figures are rates and distributions over runs of
//! seconds. `cargo bench -p signet-core --bench team`; figures in docs/BENCHMARKS.md.
//! One part alone: `cargo bench -p signet-core --bench team -- bulk` (claims, bulk,
//! activity; catch-up comes with bulk, whose last run leaves the queue).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use signet_core::access::ProviderAccess;
use signet_core::bulk::{self, Control};
use signet_core::catalog::ProviderId;
use signet_core::store::Store;
use signet_core::team::activity::TeamQuery;
use signet_core::team::claims::{BusinessKey, Mode};
use signet_core::team::{self, Team};
use signet_providers::HttpConfig;
use signet_sandbox::{demo, Faults, Sandbox, SandboxConfig};
use signet_testpg::{TestPg, ADMIN_PASSWORD};

const PROFILE: &str = "bench";

fn main() {
    // cargo passes `--bench`; any other argument names the parts to run.
    const PARTS: [&str; 3] = ["claims", "bulk", "activity"];
    let parts: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if let Some(unknown) = parts.iter().find(|p| !PARTS.contains(&p.as_str())) {
        eprintln!("no part named {unknown:?}; the parts are {}", PARTS.join(", "));
        std::process::exit(2);
    }
    let run = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let pg = TestPg::start();
    pg.psql("postgres", "CREATE DATABASE signet");
    runtime.block_on(async {
        let mut admin = team::admin_connect(&pg.admin_url("signet"), SecretString::from(ADMIN_PASSWORD.to_string()), None).await.unwrap();
        team::schema::init(&mut admin).await.unwrap();
        for n in 0..50 {
            let role = format!("desk{n:02}");
            pg.psql("signet", &format!("CREATE ROLE {role} LOGIN PASSWORD 'pw'"));
            team::schema::add_member(&admin, &role, &format!("Branch {:02}", n % 20), false).await.unwrap();
        }
        pg.psql("signet", "CREATE ROLE boss LOGIN PASSWORD 'pw'");
        team::schema::add_member(&admin, "boss", "Head office", true).await.unwrap();
    });

    if run("claims") {
        claim_rates(&runtime, &pg);
    }
    if run("bulk") {
        bulk_and_catch_up(&runtime, &pg);
    }
    if run("activity") {
        activity(&runtime, &pg);
    }
}

fn claim_rates(runtime: &tokio::runtime::Runtime, pg: &TestPg) {
    println!("Cross-desk claims on one PostgreSQL (each desk its own connection, claiming new keys back to back)");
    println!("{:>6} {:>8} {:>10} {:>9} {:>9}", "desks", "claims", "claims/s", "p50 ms", "p99 ms");
    for desks in [1usize, 10, 50] {
        let (rate, p50, p99, claims) = runtime.block_on(claims(pg, desks));
        println!("{desks:>6} {claims:>8} {rate:>10.0} {p50:>9.2} {p99:>9.2}");
    }
}

fn bulk_and_catch_up(runtime: &tokio::runtime::Runtime, pg: &TestPg) {
    println!("\nA bulk run against a provider 20 ms away, single-desk against team mode (a claim before each send)");
    println!("{:>11} {:>6} {:>16} {:>14} {:>7}", "concurrency", "rows", "single rows/s", "team rows/s", "ratio");
    let sandbox = runtime.block_on(Sandbox::start(SandboxConfig { faults: Faults { latency_ms: 20, ..Faults::default() }, ..Default::default() })).unwrap();
    let mut queued_desk = None;
    for concurrency in [4usize, 16] {
        let rows = 150 * concurrency;
        runtime.block_on(bulk_run(&sandbox.base_url(), 50, concurrency, None));
        let single = runtime.block_on(bulk_run(&sandbox.base_url(), rows, concurrency, None)).0;
        let (teamed, desk) = runtime.block_on(bulk_run(&sandbox.base_url(), rows, concurrency, Some(pg)));
        println!("{concurrency:>11} {rows:>6} {single:>16.0} {teamed:>14.0} {:>7.2}", teamed / single);
        queued_desk = desk;
    }

    println!("\nReplication catch-up: the last team run's queue pushed to the team store");
    let (db, team, _dir) = queued_desk.unwrap();
    let queued = db.lock().unwrap().team_queue_len().unwrap();
    let started = Instant::now();
    let mut pushed = 0;
    while db.lock().unwrap().team_queue_len().unwrap() > 0 {
        pushed += runtime.block_on(team.sync(&db, 50)).unwrap().pushed;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{queued} queued changes ({pushed} rows pushed) in {secs:.2} s: {:.0} rows/s", pushed as f64 / secs);
}

fn activity(runtime: &tokio::runtime::Runtime, pg: &TestPg) {
    println!("\nThe team's Activity at 1,000,000 operations (20 branches, 200 desks; median and worst of 15 runs)");
    let seed = Instant::now();
    seed_million(pg);
    println!("(seeded and analysed in {:.0} s)", seed.elapsed().as_secs_f64());
    println!("{:<12} {:<44} {:>10} {:>10} {:>6}", "as", "query", "median ms", "worst ms", "rows");
    for (who, role) in [("operator", "desk03"), ("supervisor", "boss")] {
        let desk = Team::new(PROFILE, Ok(&access(pg, role)), &uuid::Uuid::new_v4().to_string());
        let queries: [(&str, TeamQuery); 8] = [
            ("first page", TeamQuery { limit: 50, ..Default::default() }),
            ("page 20", TeamQuery { limit: 50, offset: 950, ..Default::default() }),
            ("one desk", TeamQuery { limit: 50, desk: Some("Desk 063".into()), ..Default::default() }),
            ("one operator", TeamQuery { limit: 50, operator: Some("op-23".into()), ..Default::default() }),
            (
                "search: a whole invoice GUID (one match)",
                TeamQuery { limit: 50, text: Some("00000000-0000-4000-8000-000000777763".into()), ..Default::default() },
            ),
            ("search: part of an invoice (one match)", TeamQuery { limit: 50, text: Some("000777763".into()), ..Default::default() }),
            ("search: a word in a tenth of the rows", TeamQuery { limit: 50, text: Some("capture".into()), ..Default::default() }),
            ("search: text found nowhere", TeamQuery { limit: 50, text: Some("no-such-thing".into()), ..Default::default() }),
        ];
        for (label, q) in queries {
            let (median, worst, rows) = runtime.block_on(timed_query(&desk, &q));
            println!("{who:<12} {label:<44} {median:>10.1} {worst:>10.1} {rows:>6}");
        }
    }
}

fn access(pg: &TestPg, role: &str) -> ProviderAccess {
    ProviderAccess {
        provider: ProviderId::Team,
        base_url: format!("postgresql://127.0.0.1:{}/signet", pg.port),
        values: [("user".to_string(), role.to_string()), ("desk_name".to_string(), format!("bench {role}"))].into(),
        secrets: [("password".to_string(), SecretString::from("pw".to_string()))].into(),
        keyring_problem: None,
    }
}

/// `desks` desks claiming fresh keys at once for two seconds; rate and latency.
async fn claims(pg: &TestPg, desks: usize) -> (f64, f64, f64, usize) {
    let teams: Vec<Arc<Team>> =
        (0..desks).map(|n| Arc::new(Team::new(PROFILE, Ok(&access(pg, &format!("desk{n:02}"))), &uuid::Uuid::new_v4().to_string()))).collect();
    // Connected and warm before the clock starts.
    for t in &teams {
        t.claim(&BusinessKey::new("bench", &uuid::Uuid::new_v4().to_string(), false), "warm", Mode::First, "", |_| false).await.unwrap();
    }
    let until = Instant::now() + Duration::from_secs(2);
    let started = Instant::now();
    let tasks: Vec<_> = teams
        .into_iter()
        .map(|t| {
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let key = uuid::Uuid::new_v4().to_string();
                    let at = Instant::now();
                    t.claim(&BusinessKey::new("bench", &key, false), &key, Mode::First, "", |_| false).await.unwrap();
                    latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    (all.len() as f64 / secs, pct(0.50), pct(0.99), all.len())
}

type QueuedDesk = (Arc<Mutex<Store>>, Arc<Team>, tempfile::TempDir);

/// A whole bulk run (CSV checked, run recorded, every row through the outbox),
/// in team mode when `pg` is given. Rows per second, and the desk afterwards.
async fn bulk_run(url: &str, rows: usize, concurrency: usize, pg: Option<&TestPg>) -> (f64, Option<QueuedDesk>) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let team = pg.map(|pg| team::activate(&mut store, PROFILE, Some(Ok(access(pg, "desk01")))).unwrap().expect("in team mode"));
    let client = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, url), HttpConfig::default()).unwrap();
    let mut csv = String::from("department,invoice,options\n");
    for _ in 0..rows {
        csv.push_str(&format!("{},{},text email attach\n", demo::DEPARTMENT_SERVICE, uuid::Uuid::new_v4()));
    }
    let started = Instant::now();
    let parsed = bulk::parse_csv(csv.as_bytes()).unwrap();
    let (run_id, _) = bulk::open_run(&store, PROFILE, "bench.csv", csv.as_bytes(), &parsed).unwrap();
    let db = std::sync::Arc::new(Mutex::new(store));
    let done = bulk::execute(&db, &client, PROFILE, &run_id, concurrency, &Control::default(), |_| {}).await.unwrap();
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    assert!(done.finished() && done.sent == rows as u64, "{done:?}");
    (rate, team.map(|t| (db, t, dir)))
}

/// A million operations across 20 branches and 200 desks, written by the owner.
fn seed_million(pg: &TestPg) {
    pg.psql(
        "signet",
        "INSERT INTO signet.operations (desk_id, key, branch, operator, desk_name, area, kind, subject, status, request, response, attempts, created_at, updated_at, search)
         SELECT md5('desk' || (i % 200))::uuid,
                md5(i::text)::uuid::text,
                'Branch ' || lpad((i % 20)::text, 2, '0'),
                'op-' || (i % 100),
                'Desk ' || lpad((i % 200)::text, 3, '0'),
                CASE WHEN i % 10 = 3 THEN 'signatures' ELSE 'payments' END,
                CASE WHEN i % 10 = 3 THEN 'signature.capture' ELSE 'payment_request.send' END,
                '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'),
                CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'sent' END,
                '{}'::jsonb, '{}'::jsonb, 1,
                now() - make_interval(secs => i), now() - make_interval(secs => i),
                '00000000-0000-4000-8000-' || lpad(i::text, 12, '0') || CASE WHEN i % 10 = 3 THEN ' signature.capture ' ELSE ' payment_request.send ' END || md5(i::text)::uuid::text
         FROM generate_series(1, 1000000) AS i;
         ANALYZE signet.operations;",
    );
}

async fn timed_query(desk: &Team, q: &TeamQuery) -> (f64, f64, usize) {
    let rows = desk.operations(q).await.unwrap().items.len();
    let mut times = Vec::new();
    for _ in 0..15 {
        let at = Instant::now();
        desk.operations(q).await.unwrap();
        times.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() - 1], rows)
}
