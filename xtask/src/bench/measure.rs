//! One cold start and its warm invocations: the subject spawned against the Runtime API
//! emulator, timed, its peak RSS read, its DynamoDB calls counted at the proxy.

use super::*;
/// The output of a process, kept for when it fails: its last lines; and, for a subject run
/// with `LOG_TIMINGS=on`, its timed parts per invocation.
#[derive(Clone, Default)]
pub(super) struct Tail(Arc<Mutex<Vec<String>>>, Arc<Mutex<parts::Invocations>>);

impl Tail {
    pub(super) fn drain<R: Read + Send + 'static>(&self, pipe: R) {
        let lines = self.0.clone();
        let invocations = self.1.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut invocations) = invocations.lock() {
                    invocations.line(&line);
                }
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                    if lines.len() > 20 {
                        lines.remove(0);
                    }
                }
            }
        });
    }

    pub(super) fn text(&self) -> String {
        self.0.lock().map(|l| l.join(" | ")).unwrap_or_default()
    }

    /// The timed parts of the first `count` invocations, once their lines have all been read
    /// (each invocation's last line is printed before its answer is posted, but read here on
    /// another thread); none if they do not arrive within a second.
    pub(super) fn timings(&self, count: usize) -> Vec<Vec<parts::Timing>> {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            let ready = self.1.lock().map(|i| i.count() >= count).unwrap_or(false);
            if ready || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.1.lock().map(|mut i| i.take()).unwrap_or_default()
    }
}

pub(super) struct Running {
    pub(super) child: Child,
    pub(super) tail: Tail,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn spawn(subject: &Subject, runtime: &RuntimeApi) -> Result<Running, Error> {
    let mut command = Command::new(&subject.program);
    command
        .args(&subject.args)
        .current_dir(&subject.cwd)
        .env_clear()
        .envs(subject.env.iter().map(|(k, v)| (k, v)))
        .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    sys::die_with_parent(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", subject.program.display()))?;
    let tail = Tail::default();
    if let Some(out) = child.stdout.take() {
        tail.drain(out);
    }
    if let Some(err) = child.stderr.take() {
        tail.drain(err);
    }
    Ok(Running { child, tail })
}

/// Peak resident memory of `pid` so far (VmHWM), in KiB.
pub(super) fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// An HTTP answer's `statusCode`; none for other answers.
pub(super) fn status(body: &str) -> Option<u16> {
    serde_json::from_str::<serde_json::Value>(body).ok()?["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
}

/// An answer counts as an error when the runtime was told so, an HTTP answer is a 5xx, or a
/// batch (stream, queue) answer hands records back for retry. A 4xx counts as answered (the
/// function did its work: it refused); the notes name the events that were refused.
pub(super) fn answered_ok(outcome: &runtime::Outcome) -> bool {
    if !outcome.ok {
        return false;
    }
    let retried = serde_json::from_str::<serde_json::Value>(&outcome.body)
        .ok()
        .and_then(|body| body["batchItemFailures"].as_array().map(|f| !f.is_empty()))
        .unwrap_or(false);
    !retried && status(&outcome.body).is_none_or(|s| s < 500)
}

/// Starts per round that stop at init, beside the round's own: init is then the median of
/// 5 × rounds starts.
const MORE_INITS: usize = 4;

/// One start that stops at init: its time to the first `next`, and the DynamoDB time in it.
fn init_only(
    subject: &Subject,
    runtime: &mut RuntimeApi,
    proxy: &CountingProxy,
) -> Result<(u64, u64), Error> {
    runtime.reset();
    proxy.clear();
    let spawned = Instant::now();
    let running = spawn(subject, runtime)?;
    let ready = runtime
        .wait_ready(INIT_TIMEOUT)
        .map_err(|e| format!("{e}; output: {}", running.tail.text()))?;
    let ddb = proxy
        .calls_between(spawned, ready)
        .iter()
        .map(proxy::Call::micros)
        .sum();
    drop(running);
    Ok((ready.duration_since(spawned).as_micros() as u64, ddb))
}

pub(super) fn measure(
    subject: &Subject,
    runtime: &mut RuntimeApi,
    proxy: &CountingProxy,
) -> Result<Round, Error> {
    let mut round = measure_round(subject, runtime, proxy)?;
    if subject.warm > 0 {
        for _ in 0..MORE_INITS {
            round.more_inits.push(init_only(subject, runtime, proxy)?);
        }
    }
    Ok(round)
}

fn measure_round(
    subject: &Subject,
    runtime: &mut RuntimeApi,
    proxy: &CountingProxy,
) -> Result<Round, Error> {
    runtime.reset();
    proxy.clear();
    let spawned = Instant::now();
    let mut running = spawn(subject, runtime)?;
    // Short waits, so that a process that exits during init (a missing variable) is seen at
    // once rather than after the whole timeout.
    let deadline = spawned + INIT_TIMEOUT;
    let ready = loop {
        match runtime.wait_ready(Duration::from_millis(100)) {
            Ok(at) => break at,
            Err(e) if e.starts_with("init error") => {
                std::thread::sleep(Duration::from_millis(200));
                return Err(format!("{e}; output: {}", running.tail.text()));
            }
            Err(_) if Instant::now() >= deadline => {
                return Err(format!(
                    "no `next` within {}s; output: {}",
                    INIT_TIMEOUT.as_secs(),
                    running.tail.text()
                ));
            }
            Err(_) => {
                if let Ok(Some(status)) = running.child.try_wait() {
                    std::thread::sleep(Duration::from_millis(100));
                    return Err(format!(
                        "exited during init ({status}): {}",
                        running.tail.text()
                    ));
                }
            }
        }
    };
    let init_calls = proxy.calls_between(spawned, ready);
    let mut round = Round {
        init_us: ready.duration_since(spawned).as_micros() as u64,
        init_ddb_us: init_calls.iter().map(proxy::Call::micros).sum(),
        init_calls: init_calls.len(),
        ..Round::default()
    };
    let count = subject.warm + 1;
    for i in 0..count {
        let (kind, event) = subject.events.get(i);
        let outcome = runtime.invoke(&event, INVOKE_TIMEOUT).map_err(|e| {
            if let Ok(Some(status)) = running.child.try_wait() {
                format!(
                    "exited ({status}) at invocation {i}: {}",
                    running.tail.text()
                )
            } else {
                format!("invocation {i} ({}): {e}", subject.events.label(kind))
            }
        })?;
        let calls = proxy.calls_between(outcome.handed, outcome.done);
        let invocation = Invocation {
            kind,
            total_us: outcome.done.duration_since(outcome.handed).as_micros() as u64,
            ddb_us: calls.iter().map(proxy::Call::micros).sum(),
            calls: calls
                .iter()
                .map(|c| (c.operation.clone(), c.micros()))
                .collect(),
            ok: answered_ok(&outcome),
            status: status(&outcome.body),
            timings: Vec::new(),
        };
        if i == 0 {
            round.cold_us = outcome.done.duration_since(spawned).as_micros() as u64;
            round.cold_ddb_us = round.init_ddb_us + invocation.ddb_us;
            round.first = invocation;
        } else {
            round.warm.push(invocation);
        }
    }
    round.rss_kib = peak_rss_kib(running.child.id());
    if subject.role == Role::Timed {
        let timings = running.tail.timings(count);
        if timings.len() == count {
            round.first.timings = timings[0].clone();
            for (warm, parts) in round.warm.iter_mut().zip(timings.into_iter().skip(1)) {
                warm.timings = parts;
            }
        }
    }
    drop(running);
    Ok(round)
}
