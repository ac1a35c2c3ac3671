//! The public address an opt-in acceptance came from, asked of a "what is my IP"
//! endpoint over a connection we open ourselves, so the local IP and source port
//! recorded are those of the very connection the endpoint saw.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use crate::error::ProviderError;

const NAME: &str = "the public IP endpoint";
/// An address is a few dozen bytes; anything longer is not an answer to this.
const MAX_ANSWER: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addresses {
    /// As the endpoint saw us: the public IP (and port, if it says).
    pub public_ip: String,
    pub public_port: Option<u16>,
    /// Our side of the same connection.
    pub local_ip: String,
    pub local_port: u16,
}

fn unreachable(reason: impl Into<String>) -> ProviderError {
    ProviderError::Unreachable { provider: NAME, reason: reason.into() }
}

fn bad(reason: impl Into<String>) -> ProviderError {
    ProviderError::BadResponse { provider: NAME, status: 200, reason: reason.into() }
}

/// Asks `endpoint` (https, or http on loopback; checked by the caller) which
/// address we come from. It may answer JSON `{"ip": "...", "port": n}` or the IP
/// as plain text.
pub async fn lookup(endpoint: &str, timeout: Duration) -> Result<Addresses, ProviderError> {
    tokio::time::timeout(timeout, ask(endpoint)).await.map_err(|_| unreachable(format!("no answer within {} s", timeout.as_secs())))?
}

async fn ask(endpoint: &str) -> Result<Addresses, ProviderError> {
    let url = url::Url::parse(endpoint)
        .map_err(|e| ProviderError::Invalid { field: "public_ip_endpoint".into(), message: format!("\"{endpoint}\" is not a URL: {e}") })?;
    let host = url.host_str().ok_or_else(|| unreachable("the endpoint has no host"))?.to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let tcp = TcpStream::connect((host.as_str(), port)).await.map_err(|e| unreachable(format!("cannot connect to {host}:{port}: {e}")))?;
    let local = tcp.local_addr().map_err(|e| unreachable(e.to_string()))?;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let body = if url.scheme() == "https" {
        let tls = tls_connector()
            .connect(rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| unreachable(e.to_string()))?, tcp)
            .await
            .map_err(|e| unreachable(format!("TLS with {host} failed: {e}")))?;
        get(TokioIo::new(tls), &host, &path).await?
    } else {
        get(TokioIo::new(tcp), &host, &path).await?
    };
    let (public_ip, public_port) = parse(&body)?;
    Ok(Addresses { public_ip, public_port, local_ip: local.ip().to_string(), local_port: local.port() })
}

/// Certificates are checked against the Mozilla roots; there is no way to skip it.
fn tls_connector() -> tokio_rustls::TlsConnector {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn get<T>(io: TokioIo<T>, host: &str, path: &str) -> Result<Bytes, ProviderError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(|e| unreachable(e.to_string()))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::ACCEPT, "application/json, text/plain")
        .header(hyper::header::USER_AGENT, concat!("signet/", env!("CARGO_PKG_VERSION")))
        .body(Empty::<Bytes>::new())
        .map_err(|e| unreachable(e.to_string()))?;
    let response = sender.send_request(request).await.map_err(|e| unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(ProviderError::BadResponse { provider: NAME, status: response.status().as_u16(), reason: "it did not answer 200".into() });
    }
    let body = Limited::new(response.into_body(), MAX_ANSWER).collect().await.map_err(|e| bad(format!("the answer could not be read: {e}")))?;
    Ok(body.to_bytes())
}

fn parse(body: &[u8]) -> Result<(String, Option<u16>), ProviderError> {
    let text = std::str::from_utf8(body).map_err(|_| bad("the answer is not text"))?.trim();
    let (ip, port) = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => {
            (o.get("ip").and_then(|v| v.as_str()).unwrap_or_default().to_string(), o.get("port").and_then(|v| v.as_u64()).and_then(|p| u16::try_from(p).ok()))
        }
        _ => (text.to_string(), None),
    };
    let ip: IpAddr = ip.parse().map_err(|_| bad(format!("\"{}\" is not an IP address", ip.chars().take(60).collect::<String>())))?;
    Ok((ip.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_json_or_plain_text_are_read_and_others_refused() {
        assert_eq!(parse(br#"{"ip": "179.104.42.245", "port": 51234}"#).unwrap(), ("179.104.42.245".into(), Some(51234)));
        assert_eq!(parse(b"2804:14c::1\n").unwrap(), ("2804:14c::1".into(), None));
        assert!(parse(b"<html>hello</html>").is_err());
        assert!(parse(br#"{"address": "1.2.3.4"}"#).is_err());
    }
}
