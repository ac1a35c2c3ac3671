//! moto's S3 server (installed by scripts/setup.sh test into .tools/), for the
//! tests that need a real S3-compatible server.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// moto's S3 server on a free port, stopped when dropped.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start() -> Moto {
        let server = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/moto_server");
        assert!(server.exists(), "moto's S3 server is missing: run `scripts/setup.sh test` (make test does)");
        // The free port is only free when chosen: a server another test starts
        // meanwhile can take it (then moto exits). So wait for moto itself to
        // answer as S3, and choose again if it went away.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let mut child = Command::new(&server).args(["-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
            let url = format!("http://127.0.0.1:{port}");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while std::time::Instant::now() < deadline && child.try_wait().unwrap().is_none() {
                if is_s3(&url) {
                    return Moto { child, url };
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto did not start")
    }
}

/// Whether an S3 server answers at `url` (moto lists its buckets at `/`).
fn is_s3(url: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(url.trim_start_matches("http://")) else { return false };
    let host = url.trim_start_matches("http://");
    if write!(stream, "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").is_err() {
        return false;
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.contains("ListAllMyBucketsResult")
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Makes a bucket; with `object_lock`, created with Object Lock on (which turns
    /// versioning on), as the evidence archive needs.
    pub async fn bucket(&self, name: &str, object_lock: bool) {
        let mut put = reqwest::Client::new().put(format!("{}/{name}", self.url));
        if object_lock {
            put = put.header("x-amz-bucket-object-lock-enabled", "true");
        }
        let made = put.send().await.unwrap();
        assert!(made.status().is_success(), "{}", made.status());
    }
}
