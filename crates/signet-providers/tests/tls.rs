//! A provider address whose certificate is not trusted (self-signed here, as an
//! interception proxy's would be) is refused: no request reaches it, the error says
//! it is the certificate, and there is no setting that skips the check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use secrecy::SecretString;
use signet_providers::kpay::{Kpay, PaymentRequest};
use signet_providers::HttpConfig;
use tokio_rustls::rustls;

/// A TLS server on loopback with a self-signed certificate for "localhost"; counts
/// the handshakes that completed (a client that trusted it would complete one).
async fn untrusted_server() -> (u16, Arc<AtomicUsize>) {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(generated.key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![generated.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let completed = Arc::new(AtomicUsize::new(0));
    let counter = completed.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if acceptor.accept(tcp).await.is_ok() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, completed)
}

#[tokio::test]
async fn a_provider_with_an_untrusted_certificate_is_refused_and_told_apart() {
    let (port, completed) = untrusted_server().await;
    let client = Kpay::new(&format!("https://localhost:{port}"), "desk", SecretString::from("pw"), HttpConfig::default());
    let request = PaymentRequest { invoice_guid: "7d1f1d2e-0000-4000-8000-0000000000c1".into(), send_as_email: true, ..Default::default() };
    let e = client.send_payment_request("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01", &request, "op-tls").await.unwrap_err();
    let said = e.to_string();
    assert!(said.to_lowercase().contains("certificate"), "{said}");
    // Refused during the handshake: nothing was sent, so it is safe to fix and send again.
    assert_eq!(e.code(), "transport", "{e:?}");
    assert_eq!(completed.load(Ordering::SeqCst), 0, "a handshake with the untrusted server completed");
    let read = client.get_signature_request("7d1f1d2e-0000-4000-8000-0000000000c2").await.unwrap_err();
    assert!(read.to_string().to_lowercase().contains("certificate"), "{read}");
}
