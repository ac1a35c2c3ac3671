//! Team mode against a real PostgreSQL (Debian's, in a throwaway cluster) and a real
//! Sandbox: the schema and its roles, row-level security tried from each role, the
//! cross-desk duplicate guard, a team store that goes down and comes back, a desk
//! offline for a thousand operations, a newer schema, and TLS with a certificate the
//! desk does not trust. Several desks here are separate SQLite files in one process;
//! crates/signet-cli/tests/team.rs runs separate desk processes.

use signet_core::outbox::SendChoice;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use signet_core::access::ProviderAccess;
use signet_core::catalog::ProviderId;
use signet_core::store::{OperationRecord, OperationStatus, Store};
use signet_core::team::activity::TeamQuery;
use signet_core::team::{self, Team};
use signet_core::{kyc, outbox, payments, CoreError};
use signet_providers::kpay::PaymentRequest;
use signet_providers::HttpConfig;
use signet_sandbox::{demo, Sandbox, SandboxConfig};
use signet_testpg::{TestPg, ADMIN_PASSWORD};

const PROFILE: &str = "team-profile";

/// A team store: a database initialised by `signet team init`'s code, with roles
/// for two branches and a supervisor.
async fn team_store(pg: &TestPg) {
    pg.psql("postgres", "CREATE DATABASE signet");
    let mut admin = team::admin_connect(&pg.admin_url("signet"), SecretString::from(ADMIN_PASSWORD.to_string()), None).await.unwrap();
    assert_eq!(team::schema::init(&mut admin).await.unwrap(), (0, team::schema::VERSION));
    // Again: nothing to do.
    assert_eq!(team::schema::init(&mut admin).await.unwrap(), (team::schema::VERSION, team::schema::VERSION));
    for (role, branch, supervisor) in [("ana", "Branch A", false), ("bruno", "Branch B", false), ("carla", "Head office", true)] {
        pg.psql("signet", &format!("CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'"));
        team::schema::add_member(&admin, role, branch, supervisor).await.unwrap();
    }
}

fn access(pg: &TestPg, role: &str) -> ProviderAccess {
    ProviderAccess {
        provider: ProviderId::Team,
        base_url: format!("postgresql://127.0.0.1:{}/signet", pg.port),
        values: [("user".to_string(), role.to_string()), ("desk_name".to_string(), format!("desk-of-{role}"))].into(),
        secrets: [("password".to_string(), SecretString::from(format!("pw-{role}")))].into(),
        keyring_problem: None,
    }
}

/// A desk: its own SQLite file, in team mode as `role`.
struct Desk {
    _dir: tempfile::TempDir,
    db: Mutex<Store>,
    team: Arc<Team>,
}

fn desk(pg: &TestPg, role: &str) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let team = team::activate(&mut store, PROFILE, Some(Ok(access(pg, role)))).unwrap().expect("in team mode");
    Desk { _dir: dir, db: Mutex::new(store), team }
}

fn quick() -> HttpConfig {
    HttpConfig { total_timeout: Duration::from_secs(5), base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20), ..HttpConfig::default() }
}

fn request(invoice: &str) -> PaymentRequest {
    PaymentRequest { invoice_guid: invoice.into(), send_as_email: true, ..Default::default() }
}

fn received(sb: &Sandbox, invoice: &str) -> usize {
    sb.journal().iter().filter(|e| e.method == "POST" && e.body.contains(invoice) && e.status.is_none_or(|s| s < 300)).count()
}

/// PostgreSQL's own words for a refusal.
fn why(e: tokio_postgres::Error) -> String {
    e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())
}

