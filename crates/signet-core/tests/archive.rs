//! The evidence archive against a real S3 server with Object Lock (moto's): an
//! opt-in archived and locked, deletes and overwrites refused, a bucket without
//! Object Lock refused by Test connection, a desk killed between the write and its
//! note archiving once, verify finding what was removed on either side, and a
//! ledger rebuilt from the archive alone.

use std::sync::Mutex;

use secrecy::SecretString;
use signet_core::access::ProviderAccess;
use signet_core::archive::{archiver, check, s3::Written, Archive};
use signet_core::catalog::ProviderId;
use signet_core::evidence::{key, ledger};
use signet_core::optin;
use signet_core::store::Store;
use signet_providers::HttpConfig;
use signet_sandbox::{demo, Sandbox, SandboxConfig};

mod common;
use common::moto::Moto;
use common::{circumstances, signer};

fn access(moto: &Moto, bucket: &str) -> ProviderAccess {
    ProviderAccess {
        provider: ProviderId::Archive,
        base_url: moto.url.clone(),
        values: [("bucket".to_string(), bucket.to_string()), ("prefix".to_string(), "branch-north".to_string())].into(),
        secrets: [
            ("access_key_id".to_string(), SecretString::from("testing".to_string())),
            ("secret_access_key".to_string(), SecretString::from("testing".to_string())),
        ]
        .into(),
        keyring_problem: None,
    }
}

/// A desk with its own database and evidence key, signing opt-ins on a Sandbox.
struct Desk {
    dir: tempfile::TempDir,
    db: Mutex<Store>,
    key: key::SigningKey,
    sandbox: Sandbox,
}

impl Desk {
    async fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = Mutex::new(Store::open_in(dir.path()).unwrap());
        let key = key::SigningKey::from_bytes(&[9u8; 32]);
        key::record_public_key(&db.lock().unwrap(), &self_public(&key)).unwrap();
        Desk { dir, db, key, sandbox: Sandbox::start(SandboxConfig { port: 0, ..Default::default() }).await.unwrap() }
    }

    async fn opt_in(&self, debt: &str, session: &str) {
        let client =
            signet_core::clients::qitech(&signet_sandbox::provider_access(ProviderId::Qitech, &self.sandbox.base_url()), HttpConfig::default()).unwrap();
        let pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts/contrato-reportlab.pdf");
        let contract = signet_core::contract::load(&pdf).unwrap();
        optin::submit(&self.db, &self.key, &client, "sandbox", debt, &signer(), &contract, &circumstances(session)).await.unwrap();
    }

    fn public_key(&self) -> String {
        self_public(&self.key)
    }
}

fn local(db: &Mutex<Store>) -> check::LocalLedger {
    check::LocalLedger::read(&db.lock().unwrap()).unwrap()
}

fn self_public(k: &key::SigningKey) -> String {
    key::public_key(&k.verifying_key())
}

const SESSION_1: &str = "6c1e8f7a-3c2d-4e1f-9a8b-7c6d5e4f3a01";
const SESSION_2: &str = "6c1e8f7a-3c2d-4e1f-9a8b-7c6d5e4f3a02";

