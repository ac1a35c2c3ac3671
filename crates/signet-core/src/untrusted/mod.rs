//! Files from customers (contracts, KYC documents) are parsed in a separate,
//! short-lived, confined process, as browsers do: the `signet-parse` program
//! installed beside the desk and the command line. It gets the bytes on standard
//! input and answers only the facts the desk needs. Parsers can be made to crash
//! (a stack overflow aborts, nothing catches it), loop or eat memory; here that
//! costs one child process, and the operator gets a refusal that names the file.
//!
//! The child runs with a memory and a CPU-time limit, may not write files, and,
//! where the kernel has them, Landlock and a seccomp filter refuse it every file,
//! socket and program (see `child`). The parent adds a wall-clock limit.

pub mod child;
pub mod readers;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
pub use readers::{ImageFormat, Job, ProbeReport, Reply};

/// What a reader may spend on one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Address space; the 100-page contract needs well under a tenth of the default.
    pub memory_bytes: u64,
    /// Processor time; the 100-page contract takes a fraction of a second.
    pub cpu_seconds: u64,
    /// Time from start to answer, however the reader spends it.
    pub wall: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits { memory_bytes: 1024 * 1024 * 1024, cpu_seconds: 10, wall: Duration::from_secs(20) };
}
/// The largest file handed to a reader (contracts are refused above this anyway).
pub const MAX_INPUT: usize = crate::contract::MAX_BYTES;
/// The largest answer taken back (the text of a long contract, a thumbnail).
const MAX_REPLY: u64 = 64 * 1024 * 1024;

/// The reader's program name.
pub const PROGRAM: &str = "signet-parse";

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    job: Job,
}

/// Why a file could not be read safely, as the operator is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The reader found the file wrong in an ordinary way (damaged, encrypted, ...).
    Refused(String),
    /// The reader was stopped or crashed: the file is hostile or badly broken.
    Unsafe(String),
}

/// Runs `job` on `bytes` in a confined reader process.
pub fn read(job: &Job, bytes: &[u8]) -> std::result::Result<Reply, Failure> {
    let program = program().map_err(|e| Failure::Unsafe(e.to_string()))?;
    read_with(&program, &Limits::DEFAULT, job, bytes)
}

/// `read` with a given reader program and limits.
pub fn read_with(program: &std::path::Path, limits: &Limits, job: &Job, bytes: &[u8]) -> std::result::Result<Reply, Failure> {
    let mut command = Command::new(program);
    command.env_clear().current_dir("/");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let limits = *limits;
        // SAFETY: between fork and exec only setrlimit runs, which is async-signal-safe.
        // The limits hold from the reader's first instruction, whatever program it is.
        unsafe { command.pre_exec(move || child::limit_resources(&limits)) };
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::Unsafe(format!("the document reader {} could not be started ({e})", program.display())))?;
    let pid = child.id();

    // The watchdog kills the reader once its time is up, whatever it is doing.
    let (done, finished) = mpsc::channel::<()>();
    let wall = limits.wall;
    let watchdog = std::thread::spawn(move || {
        let timed_out = matches!(finished.recv_timeout(wall), Err(mpsc::RecvTimeoutError::Timeout));
        if timed_out {
            kill(pid);
        }
        timed_out
    });
    let mut stdin = child.stdin.take().expect("piped");
    let header = serde_json::to_vec(&Request { job: job.clone() }).expect("a request serializes");
    let input = bytes.to_vec();
    // Written from a thread of its own: a reader that stops reading early must not
    // leave us blocked on a full pipe.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&header).and_then(|_| stdin.write_all(b"\n")).and_then(|_| stdin.write_all(&input));
    });
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_string(&mut text);
        text
    });
    let mut reply = Vec::new();
    let _ = child.stdout.take().expect("piped").take(MAX_REPLY).read_to_end(&mut reply);
    let status = child.wait().map_err(|e| Failure::Unsafe(format!("the document reader could not be waited for ({e})")))?;
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    let _ = writer.join();
    let errors = errors.join().unwrap_or_default();

    if timed_out {
        return Err(Failure::Unsafe(format!("reading it did not finish within {} s", limits.wall.as_secs())));
    }
    if status.success() {
        return match serde_json::from_slice::<Reply>(&reply) {
            Ok(Reply::Refused(why)) => Err(Failure::Refused(why)),
            Ok(reply) => Ok(reply),
            Err(e) => Err(Failure::Unsafe(format!("the reader's answer could not be understood ({e})"))),
        };
    }
    if let Ok(Reply::Refused(why)) = serde_json::from_slice::<Reply>(&reply) {
        return Err(Failure::Unsafe(why));
    }
    Err(Failure::Unsafe(why_it_died(limits, &status, &errors)))
}

/// The reader's end, in words: a limit it reached, or the crash it had.
fn why_it_died(limits: &Limits, status: &std::process::ExitStatus, errors: &str) -> String {
    if errors.contains("memory allocation of") || errors.contains("out of memory") {
        return format!("reading it needed more than {} MiB of memory", limits.memory_bytes >> 20);
    }
    if errors.contains("has overflowed its stack") {
        return "the reader crashed on it (its objects are nested too deep)".into();
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        match status.signal() {
            Some(libc::SIGXCPU) | Some(libc::SIGKILL) => return format!("reading it took more than {} s of processor time", limits.cpu_seconds),
            Some(libc::SIGSEGV) | Some(libc::SIGBUS) => return "the reader crashed on it (invalid memory access)".into(),
            Some(libc::SIGABRT) => return "the reader crashed on it (aborted)".into(),
            Some(signal) => return format!("the reader crashed on it (signal {signal})"),
            None => {}
        }
    }
    format!("the reader stopped with {status}")
}

#[cfg(unix)]
fn kill(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: signals our own child, which has not been reaped (we wait for it after).
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

#[cfg(not(unix))]
fn kill(_pid: u32) {}

/// Where the reader program is: beside this program (also one folder up, for test
/// programs under target/*/deps), else in ../lib/signet (the installed package's layout).
pub fn program() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|source| CoreError::Io { context: "cannot find this program's own folder".into(), source })?;
    let name = format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX);
    let dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    let candidates = [dir.join(&name), dir.join("..").join(&name), dir.join("../lib/signet").join(&name)];
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| CoreError::Io {
        context: format!("the document reader {PROGRAM} is missing beside {} (reinstall Signet, or build it with cargo build)", exe.display()),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    })
}

/// The refusal for `field` when the file `name` could not be read safely.
pub fn refusal(field: &str, name: &str, failure: Failure) -> CoreError {
    match failure {
        Failure::Refused(why) => CoreError::invalid_as(field, crate::error_words::FILE_REFUSED, &[("name", name.to_string()), ("reason", why.to_string())]),
        Failure::Unsafe(why) => CoreError::invalid_as(field, crate::error_words::FILE_UNSAFE, &[("name", name.to_string()), ("reason", why.to_string())]),
    }
}
