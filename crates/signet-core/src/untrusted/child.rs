//! The reader process: confines itself, reads one job and the file's bytes from
//! standard input, parses, and writes its reply to standard output. It never opens
//! a file, a socket or a program; after confinement the kernel refuses it all.

use std::io::{Read, Write};

use super::readers::{self, Job, Reply};
use super::{Limits, Request};

/// `signet-parse`'s whole program.
pub fn main() -> ! {
    let mut input = Vec::new();
    // The request and the file come first, before confinement closes the door.
    let read = std::io::stdin().lock().take(super::MAX_INPUT as u64 + 4096).read_to_end(&mut input);
    let confinement = match confine() {
        Ok(done) => done,
        Err(why) => exit_with(&Reply::Refused(format!("the reader could not confine itself ({why}), so the file was not opened")), 3),
    };
    if let Err(e) = read {
        exit_with(&Reply::Refused(format!("the file could not be passed to the reader ({e})")), 3);
    }
    let Some(split) = input.iter().position(|&b| b == b'\n') else {
        exit_with(&Reply::Refused("the reader was given no request".into()), 3);
    };
    let request: Request = match serde_json::from_slice(&input[..split]) {
        Ok(r) => r,
        Err(e) => exit_with(&Reply::Refused(format!("the reader was given a request it does not know ({e})")), 3),
    };
    let bytes = &input[split + 1..];
    let reply = match request.job {
        Job::Probe => Reply::Probe(readers::probe(confinement)),
        job => readers::run(&job, bytes),
    };
    exit_with(&reply, 0)
}

fn exit_with(reply: &Reply, code: i32) -> ! {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, reply);
    let _ = out.flush();
    std::process::exit(code)
}

/// The resource limits, set by the parent between fork and exec (so only
/// async-signal-safe calls here): memory, processor time, no file may grow (a
/// write fails), no core dump left behind, few descriptors.
#[cfg(unix)]
pub(super) fn limit_resources(limits: &Limits) -> std::io::Result<()> {
    limit(libc::RLIMIT_AS, limits.memory_bytes)?;
    limit(libc::RLIMIT_CPU, limits.cpu_seconds)?;
    limit(libc::RLIMIT_FSIZE, 0)?;
    limit(libc::RLIMIT_CORE, 0)?;
    #[cfg(target_os = "linux")]
    limit(libc::RLIMIT_NOFILE, 16)?;
    Ok(())
}

/// What the reader applies to itself once its input is in: Landlock and seccomp
/// where the kernel has them (the resource limits are already set); says which.
#[cfg(target_os = "linux")]
fn confine() -> Result<Vec<String>, String> {
    let mut applied = vec![resource_limits()];
    match landlock_everything() {
        Ok(Some(level)) => applied.push(level),
        Ok(None) => {}
        Err(e) => return Err(format!("Landlock: {e}")),
    }
    seccomp_denylist().map_err(|e| format!("seccomp: {e}"))?;
    applied.push("seccomp (no open, socket, exec, ptrace)".into());
    Ok(applied)
}

#[cfg(all(unix, not(target_os = "linux")))]
fn confine() -> Result<Vec<String>, String> {
    Ok(vec![resource_limits()])
}

/// The resource limits this process runs under, as the probe reports them.
#[cfg(unix)]
fn resource_limits() -> String {
    // rlim_t is u64 on the 64-bit Linux targets we build; the cast keeps others compiling.
    #[allow(clippy::unnecessary_cast)]
    let get = |resource| {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes only the struct we pass.
        unsafe { libc::getrlimit(resource, &mut lim) };
        lim.rlim_cur as u64
    };
    format!("rlimits (memory {} MiB, cpu {} s, file size {})", get(libc::RLIMIT_AS) >> 20, get(libc::RLIMIT_CPU), get(libc::RLIMIT_FSIZE))
}

#[cfg(not(unix))]
fn confine() -> Result<Vec<String>, String> {
    // Windows: the parent's time limit still applies; job objects are not used yet.
    Ok(vec!["separate process only".into()])
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(all(unix, not(all(target_os = "linux", target_env = "gnu"))))]
type Resource = libc::c_int;

#[cfg(unix)]
fn limit(resource: Resource, value: u64) -> std::io::Result<()> {
    let lim = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
    // SAFETY: setrlimit only reads the struct we pass.
    if unsafe { libc::setrlimit(resource, &lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Landlock: no access to any file and no TCP bind or connect, for this process
/// and anything it could start. `None` where the kernel has no Landlock.
#[cfg(target_os = "linux")]
fn landlock_everything() -> Result<Option<String>, landlock::RulesetError> {
    use landlock::{Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetStatus, ABI};
    let abi = ABI::V5;
    let status = Ruleset::default().handle_access(AccessFs::from_all(abi))?.handle_access(AccessNet::from_all(abi))?.create()?.restrict_self()?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => Some("landlock (no files, no network)".into()),
        RulesetStatus::PartiallyEnforced => Some("landlock (partly: this kernel's Landlock is older)".into()),
        RulesetStatus::NotEnforced => None,
    })
}

/// seccomp: the calls a parser never needs answer "operation not permitted".
#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
fn seccomp_denylist() -> Result<(), seccompiler::Error> {
    use std::collections::BTreeMap;

    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};
    let mut denied: Vec<libc::c_long> = vec![
        libc::SYS_openat,
        libc::SYS_openat2,
        libc::SYS_open_by_handle_at,
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_accept,
        libc::SYS_accept4,
        libc::SYS_execve,
        libc::SYS_execveat,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_unlinkat,
        libc::SYS_renameat,
        libc::SYS_renameat2,
        libc::SYS_mkdirat,
        libc::SYS_truncate,
    ];
    // The older calls x86-64 still has beside their *at forms.
    #[cfg(target_arch = "x86_64")]
    denied.extend([libc::SYS_open, libc::SYS_creat, libc::SYS_fork, libc::SYS_vfork, libc::SYS_unlink, libc::SYS_rename, libc::SYS_mkdir]);
    // Syscall numbers are c_long (i64 on 64-bit Linux); seccompiler wants i64 everywhere.
    #[allow(clippy::unnecessary_cast)]
    let rules = denied.iter().map(|&call| (call as i64, Vec::new())).collect::<BTreeMap<_, _>>();
    let arch = if cfg!(target_arch = "aarch64") { TargetArch::aarch64 } else { TargetArch::x86_64 };
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(libc::EPERM as u32), arch)?;
    let program: BpfProgram = filter.try_into()?;
    seccompiler::apply_filter(&program)
}

#[cfg(all(target_os = "linux", not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn seccomp_denylist() -> Result<(), String> {
    Err("no seccomp filter is written for this processor".into())
}
