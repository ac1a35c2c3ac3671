//! Signed updates, end to end: an update server on this machine (wiremock) offers a
//! newer Signet, signed with a release key made for this test (the debug desk is told
//! to trust it through SIGNET_TEST_UPDATE_PUBKEY, which release builds ignore). The
//! operator sets the address in Settings, checks, and installs; the program on disk
//! is replaced by the signed package. A package altered after signing is refused with
//! a message, and the program on disk is left as it was.

use std::path::Path;

use base64::Engine;
use signet_e2e::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OFFERED: &str = "0.2.0";

struct ReleaseKey {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl ReleaseKey {
    fn new() -> ReleaseKey {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        ReleaseKey { pk: pair.pk, sk: pair.sk }
    }

    /// The public key as the updater takes it: the minisign key file, in base64.
    fn public(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.pk.to_box().unwrap().into_string())
    }

    /// A signature as Tauri's signer writes it: the .minisig file in base64, with the
    /// version it was made for in the trusted comment.
    fn sign(&self, bytes: &[u8], version: &str) -> String {
        let trusted = format!("timestamp:1764504000\tfile:signet-desk\tversion:{version}");
        let signature =
            minisign::sign(Some(&self.pk), &self.sk, std::io::Cursor::new(bytes), Some(&trusted), Some("signature from the e2e test's key")).unwrap();
        base64::engine::general_purpose::STANDARD.encode(signature.into_string())
    }
}

/// Serves `latest.json` under `prefix` offering `package` with `signature`.
async fn offer(server: &MockServer, prefix: &str, package: Vec<u8>, signature: &str) {
    let manifest = serde_json::json!({
        "version": OFFERED,
        "notes": "Faster bulk runs; Portuguese for the whole desk.",
        "pub_date": "2026-11-30T12:00:00Z",
        "platforms": { "linux-x86_64": { "signature": signature, "url": format!("{}/{prefix}/signet-desk", server.uri()) } }
    });
    Mock::given(method("GET")).and(path(format!("/{prefix}/latest.json"))).respond_with(ResponseTemplate::new(200).set_body_json(manifest)).mount(server).await;
    Mock::given(method("GET")).and(path(format!("/{prefix}/signet-desk"))).respond_with(ResponseTemplate::new(200).set_body_bytes(package)).mount(server).await;
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn set_address(c: &Client, address: &str) {
    type_into(c, "[data-testid='update-address']", address).await;
    click(c, "[data-testid='update-save']").await;
    wait_for(c, "[data-testid='update-check']:not([disabled])").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_update_is_offered_and_installed_and_a_tampered_one_refused() {
    let env = Env::from_vars();
    // The desk runs from a copy, which is what the update replaces.
    let dir = std::env::temp_dir().join(format!("signet-e2e-update-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let installed = dir.join("signet-desk");
    std::fs::copy(&env.app, &installed).unwrap();
    let before = std::fs::read(&installed).unwrap();

    // The new version: a desk build (still an ELF program), marked so it can be told apart.
    let mut package = before.clone();
    package.extend_from_slice(format!("\nsignet {OFFERED} (e2e)\n").as_bytes());
    let key = ReleaseKey::new();
    let signature = key.sign(&package, OFFERED);
    let mut tampered = package.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let server = MockServer::start().await;
    offer(&server, "tampered", tampered, &signature).await;
    // Genuinely signed, but for an older version than the one announced: a server
    // pushing a desk back to an old release.
    offer(&server, "mismatch", package.clone(), &key.sign(&package, "0.1.5")).await;
    offer(&server, "good", package.clone(), &signature).await;

    let public = key.public();
    let driver = Driver::start(&[("SIGNET_TEST_UPDATE_PUBKEY", public.as_str())]);
    let c = driver.open_app(&installed, env.window).await;
    click(&c, "[data-testid='nav-settings']").await;

    // A bad address is refused by name.
    type_into(&c, "[data-testid='update-address']", "ftp://updates.example.com/signet").await;
    click(&c, "[data-testid='update-save']").await;
    assert!(text(&c, "[data-testid='update-address-error']").await.contains("https"));

    // Altered after signing: offered, then refused on install, nothing replaced.
    set_address(&c, &format!("{}/tampered/latest.json", server.uri())).await;
    click(&c, "[data-testid='update-check']").await;
    assert!(text(&c, "[data-testid='update-offer']").await.contains(&format!("Signet {OFFERED} is available")));
    click(&c, "[data-testid='update-install']").await;
    let refused = text(&c, "[data-testid='update-error']").await;
    assert!(refused.contains("refused") && refused.contains("signature") && refused.contains("Nothing was installed"), "{refused}");
    assert_eq!(sha256(&std::fs::read(&installed).unwrap()), sha256(&before), "a refused update changed the program on disk");

    set_address(&c, &format!("{}/mismatch/latest.json", server.uri())).await;
    click(&c, "[data-testid='update-check']").await;
    wait_for(&c, "[data-testid='update-offer']").await;
    click(&c, "[data-testid='update-install']").await;
    let refused = text(&c, "[data-testid='update-error']").await;
    assert!(refused.contains("refused") && refused.contains("0.1.5"), "{refused}");
    assert_eq!(sha256(&std::fs::read(&installed).unwrap()), sha256(&before), "a refused update changed the program on disk");

    // Signed: offered with its notes, downloaded, checked and installed in place.
    set_address(&c, &format!("{}/good/latest.json", server.uri())).await;
    click(&c, "[data-testid='update-check']").await;
    let offered = text(&c, "[data-testid='update-offer']").await;
    assert!(offered.contains("this desk has 0.1.0") && offered.contains("Faster bulk runs"), "{offered}");
    screenshot(&c, &env, "update-offered.png").await;
    click(&c, "[data-testid='update-install']").await;
    let done = text(&c, "[data-testid='update-installed']").await;
    assert!(done.contains(&format!("Signet {OFFERED} is installed")), "{done}");
    assert_eq!(sha256(&std::fs::read(&installed).unwrap()), sha256(&package), "the program on disk is the signed package");
    assert!(is_executable(&installed), "the installed program lost its execute permission");

    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).map(|m| m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}
