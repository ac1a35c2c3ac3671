//! The listener. Connections are served by hyper directly rather than `axum::serve`,
//! because a handler cannot drop its connection: here a fault can end the connection
//! without an answer (the service returns `Err`, and HTTP/1 closes the socket).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tower::Service;

use crate::config::{Faults, SandboxConfig};
use crate::journal::JournalEntry;
use crate::routes;
use crate::state::{AppState, Shared};

/// Largest request body read (uploads and hosted files included).
pub(crate) const MAX_BODY: usize = 32 * 1024 * 1024;

/// A running sandbox. Dropping it stops the server too; `shutdown` waits for that.
pub struct Sandbox {
    addr: SocketAddr,
    shared: AppState,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1 (never another interface) and starts serving.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(&config, format!("http://{addr}")));
        let router = routes::router(shared.clone());
        let task = tokio::spawn(accept_loop(listener, shared.clone(), router));
        Ok(Sandbox { addr, shared, task: Some(task) })
    }

    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal.entries()
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    pub fn set_faults(&self, f: Faults) {
        self.shared.set_faults(f);
    }

    /// Stops accepting and ends every open connection (hanging ones included).
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Runs a sandbox until `stop` completes (for `signet sandbox serve`): `ready` is
/// told the base URL once the port is bound.
pub async fn serve(config: SandboxConfig, ready: impl FnOnce(&str), stop: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
    let sandbox = Sandbox::start(config).await?;
    ready(&sandbox.base_url());
    stop.await;
    sandbox.shutdown().await;
    Ok(())
}

async fn accept_loop(listener: TcpListener, shared: AppState, router: Router) {
    // Owning the connections here means aborting this task aborts them all.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, shared.clone(), router.clone()));
                }
                // Out of file descriptors and the like: back off rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, peer: SocketAddr, shared: AppState, router: Router) {
    let service = hyper::service::service_fn(move |req| handle(req, peer, shared.clone(), router.clone()));
    // Errors here are the client going away or a fault dropping the connection.
    let _ = hyper::server::conn::http1::Builder::new().timer(TokioTimer::new()).serve_connection(TokioIo::new(stream), service).await;
}

/// Returned to hyper to close the connection without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

async fn handle(req: Request<Incoming>, peer: SocketAddr, shared: AppState, router: Router) -> Result<Response<Body>, Dropped> {
    let mut req = req.map(Body::new);
    req.extensions_mut().insert(ConnectInfo(peer));
    if routes::is_admin(req.uri().path()) {
        return Ok(call(router, req).await);
    }

    // Provider path: read the body once, so the journal and the handler see the same bytes.
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Err(Dropped); // the client went away, or sent more than we read
    };
    let seq = shared.journal.record(peer, &parts, &bytes);
    let faults = shared.faults();
    if faults.hang {
        shared.journal.finish(seq, None, Some("hang"));
        std::future::pending::<()>().await;
    }
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let roll = shared.roll(&faults);
    if roll.drop_before {
        shared.journal.finish(seq, None, Some("drop_before"));
        return Err(Dropped);
    }
    if roll.error {
        let resp = routes::internal_error(&shared, &parts).await;
        shared.journal.finish(seq, Some(resp.status().as_u16()), Some("error_rate"));
        return Ok(resp);
    }
    let mut resp = call(router, Request::from_parts(parts, Body::from(bytes))).await;
    if faults.clock_offset_secs != 0 {
        // hyper keeps a Date header it is given, so this one tells the skewed time.
        let offset = Duration::from_secs(faults.clock_offset_secs.unsigned_abs());
        let now = std::time::SystemTime::now();
        let skewed = if faults.clock_offset_secs > 0 { now + offset } else { now - offset };
        if let Ok(v) = httpdate::fmt_http_date(skewed).parse() {
            resp.headers_mut().insert(hyper::header::DATE, v);
        }
    }
    if roll.drop_after {
        shared.journal.finish(seq, None, Some("drop_after"));
        return Err(Dropped);
    }
    shared.journal.finish(seq, Some(resp.status().as_u16()), None);
    Ok(resp)
}

async fn call(mut router: Router, req: Request<Body>) -> Response<Body> {
    match router.call(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}