#[tokio::test(flavor = "multi_thread")]
async fn test_connection_accepts_a_locked_bucket_and_refuses_one_without_object_lock() {
    let moto = Moto::start();
    moto.bucket("evidence", true).await;
    moto.bucket("plain", false).await;
    let ok = signet_core::connection::test(&access(&moto, "evidence"), "desk").await.unwrap();
    assert!(ok.ok && ok.message.contains("COMPLIANCE"), "{}", ok.message);
    let refused = signet_core::connection::test(&access(&moto, "plain"), "desk").await.unwrap();
    assert!(!refused.ok && refused.message.contains("Object Lock"), "{}", refused.message);
    // Less than five years is refused by name, before anything is asked.
    let mut short = access(&moto, "evidence");
    short.values.insert("retention_years".into(), "2".into());
    let e = Archive::from_access(&short).err().unwrap();
    assert!(e.to_string().contains("from 5"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_opt_in_is_archived_once_locked_for_five_years_and_cannot_be_deleted_or_replaced() {
    let moto = Moto::start();
    moto.bucket("evidence", true).await;
    let archive = Archive::from_access(&access(&moto, "evidence")).unwrap();
    let desk = Desk::new().await;
    desk.opt_in(demo::DEBT_OPEN, SESSION_1).await;

    let pass = archiver::run(&desk.db, &desk.key, &archive).await.unwrap();
    assert_eq!((pass.pending, pass.conflicts, pass.problem.as_deref()), (0, 0, None), "{pass:?}");
    let root = archive.root(&desk.public_key());
    let names = archive.bucket.list(&root).await.unwrap();
    let under = |folder: &str| names.iter().filter(|n| n.starts_with(&format!("{root}{folder}/"))).count();
    // Acceptance, answer, and the receipt of what was archived; the contract's PDF
    // and text; one dossier; a checkpoint over the answer and one over the receipt.
    assert_eq!((under("records"), under("files"), under("dossiers"), under("checkpoints")), (3, 2, 1, 2), "{names:#?}");
    // No personal data in any name: no CPF, no signer name, no debt key.
    for n in &names {
        assert!(!n.contains("61766976204") && !n.to_lowercase().contains("maria") && !n.contains(demo::DEBT_OPEN), "{n}");
    }
    {
        let store = desk.db.lock().unwrap();
        let receipt = ledger::find(&store, archiver::RECEIPT_SESSION).unwrap();
        assert_eq!(receipt.len(), 1);
        let archived: serde_json::Value = serde_json::from_str(&receipt[0].body).unwrap();
        assert_eq!(archived["archived"].as_array().unwrap().len(), 6, "records 1-2, two files, the dossier and a checkpoint: {archived}");
        assert!(ledger::verify(&store, None).unwrap().intact());
    }

    // Locked in COMPLIANCE mode for five years.
    let record = format!("{root}records/000000000001.json");
    let head = archive.bucket.head(&record).await.unwrap().unwrap();
    assert_eq!(head.lock_mode.as_deref(), Some("COMPLIANCE"));
    let until = time::OffsetDateTime::parse(head.retain_until.as_deref().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
    assert!(until > time::OffsetDateTime::now_utc() + time::Duration::days(5 * 365), "{until}");
    // Deleting the locked version is refused; so is writing over it.
    let version = head.version_id.clone().unwrap();
    let deleted = reqwest::Client::new().delete(format!("{}/evidence/{record}?versionId={version}", moto.url)).send().await.unwrap();
    assert!(!deleted.status().is_success(), "a locked version was deleted: {}", deleted.status());
    assert_eq!(archive.bucket.put_locked(&record, b"{}", "forged", "2099-01-01T00:00:00Z").await.unwrap(), Written::AlreadyThere);
    assert_eq!(
        archive.bucket.get(&record).await.unwrap().map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap()["seq"].clone()),
        Some(serde_json::json!(1))
    );

    // Nothing new: nothing written twice.
    let again = archiver::run(&desk.db, &desk.key, &archive).await.unwrap();
    assert_eq!((again.written, again.pending), (0, 0));
    let report = check::verify(&archive, &desk.public_key(), Some(&local(&desk.db))).await.unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    assert_eq!((report.records, report.signed_through), (3, Some(3)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_killed_between_writing_and_noting_it_archives_each_object_once() {
    let moto = Moto::start();
    moto.bucket("evidence", true).await;
    let archive = Archive::from_access(&access(&moto, "evidence")).unwrap();
    let desk = Desk::new().await;
    desk.opt_in(demo::DEBT_OPEN, SESSION_1).await;
    // Planned, then the first object written, then the desk "killed" before noting it.
    archiver::plan(&desk.db.lock().unwrap(), &desk.key, &archive).unwrap();
    let first = desk.db.lock().unwrap().archive_pending(1).unwrap().remove(0);
    archive.bucket.put_locked(&first.name, first.bytes.as_deref().unwrap(), &first.sha256, &first.retain_until).await.unwrap();
    let written_once = archive.bucket.head(&first.name).await.unwrap().unwrap().version_id;
    let Desk { dir, db, key, sandbox } = desk;
    drop(db);

    // Restarted: the same database, the pass finds the object there and counts it.
    let db = Mutex::new(Store::open_in(dir.path()).unwrap());
    let pass = archiver::run(&db, &key, &archive).await.unwrap();
    assert_eq!((pass.pending, pass.conflicts), (0, 0), "{pass:?}");
    assert_eq!(archive.bucket.head(&first.name).await.unwrap().unwrap().version_id, written_once, "the object was written twice");
    let report = check::verify(&archive, &self_public(&key), Some(&local(&db))).await.unwrap();
    assert!(report.intact(), "{:?}", report.problems);
    drop(sandbox);
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_finds_what_was_removed_on_either_side_and_a_ledger_rebuilt_from_the_archive_verifies() {
    let moto = Moto::start();
    moto.bucket("evidence", true).await;
    let archive = Archive::from_access(&access(&moto, "evidence")).unwrap();
    let desk = Desk::new().await;
    desk.opt_in(demo::DEBT_OPEN, SESSION_1).await;
    desk.opt_in(demo::DEBT_OPEN_2, SESSION_2).await;
    archiver::run(&desk.db, &desk.key, &archive).await.unwrap();
    let public_key = desk.public_key();

    // The PC is gone: from the bucket and the public key alone, a ledger that verifies.
    let out = tempfile::tempdir().unwrap();
    let rebuilt = check::rebuild(&archive, &public_key, &out.path().join("rebuilt")).await.unwrap();
    assert!(rebuilt.intact(), "{:?}", rebuilt.problems);
    let local_records = desk.db.lock().unwrap().last_evidence().unwrap().unwrap().0;
    assert_eq!(rebuilt.records, local_records);
    // From another machine (no local ledger), the archive checks too.
    assert!(check::verify(&archive, &public_key, None).await.unwrap().intact());

    // Neither a locked version nor the object can be deleted (moto refuses even a
    // delete marker); so a bucket that lost an object is a copy of it without one
    // (a restore, a migration), here without record 2. And a record removed from
    // the desk's database.
    let root = archive.root(&public_key);
    moto.bucket("evidence-copy", true).await;
    let copy = Archive::from_access(&access(&moto, "evidence-copy")).unwrap();
    let refused = reqwest::Client::new().delete(format!("{}/evidence/{root}records/000000000002.json", moto.url)).send().await.unwrap();
    assert!(!refused.status().is_success(), "an archived object was deleted: {}", refused.status());
    for name in archive.bucket.list(&root).await.unwrap() {
        if !name.ends_with("records/000000000002.json") {
            let bytes = archive.bucket.get(&name).await.unwrap().unwrap();
            copy.bucket.put_locked(&name, &bytes, &ledger::sha256_hex(&bytes), &copy.retain_until()).await.unwrap();
        }
    }
    let missing = check::verify(&copy, &public_key, Some(&local(&desk.db))).await.unwrap();
    let said: Vec<String> = missing.problems.iter().map(|p| format!("{:?}: {}", p.position, p.problem)).collect();
    assert!(said.iter().any(|p| p.starts_with("Some(2)") && p.contains("missing from the bucket")), "{said:#?}");
    assert!(said.iter().any(|p| p.starts_with("Some(2)") && p.contains("is missing (removed)")), "the archived chain's gap is reported where it is: {said:#?}");

    let conn = rusqlite::Connection::open(desk.dir.path().join(signet_core::store::DATABASE_FILE)).unwrap();
    // As someone with the file would: the append-only trigger goes first.
    conn.execute_batch("DROP TRIGGER evidence_ledger_no_delete; DELETE FROM evidence_ledger WHERE seq = 2;").unwrap();
    drop(conn);
    let report = check::verify(&archive, &public_key, Some(&local(&desk.db))).await.unwrap();
    let said: Vec<String> = report.problems.iter().map(|p| format!("{:?}: {}", p.position, p.problem)).collect();
    assert!(said.iter().any(|p| p.starts_with("Some(2)") && p.contains("removed from this desk")), "{said:#?}");
}
