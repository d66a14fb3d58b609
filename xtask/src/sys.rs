//! The two bits of libc that std does not wrap: sending a signal to a
//! process by pid, and asking Linux to kill a child when xtask dies. std links
//! libc already, so declaring them costs no dependency.

use std::ffi::c_int;
use std::process::Command;

pub const SIGKILL: c_int = 9;
pub const SIGTERM: c_int = 15;

unsafe extern "C" {
    fn kill(pid: c_int, sig: c_int) -> c_int;
    #[cfg(target_os = "linux")]
    fn prctl(option: c_int, ...) -> c_int;
}

/// Sends `signal` to `pid`; false if there is no such process (or no right).
pub fn send_signal(pid: u32, signal: c_int) -> bool {
    let Ok(pid) = c_int::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        // 0 and negatives address process groups: never meant here.
        return false;
    }
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    unsafe { kill(pid, signal) == 0 }
}

/// Makes the child get SIGKILL when the thread that spawned it (xtask's main
/// thread) ends, however xtask ends: Ctrl-C, `kill`, a CI timeout or a panic.
pub fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        const PR_SET_PDEATHSIG: c_int = 1;
        // SAFETY: the closure runs between fork and exec and only calls
        // prctl(2), which is async-signal-safe and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                let zero: std::ffi::c_ulong = 0;
                if prctl(
                    PR_SET_PDEATHSIG,
                    SIGKILL as std::ffi::c_ulong,
                    zero,
                    zero,
                    zero,
                ) == -1
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// Whether `pid` is a live process whose command line contains `needle`
/// (guards against killing an unrelated process that reused a stale pid).
pub fn process_matches(pid: u32, needle: &str) -> bool {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(raw) if !raw.is_empty() => String::from_utf8_lossy(&raw).contains(needle),
        _ => false,
    }
}
