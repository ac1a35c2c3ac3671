//! KYC documents: every check on real files (made here with the `image` encoder,
//! plus a PDF fixture), and hosting on the Sandbox and on a real S3-compatible
//! server (moto's, installed by scripts/setup.sh test) with the link downloading
//! the same bytes.

use std::io::Cursor;
use std::path::PathBuf;

use signet_core::hosting::DocumentHost;
use signet_core::kyc_files::{self, DocumentKind, FileLimits};

mod common;
use common::moto::Moto;

fn encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contracts").join(name)).unwrap()
}

fn refusal(name: &str, bytes: &[u8], limits: &FileLimits) -> String {
    let e = match kyc_files::check("front", name, bytes, limits) {
        Ok(passed) => panic!("{name} passed the checks: {:?} {}x{:?}", passed.kind, passed.bytes, passed.width),
        Err(e) => e,
    };
    assert_eq!(e.body().field.as_deref(), Some("front"));
    let message = e.to_string();
    assert!(message.starts_with(name), "the message names the file: {message}");
    message
}

#[test]
fn valid_documents_of_each_type_pass_with_a_preview() {
    let limits = FileLimits::default();
    let jpg = kyc_files::check("front", "rg-frente.jpg", &encoded(1200, 800, image::ImageFormat::Jpeg), &limits).unwrap();
    assert_eq!((jpg.kind, jpg.width, jpg.height, jpg.note.clone()), (DocumentKind::Jpeg, Some(1200), Some(800), None));
    assert!(jpg.preview.starts_with("data:image/png;base64,"));
    let png = kyc_files::check("back", "rg-verso.png", &encoded(900, 600, image::ImageFormat::Png), &limits).unwrap();
    assert_eq!(png.kind, DocumentKind::Png);
    let pdf = kyc_files::check("front", "passaporte.pdf", &fixture("contrato-reportlab.pdf"), &limits).unwrap();
    assert_eq!((pdf.kind, pdf.pages), (DocumentKind::Pdf, Some(3)));
    assert!(pdf.preview.contains("CONTRATO"), "{}", pdf.preview);
}

#[test]
fn the_content_decides_the_type_not_the_name() {
    let png = encoded(900, 600, image::ImageFormat::Png);
    let checked = kyc_files::check("front", "documento.pdf", &png, &FileLimits::default()).unwrap();
    assert_eq!(checked.kind, DocumentKind::Png);
    assert!(checked.note.unwrap().contains("Named .pdf, but it is a PNG"));
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    assert!(refusal("foto.jpg", gif, &FileLimits::default()).contains("image/gif"));
    assert!(refusal("notas.pdf", b"just some text, not a document", &FileLimits::default()).contains("not a JPG, PNG or PDF"));
}

#[test]
fn bad_files_are_refused_with_the_fix() {
    let limits = FileLimits::default();
    assert!(refusal("vazio.jpg", b"", &limits).contains("empty"));
    let jpeg = encoded(1200, 800, image::ImageFormat::Jpeg);
    assert!(refusal("cortado.jpg", &jpeg[..jpeg.len() / 2], &limits).contains("truncated"));
    assert!(refusal("pequeno.png", &encoded(120, 90, image::ImageFormat::Png), &limits).contains("too small"));
    let tight = FileLimits { max_bytes: 1024, ..limits };
    assert!(refusal("grande.png", &encoded(900, 600, image::ImageFormat::Png), &tight).contains("the limit is"));
    let mut broken_pdf = fixture("contrato-reportlab.pdf");
    broken_pdf.truncate(400);
    assert!(refusal("quebrado.pdf", &broken_pdf, &limits).contains("PDF cannot be read"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_hosts_a_document_under_a_random_name() {
    let sb = signet_sandbox::Sandbox::start(signet_sandbox::SandboxConfig { port: 0, ..Default::default() }).await.unwrap();
    let bytes = encoded(900, 600, image::ImageFormat::Png);
    let hosted = DocumentHost::sandbox(&sb.base_url()).put(DocumentKind::Png, bytes.clone()).await.unwrap();
    assert!(hosted.key.starts_with("kyc/") && hosted.key.ends_with(".png"));
    let fetched = reqwest::get(&hosted.url).await.unwrap();
    assert_eq!(fetched.headers()["content-type"], "image/png");
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_s3_bucket_receives_the_document_and_its_presigned_link_returns_the_same_bytes() {
    let moto = Moto::start();
    // The bucket exists already in real use; here it is made first.
    let made = reqwest::Client::new().put(format!("{}/kyc-docs", moto.url)).send().await.unwrap();
    assert!(made.status().is_success(), "{}", made.status());

    let mut access = signet_sandbox::provider_access(signet_core::catalog::ProviderId::Dollarpe, "http://127.0.0.1:9");
    for (k, v) in
        [("s3_bucket", "kyc-docs"), ("s3_endpoint", moto.url.as_str()), ("s3_region", "sa-east-1"), ("s3_prefix", "/signet/"), ("s3_link_minutes", "15")]
    {
        access.values.insert(k.into(), v.into());
    }
    for (k, v) in [("s3_access_key_id", "testing"), ("s3_secret_access_key", "testing")] {
        access.secrets.insert(k.into(), secrecy::SecretString::from(v.to_string()));
    }
    let host = DocumentHost::s3(&access).unwrap();
    let bytes = encoded(1200, 800, image::ImageFormat::Jpeg);
    let hosted = host.put(DocumentKind::Jpeg, bytes.clone()).await.unwrap();
    assert!(hosted.key.starts_with("signet/kyc/") && hosted.key.ends_with(".jpg"), "{}", hosted.key);
    assert!(hosted.url.contains("X-Amz-Signature") && hosted.url.contains("X-Amz-Expires=900"), "{}", hosted.url);
    let fetched = reqwest::get(&hosted.url).await.unwrap();
    assert!(fetched.status().is_success(), "{}", fetched.status());
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), bytes, "the link serves the very bytes uploaded");

    // Missing settings are named.
    access.values.remove("s3_bucket");
    assert_eq!(DocumentHost::s3(&access).err().unwrap().body().field.as_deref(), Some("dollarpe.s3_bucket"));
}