async fn as_role(pg: &TestPg, role: &str) -> tokio_postgres::Client {
    let (client, connection) =
        tokio_postgres::connect(&format!("host=127.0.0.1 port={} dbname=signet user={role} password=pw-{role}", pg.port), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_desk_is_refused_naming_the_first_and_may_send_again_on_purpose() {
    let pg = TestPg::start();
    team_store(&pg).await;
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let kpay = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, &sb.base_url()), quick()).unwrap();
    let (a, b) = (desk(&pg, "ana"), desk(&pg, "bruno"));
    let invoice = "7e000000-0000-4000-8000-000000000001";

    payments::send(&a.db, &kpay, PROFILE, demo::DEPARTMENT_SERVICE, &request(invoice), SendChoice::default()).await.unwrap();
    // Desk B's own database knows nothing of it; the team store does.
    let refused = payments::send(&b.db, &kpay, PROFILE, demo::DEPARTMENT_SERVICE, &request(invoice), SendChoice::default()).await.unwrap_err();
    match &refused {
        CoreError::ClaimedElsewhere(holder) => {
            assert_eq!((holder.desk_name.as_str(), holder.operator.as_str(), holder.branch.as_str()), ("desk-of-ana", "ana", "Branch A"));
            assert!(!holder.claimed_at.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(refused.code(), "duplicate");
    assert!(refused.to_string().contains("desk-of-ana") && refused.to_string().contains("ana"), "{refused}");
    assert_eq!(received(&sb, invoice), 1, "the second desk sent it too");
    // The operator saw the earlier send and sends again on purpose: allowed, recorded.
    payments::send(&b.db, &kpay, PROFILE, demo::DEPARTMENT_SERVICE, &request(invoice), SendChoice { again: true, unchecked: false }).await.unwrap();
    assert_eq!(received(&sb, invoice), 2);
    let claims = pg.psql("signet", &format!("SELECT attempt, operator, deliberate FROM signet.claims WHERE business_key LIKE '%{invoice}' ORDER BY attempt"));
    assert_eq!(claims, "1|ana|f\n2|bruno|t");
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_and_row_level_security_are_enforced_by_postgresql_itself() {
    let pg = TestPg::start();
    team_store(&pg).await;
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let kpay = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, &sb.base_url()), quick()).unwrap();
    let (a, b, c) = (desk(&pg, "ana"), desk(&pg, "bruno"), desk(&pg, "carla"));
    payments::send(&a.db, &kpay, PROFILE, demo::DEPARTMENT_SERVICE, &request("7e000000-0000-4000-8000-00000000000a"), SendChoice::default()).await.unwrap();
    payments::send(&b.db, &kpay, PROFILE, demo::DEPARTMENT_SERVICE, &request("7e000000-0000-4000-8000-00000000000b"), SendChoice::default()).await.unwrap();
    for d in [&a, &b, &c] {
        d.team.sync(&d.db, 10).await.unwrap();
    }

    // Through the desk: each operator sees its branch; the supervisor, both.
    let seen = |page: signet_core::team::activity::TeamPage| page.items.iter().map(|o| o.branch.clone()).collect::<Vec<_>>();
    assert_eq!(seen(a.team.operations(&TeamQuery { limit: 50, ..Default::default() }).await.unwrap()), ["Branch A"]);
    assert_eq!(seen(b.team.operations(&TeamQuery { limit: 50, ..Default::default() }).await.unwrap()), ["Branch B"]);
    let mut both = seen(c.team.operations(&TeamQuery { limit: 50, ..Default::default() }).await.unwrap());
    both.sort();
    assert_eq!(both, ["Branch A", "Branch B"]);
    // Search (text anywhere goes through signet.search_operations, a whole
    // identifier through the table): the same rule either way.
    for text in ["0000000000b", "7e000000-0000-4000-8000-00000000000b", "payment_request"] {
        let q = TeamQuery { limit: 50, text: Some(text.into()), ..Default::default() };
        assert!(seen(a.team.operations(&q).await.unwrap()).iter().all(|branch| branch == "Branch A"), "Branch A found Branch B's operation by {text}");
        assert!(seen(c.team.operations(&q).await.unwrap()).contains(&"Branch B".to_string()), "the supervisor did not find {text}");
    }

    // Straight at PostgreSQL as each role, around the desk.
    let bruno = as_role(&pg, "bruno").await;
    let visible: i64 = bruno.query_one("SELECT count(*) FROM signet.operations WHERE branch = 'Branch A'", &[]).await.unwrap().get(0);
    assert_eq!(visible, 0, "Branch B read Branch A's operations");
    let updated = bruno.execute("UPDATE signet.operations SET status = 'failed' WHERE branch = 'Branch A'", &[]).await.unwrap();
    assert_eq!(updated, 0, "Branch B changed Branch A's operations");
    let forged = bruno
        .execute(
            "INSERT INTO signet.operations (desk_id, key, branch, operator, desk_name, area, kind, subject, status, request, attempts, created_at, updated_at, search)
             VALUES (gen_random_uuid(), 'forged', 'Branch A', 'bruno', 'x', 'payments', 'k', 's', 'sent', '{}', 1, now(), now(), '')",
            &[],
        )
        .await
        .map_err(why)
        .unwrap_err();
    assert!(forged.contains("row-level security"), "{forged}");
    let searched: i64 = bruno.query_one("SELECT count(*) FROM signet.search_operations('%', 'Branch A', NULL, NULL, NULL, 50, 0)", &[]).await.unwrap().get(0);
    assert_eq!(searched, 0, "Branch B searched Branch A's operations");
    let members = bruno.query("SELECT * FROM signet.members", &[]).await.map_err(why).unwrap_err();
    assert!(members.contains("permission denied"), "{members}");
    let claims: i64 = bruno.query_one("SELECT count(*) FROM signet.claims", &[]).await.unwrap().get(0);
    assert_eq!(claims, 1, "Branch B sees only its own claims");
    let carla = as_role(&pg, "carla").await;
    let all: i64 = carla.query_one("SELECT count(*) FROM signet.operations", &[]).await.unwrap().get(0);
    assert_eq!(all, 2);
    // A supervisor reads every branch but writes only as itself.
    let supervisor_forged = carla
        .execute(
            "INSERT INTO signet.claims (scope, business_key, attempt, desk_id, desk_name, operator, branch, operation_key) VALUES ('invoice', 'x', 1, gen_random_uuid(), 'x', 'carla', 'Branch A', 'k')",
            &[],
        )
        .await
        .map_err(why)
        .unwrap_err();
    assert!(supervisor_forged.contains("row-level security"), "{supervisor_forged}");
    // A role that is not a member cannot be a desk.
    pg.psql("signet", "CREATE ROLE stranger LOGIN PASSWORD 'pw-stranger'; GRANT signet_operator TO stranger");
    let e = desk(&pg, "stranger").team.identity().await.unwrap_err();
    assert!(e.to_string().contains("not a Signet team member"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_team_store_down_sends_wait_or_go_unchecked_on_purpose_and_it_catches_up() {
    let pg = TestPg::start();
    team_store(&pg).await;
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = sb.base_url();
    let kpay = signet_core::clients::kpay(&signet_sandbox::provider_access(ProviderId::Mykaarma, &url), quick()).unwrap();
    let dollarpe = signet_core::clients::dollarpe(&signet_sandbox::provider_access(ProviderId::Dollarpe, &url), quick()).unwrap();
    let a = desk(&pg, "ana");
    a.team.identity().await.unwrap();
    pg.stop_immediate();

    // A payment request waits, as for the network: nothing sent, nothing lost.
    let invoice = "7e000000-0000-4000-8000-0000000000c1";
    let waiting = payments::send(&a.db, &kpay, PROFILE, demo::DEPARTMENT_SERVICE, &request(invoice), SendChoice::default()).await.unwrap_err();
    assert_eq!(waiting.code(), "waiting", "{waiting}");
    assert!(waiting.to_string().contains("team store"), "{waiting}");
    assert_eq!(received(&sb, invoice), 0);

    // A KYC update is refused with the choice; nothing recorded, nothing sent.
    let customer: String =
        reqwest::Client::new().post(format!("{url}/_sandbox/dollarpe/customers")).send().await.unwrap().json::<serde_json::Value>().await.unwrap()
            ["customer_id"]
            .as_str()
            .unwrap()
            .into();
    let document = kyc::DocumentInput {
        customer_id: customer.clone(),
        document_type: "PASSPORT".into(),
        full_address: "Av. Paulista 1000, São Paulo".into(),
        document_number: "BR7000001".into(),
        front_url: "https://files.example.com/kyc/1.jpg".into(),
        back_url: None,
        additional_data: [("issuing_country".to_string(), "BR".to_string())].into(),
    };
    let refused = kyc::update(&a.db, &dollarpe, PROFILE, &document, Default::default()).await.unwrap_err();
    assert_eq!(refused.code(), "team_unreachable", "{refused}");
    assert!(a.db.lock().unwrap().operations_about(kyc::AREA, &customer).unwrap().is_empty());
    // The operator sends it without the check: it goes, and the override is kept.
    kyc::update(&a.db, &dollarpe, PROFILE, &document, outbox::SendChoice { unchecked: true, ..Default::default() }).await.unwrap();

    // The store comes back: the waiting request goes once, the override is recorded team-wide.
    pg.restart();
    a.db.lock().unwrap().reschedule_all_waiting(&outbox::now()).unwrap();
    let access_for = |_: &str, p: ProviderId| Ok(signet_sandbox::provider_access(p, &url));
    let pass = signet_core::retry::run_due(&a.db, &access_for).await.unwrap();
    assert_eq!(pass.sent, 1, "{pass:?}");
    assert_eq!(received(&sb, invoice), 1);
    let report = a.team.sync(&a.db, 10).await.unwrap();
    assert_eq!(report.remaining, 0, "{report:?}");
    let overrides = pg.psql("signet", &format!("SELECT operator, offline_override FROM signet.claims WHERE business_key = '{customer}'"));
    assert_eq!(overrides, "ana|t", "the unchecked send is shown to the team");
    let statuses = pg.psql("signet", "SELECT kind, status FROM signet.operations ORDER BY created_at");
    assert!(statuses.contains("payment_request.send|sent") && statuses.contains("kyc.update_document_info|sent"), "{statuses}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_offline_for_a_thousand_operations_catches_up_in_order_without_doubles() {
    let pg = TestPg::start();
    team_store(&pg).await;
    let a = desk(&pg, "ana");
    a.team.identity().await.unwrap();
    pg.stop_immediate();
    let at = outbox::now();
    for i in 0..1000 {
        a.db.lock()
            .unwrap()
            .insert_operation(&OperationRecord {
                key: format!("offline-{i:04}"),
                area: "payments".into(),
                kind: "payment_request.send".into(),
                profile_id: PROFILE.into(),
                subject: format!("invoice-{i}"),
                request: serde_json::json!({ "i": i }),
                status: OperationStatus::Sent,
                response: None,
                created_at: at.clone(),
                updated_at: at.clone(),
                attempts: 1,
                retry_at: None,
                checkable_with: None,
            })
            .unwrap();
    }
    assert!(matches!(a.team.sync(&a.db, 10).await, Err(CoreError::TeamUnreachable(_))));
    assert_eq!(a.db.lock().unwrap().team_queue_len().unwrap(), 1000, "nothing leaves the queue while the store is down");
    pg.restart();
    let report = a.team.sync(&a.db, 100).await.unwrap();
    assert_eq!((report.pushed, report.remaining), (1000, 0));
    // Pushed again (as after a kill between the push and the queue's update): no doubles.
    a.db.lock().unwrap().set_team_profile(None).unwrap();
    a.db.lock().unwrap().set_team_profile(Some(PROFILE)).unwrap();
    a.team.sync(&a.db, 100).await.unwrap();
    assert_eq!(pg.psql("signet", "SELECT count(*), count(DISTINCT key) FROM signet.operations"), "1000|1000");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_schema_and_an_untrusted_certificate_are_refused_with_what_to_do() {
    // TLS on, with a certificate from a CA the desk is not given.
    let ca = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(vec![]).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_cert = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().signed_by(&server_key, &ca_cert, &ca).unwrap();
    let pg = TestPg::start_with_files(
        &["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"],
        &[("server.crt", server_cert.pem().as_bytes()), ("server.key", server_key.serialize_pem().as_bytes())],
    );
    team_store(&pg).await;
    let over_tls = |ca_pem: &str| {
        let mut a = access(&pg, "ana");
        a.base_url = format!("postgresql://localhost:{}/signet", pg.port);
        a.values.insert("ca_certificate".into(), ca_pem.into());
        Team::new(PROFILE, Ok(&a), &uuid::Uuid::new_v4().to_string())
    };
    // The right CA: connected over TLS.
    let me = over_tls(&ca_cert.pem()).identity().await.unwrap();
    assert_eq!(me.branch, "Branch A");
    // Another CA: refused in the handshake, with what to do.
    let other = rcgen::generate_simple_self_signed(vec!["other".into()]).unwrap();
    let e = over_tls(&other.cert.pem()).identity().await.unwrap_err();
    assert_eq!(e.code(), "team", "{e}");
    assert!(e.to_string().contains("certificate this desk does not trust"), "{e}");

    // A schema from a newer Signet: refused, nothing written.
    pg.psql("signet", "INSERT INTO signet.schema_version (version) VALUES (99)");
    let e = over_tls(&ca_cert.pem()).identity().await.unwrap_err();
    assert!(e.to_string().contains("newer Signet") && e.to_string().contains("Update Signet"), "{e}");
}
