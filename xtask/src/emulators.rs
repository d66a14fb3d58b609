//! Starts DynamoDB Local and moto on free loopback ports, waits until both
//! answer HTTP, and stops them again (the `Emulators` guard's `Drop`).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::install::{self, Tools};
use crate::sys;
use crate::{Error, Paths};

/// How long both emulators get to answer, unless XTASK_EMULATOR_TIMEOUT_SECS says.
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(60);

struct Emulator {
    name: &'static str,
    /// The pid-file role; also a string its command line contains.
    role: &'static str,
    port: u16,
    /// The request whose (any) HTTP answer means "ready".
    probe: String,
    log: PathBuf,
    child: Child,
    spawned_at: Instant,
    ready: bool,
}

/// The running emulators; dropping it stops them.
pub struct Emulators {
    pub ddb_port: u16,
    pub moto_port: u16,
    emulators: Vec<Emulator>,
}

impl Emulators {
    /// Starts both emulators without waiting for them (see `wait_ready`).
    pub fn spawn(paths: &Paths, tools: &Tools) -> Result<Emulators, Error> {
        fs::create_dir_all(&paths.logs)
            .map_err(|e| format!("cannot create {}: {e}", paths.logs.display()))?;
        let mut emulators = Emulators {
            ddb_port: free_port()?,
            moto_port: free_port()?,
            emulators: Vec::new(),
        };

        // DynamoDB Local has no option to choose the address: it listens on
        // every interface, on the port we give it.
        let mut java = Command::new("java");
        java.current_dir(tools.jar.parent().unwrap_or(&paths.cache))
            .arg(format!(
                "-Djava.library.path={}",
                tools.native_libs.display()
            ))
            .arg("-jar")
            .arg(&tools.jar)
            .args(["-inMemory", "-sharedDb", "-disableTelemetry", "-port"])
            .arg(emulators.ddb_port.to_string());
        let port = emulators.ddb_port;
        emulators.start(
            paths,
            "DynamoDB Local",
            "DynamoDBLocal.jar",
            port,
            http_request("POST", "/", port),
            java,
        )?;

        let mut moto = Command::new(tools.venv_bin.join("moto_server"));
        moto.current_dir(&paths.cache)
            .args(["-H", "127.0.0.1", "-p"])
            .arg(emulators.moto_port.to_string());
        let port = emulators.moto_port;
        emulators.start(
            paths,
            "moto",
            "moto_server",
            port,
            http_request("GET", "/moto-api/", port),
            moto,
        )?;
        Ok(emulators)
    }

