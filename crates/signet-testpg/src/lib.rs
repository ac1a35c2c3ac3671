//! A real PostgreSQL server for tests: Debian's `postgresql` package (installed by
//! `scripts/setup.sh test`), `initdb` in a temporary folder and `pg_ctl` on a free
//! loopback port. PostgreSQL refuses to run as root, so under root the server runs
//! as the `postgres` user the package creates (through `runuser`); under any other
//! user, as that user. Stopped with `-m immediate` when dropped, as a crash would.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The superuser the cluster is created with, and its password.
pub const ADMIN: &str = "signet_admin";
pub const ADMIN_PASSWORD: &str = "admin-throwaway";

pub struct TestPg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// Where Debian puts the server's programs (the newest version installed), unless
/// `SIGNET_PG_BIN` says otherwise.
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SIGNET_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|p| p.join("initdb").exists()).collect())
        .unwrap_or_default();
    versions.sort_by_key(|p| p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0));
    versions.pop().expect("PostgreSQL's server programs are not installed: run scripts/setup.sh test (Debian package postgresql)")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl TestPg {
    /// A fresh cluster with password authentication over TCP, ready for connections.
    pub fn start() -> TestPg {
        TestPg::start_with(&[])
    }

    /// Same, with extra `postgresql.conf` lines (e.g. `ssl = on`) and files written
    /// into the data folder first (e.g. a certificate and its key).
    pub fn start_with(conf: &[&str]) -> TestPg {
        TestPg::start_with_files(conf, &[])
    }

    pub fn start_with_files(conf: &[&str], files: &[(&str, &[u8])]) -> TestPg {
        let dir = tempfile::Builder::new().prefix("signet-pg-").tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, ADMIN_PASSWORD).unwrap();
        if is_root() {
            // The folder must belong to the user the server runs as.
            let (uid, gid) = postgres_ids();
            chown_tree(dir.path(), uid, gid);
        }
        let bin = bin_dir();
        let pg = TestPg { dir, bin, port: free_port() };
        pg.run("initdb", &["-D", path(&data), "-U", ADMIN, "--pwfile", path(&pwfile), "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C"]);
        let mut lines = vec![
            format!("port = {}", pg.port),
            "listen_addresses = '127.0.0.1'".to_string(),
            format!("unix_socket_directories = '{}'", path(pg.dir.path())),
            "fsync = on".to_string(),
            "max_connections = 200".to_string(),
            "shared_buffers = 128MB".to_string(),
        ];
        lines.extend(conf.iter().map(|l| l.to_string()));
        let conf_path = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path).unwrap();
        text.push_str(&format!("\n# signet-testpg\n{}\n", lines.join("\n")));
        std::fs::write(&conf_path, text).unwrap();
        for (name, bytes) in files {
            let at = data.join(name);
            std::fs::write(&at, bytes).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o600)).unwrap();
            if is_root() {
                let (uid, gid) = postgres_ids();
                std::os::unix::fs::chown(&at, Some(uid), Some(gid)).unwrap();
            }
        }
        pg.start_server();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// One of the server's programs, to run as the user the server runs as.
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{program} could not run: {e}"));
        assert!(out.status.success(), "{program} {args:?} failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }

    fn start_server(&self) {
        let log = self.dir.path().join("server.log");
        self.run("pg_ctl", &["-D", path(&self.data()), "-l", path(&log), "-w", "-t", "60", "start"]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL did not listen on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server as a crash would (`pg_ctl stop -m immediate`).
    pub fn stop_immediate(&self) {
        self.run("pg_ctl", &["-D", path(&self.data()), "-m", "immediate", "-w", "stop"]);
    }

    /// Starts it again after `stop_immediate` (it recovers from its WAL).
    pub fn restart(&self) {
        self.start_server();
    }

    /// The admin's connection address for `database`.
    pub fn admin_url(&self, database: &str) -> String {
        format!("postgresql://{ADMIN}@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs SQL as the admin with `psql` (setup: roles, databases).
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let psql = self.bin.join("psql");
        let out = Command::new(if psql.exists() { psql } else { PathBuf::from("psql") })
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", ADMIN, "-d", database, "-c", sql])
            .env("PGPASSWORD", ADMIN_PASSWORD)
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for TestPg {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.command("pg_ctl").args(["-D", path(&data), "-m", "immediate", "stop"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn postgres_ids() -> (u32, u32) {
    let out = Command::new("id").args(["-u", "postgres"]).output().expect("id runs");
    let uid = String::from_utf8_lossy(&out.stdout).trim().parse().expect("a postgres user exists (Debian package postgresql)");
    let out = Command::new("id").args(["-g", "postgres"]).output().expect("id runs");
    let gid = String::from_utf8_lossy(&out.stdout).trim().parse().expect("the postgres user has a group");
    (uid, gid)
}

fn chown_tree(dir: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).unwrap();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            chown_tree(&p, uid, gid);
        } else {
            std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
        }
    }
}