    fn start(
        &mut self,
        paths: &Paths,
        name: &'static str,
        role: &'static str,
        port: u16,
        probe: String,
        mut command: Command,
    ) -> Result<(), Error> {
        let log = paths.logs.join(format!("{}.log", role_file_stem(role)));
        let open =
            || File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()));
        let stdout = open()?;
        let stderr = stdout
            .try_clone()
            .map_err(|e| format!("cannot reopen {}: {e}", log.display()))?;
        command.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
        sys::die_with_parent(&mut command);
        eprintln!(
            "xtask: starting {name} on 127.0.0.1:{port} (log: {})",
            log.display()
        );
        let child = command.spawn().map_err(|e| {
            format!(
                "cannot start {name} (`{}`): {e}",
                command.get_program().to_string_lossy()
            )
        })?;
        self.emulators.push(Emulator {
            name,
            role,
            port,
            probe,
            log,
            child,
            spawned_at: Instant::now(),
            ready: false,
        });
        Ok(())
    }

    /// Waits until every emulator answers HTTP; fails (showing its log) if one
    /// exits or the timeout passes.
    pub fn wait_ready(&mut self) -> Result<(), Error> {
        let timeout = std::env::var("XTASK_EMULATOR_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_READY_TIMEOUT);
        let deadline = Instant::now() + timeout;
        let mut first_round = true;
        loop {
            for emulator in self.emulators.iter_mut().filter(|e| !e.ready) {
                if let Ok(Some(status)) = emulator.child.try_wait() {
                    crate::print_log_tail(&emulator.log, 30);
                    return Err(format!(
                        "{} exited during start-up ({status}); log: {}",
                        emulator.name,
                        emulator.log.display()
                    ));
                }
                if answers_http(emulator.port, &emulator.probe) {
                    emulator.ready = true;
                    // Ready at the first look means it came up while other
                    // steps ran: its start-up time is not known then.
                    let took = if first_round {
                        "already".to_string()
                    } else {
                        format!("after {:.1}s", emulator.spawned_at.elapsed().as_secs_f64())
                    };
                    eprintln!(
                        "xtask: {} ready on 127.0.0.1:{} ({took})",
                        emulator.name, emulator.port
                    );
                }
            }
            first_round = false;
            if self.emulators.iter().all(|e| e.ready) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let late: Vec<&Emulator> = self.emulators.iter().filter(|e| !e.ready).collect();
                for emulator in &late {
                    crate::print_log_tail(&emulator.log, 30);
                }
                let names: Vec<&str> = late.iter().map(|e| e.name).collect();
                return Err(format!(
                    "{} did not answer within {}s (set XTASK_EMULATOR_TIMEOUT_SECS to wait longer)",
                    names.join(" and "),
                    timeout.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The first emulator that has exited, if any.
    fn exited(&mut self) -> Option<(&'static str, String, PathBuf)> {
        self.emulators
            .iter_mut()
            .find_map(|e| match e.child.try_wait() {
                Ok(Some(status)) => Some((e.name, status.to_string(), e.log.clone())),
                _ => None,
            })
    }
}

impl Drop for Emulators {
    fn drop(&mut self) {
        for emulator in &self.emulators {
            sys::send_signal(emulator.child.id(), sys::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for emulator in &mut self.emulators {
            while Instant::now() < deadline {
                if !matches!(emulator.child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // SIGKILL if SIGTERM was not enough; reaps it either way.
            let _ = emulator.child.kill();
            let _ = emulator.child.wait();
            eprintln!("xtask: stopped {}", emulator.name);
        }
    }
}

fn role_file_stem(role: &str) -> &'static str {
    if role.starts_with("DynamoDB") {
        "dynamodb"
    } else {
        "moto"
    }
}

/// A port that was free a moment ago: bind port 0 on loopback, read it, let go.
pub fn free_port() -> Result<u16, Error> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// A minimal HTTP/1.1 request with no body.
pub fn http_request(method: &str, path: &str, port: u16) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

/// Whether something on 127.0.0.1:`port` answers `request` with any HTTP
/// response (a 400 counts: it proves the server is up).
pub fn answers_http(port: u16, request: &str) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let timeout = Some(Duration::from_secs(2));
    if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
        return false;
    }
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = Vec::new();
    let mut buf = [0u8; 64];
    while head.len() < 8 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    is_http_response(&head)
}

pub fn is_http_response(head: &[u8]) -> bool {
    head.starts_with(b"HTTP/1.")
}

/// The `export` lines a developer pastes (or sources) to run `cargo test`
/// by hand against running emulators.
pub fn export_lines(ddb_port: u16, moto_port: u16, venv_bin: &Path) -> String {
    let mut out = String::new();
    for (name, value) in crate::test_env(ddb_port, moto_port, venv_bin) {
        if name == "PATH" {
            out.push_str(&format!(
                "export PATH={}:\"$PATH\"\n",
                shell_quote(&venv_bin.to_string_lossy())
            ));
        } else {
            out.push_str(&format!("export {name}={}\n", shell_quote(&value)));
        }
    }
    out
}

fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

// ---- `cargo xtask emulators` ----

fn pid_file(paths: &Paths) -> PathBuf {
    paths.cache.join("emulators.pid")
}

fn env_file(paths: &Paths) -> PathBuf {
    paths.cache.join("emulators.env")
}

/// `<pid> <role>` lines, e.g. `4242 DynamoDBLocal.jar`.
pub fn parse_pid_file(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .filter_map(|line| {
            let (pid, role) = line.trim().split_once(' ')?;
            Some((pid.parse().ok()?, role.trim().to_string()))
        })
        .collect()
}

fn recorded_live(paths: &Paths) -> Vec<(u32, String)> {
    let text = fs::read_to_string(pid_file(paths)).unwrap_or_default();
    parse_pid_file(&text)
        .into_iter()
        .filter(|(pid, role)| sys::process_matches(*pid, role))
        .collect()
}

/// What ends `cargo xtask emulators`.
enum Stop {
    StdinClosed,
    EmulatorExited(&'static str, String, PathBuf),
}

pub fn run_foreground(paths: &Paths) -> Result<(), Error> {
    let live = recorded_live(paths);
    if !live.is_empty() {
        let pids: Vec<String> = live.iter().map(|(pid, _)| pid.to_string()).collect();
        return Err(format!(
            "emulators are already running (pids {}); `cargo xtask emulators --stop` first",
            pids.join(", ")
        ));
    }
    let tools = install::install(paths)?;
    let mut emulators = Emulators::spawn(paths, &tools)?;
    emulators.wait_ready()?;

    let mut pids = format!("{} xtask\n", std::process::id());
    for emulator in &emulators.emulators {
        pids.push_str(&format!("{} {}\n", emulator.child.id(), emulator.role));
    }
    fs::write(pid_file(paths), pids).map_err(|e| format!("cannot write pid file: {e}"))?;
    let exports = export_lines(emulators.ddb_port, emulators.moto_port, &tools.venv_bin);
    fs::write(env_file(paths), &exports).map_err(|e| format!("cannot write env file: {e}"))?;

    print!("{exports}");
    let _ = std::io::stdout().flush();
    eprintln!(
        "xtask: emulators running; the exports above are also in {} (`source` it).",
        env_file(paths).display()
    );
    eprintln!(
        "xtask: stop with Ctrl-C, Ctrl-D (end of stdin) or `cargo xtask emulators --stop`; \
         they also die with this process."
    );

    let stop = wait_for_stop(&mut emulators);
    drop(emulators);
    let _ = fs::remove_file(pid_file(paths));
    let _ = fs::remove_file(env_file(paths));
    match stop {
        Stop::StdinClosed => {
            eprintln!("xtask: stdin closed: emulators stopped");
            Ok(())
        }
        Stop::EmulatorExited(name, status, log) => {
            crate::print_log_tail(&log, 30);
            Err(format!("{name} exited ({status}); log: {}", log.display()))
        }
    }
}

/// Blocks until stdin reaches end of file or an emulator exits. A stdin that
/// is /dev/null (`cargo xtask emulators &` in a script) is not waited on:
/// then only `--stop`, a signal or an emulator's exit ends the wait.
fn wait_for_stop(emulators: &mut Emulators) -> Stop {
    let (closed_tx, closed_rx) = mpsc::channel::<()>();
    if stdin_is_readable() {
        std::thread::spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = closed_tx.send(());
        });
    } else {
        // Keep the sender alive so the receiver never reports "disconnected".
        std::mem::forget(closed_tx);
    }
    loop {
        if closed_rx.recv_timeout(Duration::from_millis(250)).is_ok() {
            return Stop::StdinClosed;
        }
        if let Some((name, status, log)) = emulators.exited() {
            return Stop::EmulatorExited(name, status, log);
        }
    }
}

/// False for /dev/null (or a closed stdin), which would end the wait at once.
fn stdin_is_readable() -> bool {
    use std::io::IsTerminal;
    use std::os::unix::fs::FileTypeExt;
    if std::io::stdin().is_terminal() {
        return true;
    }
    match fs::metadata("/proc/self/fd/0") {
        Ok(meta) => !meta.file_type().is_char_device(),
        Err(_) => false,
    }
}

/// `cargo xtask emulators --stop`: ends what the pid file records (xtask
/// first, whose death also kills its children, then the emulators).
pub fn stop_recorded(paths: &Paths) -> Result<(), Error> {
    let live = recorded_live(paths);
    if live.is_empty() {
        eprintln!("xtask: no running emulators recorded; nothing to stop");
    }
    for (pid, role) in &live {
        eprintln!("xtask: stopping {role} (pid {pid})");
        sys::send_signal(*pid, sys::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline
        && live
            .iter()
            .any(|(pid, role)| sys::process_matches(*pid, role))
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    for (pid, role) in &live {
        if sys::process_matches(*pid, role) {
            eprintln!("xtask: {role} (pid {pid}) ignored SIGTERM: sending SIGKILL");
            sys::send_signal(*pid, sys::SIGKILL);
        }
    }
    let _ = fs::remove_file(pid_file(paths));
    let _ = fs::remove_file(env_file(paths));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_port_can_be_bound_again_right_away() {
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
    }

    #[test]
    fn any_http_status_line_counts_as_an_answer_but_other_bytes_do_not() {
        assert!(is_http_response(b"HTTP/1.1 400 Bad Request\r\n"));
        assert!(is_http_response(b"HTTP/1.0 200 OK\r\n"));
        assert!(!is_http_response(b""));
        assert!(!is_http_response(b"SSH-2.0-OpenSSH"));
    }

    #[test]
    fn answers_http_sees_a_server_that_replies_400_and_not_a_closed_port() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let n = stream.read(&mut request).unwrap();
            stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
            String::from_utf8_lossy(&request[..n]).into_owned()
        });
        assert!(answers_http(port, &http_request("POST", "/", port)));
        let request = server.join().unwrap();
        assert!(request.starts_with("POST / HTTP/1.1\r\n"));
        assert!(request.contains(&format!("Host: 127.0.0.1:{port}\r\n")));

        let closed = free_port().unwrap();
        assert!(!answers_http(closed, &http_request("GET", "/", closed)));
    }

    #[test]
    fn export_lines_prepend_the_venv_to_path_and_quote_values_for_the_shell() {
        let lines = export_lines(8000, 5000, Path::new("/w/target/xtask/venv/bin"));
        assert!(lines.contains("export AWS_ENDPOINT_URL_DYNAMODB='http://127.0.0.1:8000'\n"));
        assert!(lines.contains("export AWS_ENDPOINT_URL_SNS='http://127.0.0.1:5000'\n"));
        assert!(lines.contains("export PATH='/w/target/xtask/venv/bin':\"$PATH\"\n"));
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn the_pid_file_is_read_back_line_by_line_skipping_garbage() {
        let parsed = parse_pid_file("12 xtask\n34 DynamoDBLocal.jar\nnot a pid\n56 moto_server\n");
        assert_eq!(
            parsed,
            vec![
                (12, "xtask".to_string()),
                (34, "DynamoDBLocal.jar".to_string()),
                (56, "moto_server".to_string()),
            ]
        );
    }
}
