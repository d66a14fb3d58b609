//! `cargo xtask bench`: every function under `functions/` (found when it runs), the floor
//! (`benches/floor`) and the peer (`benches/peer`, Python), cold and warm, through a Lambda
//! Runtime API emulator of our own, on DynamoDB Local behind a counting proxy and moto. Rounds
//! run interleaved (each round starts every subject once, in a rotated order) and each figure
//! is the median of the rounds. Then the push path and the console in Chromium, and the load
//! driver's throughput. One markdown table, printed and written to `target/bench/latest.md`.
//!
//! Not part of `cargo xtask test` (which only compiles it).

mod extras;
mod http;
mod proxy;
mod runtime;
mod sign;
mod stats;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proxy::CountingProxy;
use runtime::RuntimeApi;
use stats::{median, ms, quantile};

use crate::emulators::{Emulators, free_port};
use crate::{Error, Paths, cargo_command, install, run_step, sys, test_env};

/// What `cargo xtask bench` was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchArgs {
    /// Interleaved rounds; each figure is their median.
    pub rounds: usize,
    /// Warm invocations per round of the follow-up message (the product and the peer) and the
    /// floor; the other functions get at least two passes over their events.
    pub warm: usize,
    /// The push path and the transcript in Chromium (off with `--no-console`).
    pub console: bool,
    /// `local-api load` on the embedded store and on DynamoDB Local (off with `--no-load`).
    pub load: bool,
    /// webhook-ingest's own CPU time, part by part (its criterion bench; off with `--no-micro`).
    pub micro: bool,
    /// The cargo profile the functions are built with: `load` (release without fat LTO, the
    /// default: minutes faster on 2 cores) or `release`.
    pub profile: String,
    /// Another build of webhook-ingest (e.g. before a change), measured beside the product on
    /// the same follow-up messages, in the same rounds.
    pub baseline: Option<PathBuf>,
}

impl Default for BenchArgs {
    fn default() -> Self {
        BenchArgs {
            rounds: 11,
            warm: 400,
            console: true,
            load: true,
            micro: true,
            profile: "load".to_owned(),
            baseline: None,
        }
    }
}

/// The business number, customer and token of `events/webhook-ingest.inbound-text.json`.
const FOLLOW_UP_EVENT: &str = "webhook-ingest.inbound-text";
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
const INIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A function under `functions/`: its package and binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub package: String,
    pub bin: String,
}

/// Every function under `functions/`, by name: the package name, and the binary its
/// `[[bin]]` names (the package name without one).
pub fn discover_functions(root: &Path) -> Result<Vec<Function>, Error> {
    let dir = root.join("functions");
    let mut found = Vec::new();
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if let Some(function) = parse_manifest(&text) {
            found.push(function);
        }
    }
    found.sort_by(|a, b| a.package.cmp(&b.package));
    Ok(found)
}

fn parse_manifest(text: &str) -> Option<Function> {
    let mut section = String::new();
    let mut package = None;
    let mut bin = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_owned();
            continue;
        }
        let Some(value) = line
            .strip_prefix("name")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
        else {
            continue;
        };
        match section.as_str() {
            "[package]" if package.is_none() => package = Some(value),
            "[[bin]]" if bin.is_none() => bin = Some(value),
            _ => {}
        }
    }
    let package = package?;
    Some(Function {
        bin: bin.unwrap_or_else(|| package.clone()),
        package,
    })
}

/// `webhook-ingest` → `WebhookIngestFunction`, its section in `events/env.json`.
fn logical_id(function: &str) -> String {
    let mut id: String = function
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect();
    id.push_str("Function");
    id
}

/// `events/env.json`: a section per function, each a map of string variables.
fn parse_env_json(text: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('"') && line.ends_with('{') {
            current = line.split('"').nth(1).map(str::to_owned);
            if let Some(name) = &current {
                sections.entry(name.clone()).or_default();
            }
        } else if line.starts_with('}') {
            current = None;
        } else if let (Some(section), Some((name, value))) =
            (&current, line.trim_end_matches(',').split_once("\": \""))
        {
            let name = name.trim_start_matches('"').to_owned();
            let value = value.trim_end_matches('"').to_owned();
            if let Some(vars) = sections.get_mut(section) {
                vars.push((name, value));
            }
        }
    }
    sections
}

/// The events of `function`: `events/{function}.*.json`, by name.
fn function_events(root: &Path, function: &str) -> Vec<(String, String)> {
    let prefix = format!("{function}.");
    let mut events: Vec<(String, String)> = std::fs::read_dir(root.join("events"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let label = name
                .strip_prefix(&prefix)?
                .strip_suffix(".json")?
                .to_owned();
            let text = std::fs::read_to_string(entry.path()).ok()?;
            Some((label, text))
        })
        .collect();
    events.sort();
    events
}

/// Follow-up messages from the same customer, each with a new MessageSid and its signature.
struct FollowUps {
    template: String,
    body: String,
    signature: String,
    form: String,
    sid: String,
    token: String,
    url: String,
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl FollowUps {
    fn new(event: &str, token: &str, url: &str) -> Result<FollowUps, Error> {
        let field = |name: &str| {
            event
                .split(&format!("\"{name}\": \""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned)
                .ok_or_else(|| format!("{FOLLOW_UP_EVENT}.json has no `{name}`"))
        };
        let body = field("body")?;
        let signature = field("x-twilio-signature")?;
        let form = sign::base64_decode(&body)
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or("the event's body is not base64 of UTF-8")?;
        let sid = sign::form_decode(&form)
            .into_iter()
            .find(|(name, _)| name == "MessageSid")
            .map(|(_, v)| v)
            .ok_or("the event's form has no MessageSid")?;
        Ok(FollowUps {
            template: event.to_owned(),
            body,
            signature,
            form,
            sid,
            token: token.to_owned(),
            url: url.to_owned(),
        })
    }

    /// The next message: a MessageSid never used in this run, signed.
    fn next(&self) -> String {
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let sid = format!("SM{:08x}{:024x}", std::process::id(), n);
        let form = self.form.replace(&self.sid, &sid);
        let signature = sign::twilio_signature(&self.token, &self.url, &sign::form_decode(&form));
        self.template
            .replace(&self.body, &sign::base64_encode(form.as_bytes()))
            .replace(&self.signature, &signature)
    }
}

enum Events {
    /// The function's own events, in turn.
    Files(Vec<(String, String)>),
    /// A new follow-up message each time.
    FollowUps(Arc<FollowUps>),
}

impl Events {
    /// The event of invocation `i` (0 is the first), with its index among the kinds.
    fn get(&self, i: usize) -> (usize, String) {
        match self {
            Events::Files(files) => {
                let k = i % files.len();
                (k, files[k].1.clone())
            }
            Events::FollowUps(follow_ups) => (0, follow_ups.next()),
        }
    }

    fn label(&self, k: usize) -> String {
        match self {
            Events::Files(files) => files.get(k).map(|f| f.0.clone()).unwrap_or_default(),
            Events::FollowUps(_) => "follow-up".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Function,
    /// The webhook-ingest follow-up row, compared with the peer.
    Product,
    /// `--baseline`: another build of webhook-ingest on the same follow-up messages.
    Baseline,
    Floor,
    Peer,
}

struct Subject {
    name: String,
    role: Role,
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    events: Events,
    warm: usize,
    bootstrap: String,
    note: String,
}

/// One invocation as measured.
#[derive(Debug, Clone, Default)]
struct Invocation {
    kind: usize,
    total_us: u64,
    ddb_us: u64,
    calls: Vec<(String, u64)>,
    ok: bool,
}

impl Invocation {
    fn net_us(&self) -> u64 {
        self.total_us.saturating_sub(self.ddb_us)
    }
}

/// One subject in one round.
#[derive(Debug, Clone, Default)]
struct Round {
    init_us: u64,
    init_ddb_us: u64,
    init_calls: usize,
    first: Invocation,
    cold_us: u64,
    cold_ddb_us: u64,
    warm: Vec<Invocation>,
    rss_kib: Option<u64>,
}

impl Round {
    /// Warm invocations of the first invocation's kind of event.
    fn warm_of_first_kind(&self, net: bool) -> Vec<u64> {
        self.warm
            .iter()
            .filter(|w| w.kind == self.first.kind)
            .map(|w| if net { w.net_us() } else { w.total_us })
            .collect()
    }
}

/// The output of a process, kept for when it fails: its last lines.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<Vec<String>>>);

impl Tail {
    fn drain<R: Read + Send + 'static>(&self, pipe: R) {
        let lines = self.0.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                    if lines.len() > 20 {
                        lines.remove(0);
                    }
                }
            }
        });
    }

    fn text(&self) -> String {
        self.0.lock().map(|l| l.join(" | ")).unwrap_or_default()
    }
}

struct Running {
    child: Child,
    tail: Tail,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(subject: &Subject, runtime: &RuntimeApi) -> Result<Running, Error> {
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
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// An answer counts as an error when the runtime was told so, or an HTTP answer is a 5xx.
fn answered_ok(outcome: &runtime::Outcome) -> bool {
    if !outcome.ok {
        return false;
    }
    let status = outcome
        .body
        .split("\"statusCode\":")
        .nth(1)
        .map(|rest| {
            rest.trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse::<u16>().ok());
    status.is_none_or(|s| s < 500)
}

fn measure(
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
    drop(running);
    Ok(round)
}

/// The figures of one row: medians over the rounds.
#[derive(Debug, Default, Clone)]
struct Row {
    init: Option<u64>,
    init_net: Option<u64>,
    first: Option<u64>,
    first_net: Option<u64>,
    cold: Option<u64>,
    cold_net: Option<u64>,
    p50: Option<u64>,
    p50_net: Option<u64>,
    p99: Option<u64>,
    p99_net: Option<u64>,
    /// First invoke minus the warm p50 of the same event.
    first_gap: Option<i64>,
    /// The same, both net of DynamoDB.
    first_gap_net: Option<i64>,
    rss_kib: Option<u64>,
    init_calls: Option<u64>,
    calls_per_invoke: Option<f64>,
    failing: Vec<String>,
    error: Option<String>,
}

fn summarise(subject: &Subject, rounds: &[Round], error: Option<String>) -> Row {
    let each = |f: &dyn Fn(&Round) -> u64| median(rounds.iter().map(|r| Some(f(r))));
    let warm_q = |r: &Round, q: f64, net: bool| {
        let values: Vec<u64> = r
            .warm
            .iter()
            .map(|w| if net { w.net_us() } else { w.total_us })
            .collect();
        quantile(&values, q)
    };
    let gap = |net: bool| {
        let mut gaps: Vec<i64> = rounds
            .iter()
            .map(|r| {
                let first = if net {
                    r.first.net_us()
                } else {
                    r.first.total_us
                };
                first as i64 - quantile(&r.warm_of_first_kind(net), 0.5) as i64
            })
            .collect();
        gaps.sort_unstable();
        gaps.get(gaps.len() / 2).copied()
    };
    let invocations: usize = rounds.iter().map(|r| r.warm.len()).sum();
    let calls: usize = rounds
        .iter()
        .flat_map(|r| &r.warm)
        .map(|w| w.calls.len())
        .sum();
    let mut failing: Vec<String> = rounds
        .iter()
        .flat_map(|r| std::iter::once(&r.first).chain(&r.warm))
        .filter(|w| !w.ok)
        .map(|w| subject.events.label(w.kind))
        .collect();
    failing.sort();
    failing.dedup();
    Row {
        init: each(&|r| r.init_us),
        init_net: each(&|r| r.init_us.saturating_sub(r.init_ddb_us)),
        first: each(&|r| r.first.total_us),
        first_net: each(&|r| r.first.net_us()),
        cold: each(&|r| r.cold_us),
        cold_net: each(&|r| r.cold_us.saturating_sub(r.cold_ddb_us)),
        p50: each(&|r| warm_q(r, 0.5, false)),
        p50_net: each(&|r| warm_q(r, 0.5, true)),
        p99: each(&|r| warm_q(r, 0.99, false)),
        p99_net: each(&|r| warm_q(r, 0.99, true)),
        first_gap: gap(false),
        first_gap_net: gap(true),
        rss_kib: median(rounds.iter().map(|r| r.rss_kib)),
        init_calls: each(&|r| r.init_calls as u64),
        calls_per_invoke: (invocations > 0).then(|| calls as f64 / invocations as f64),
        failing,
        error,
    }
}

pub fn bench(paths: &Paths, args: &BenchArgs) -> Result<(), Error> {
    let started = Instant::now();
    let tools = install::install(paths)?;
    let peer_bin = install::install_peer(paths)?;
    let functions = discover_functions(&paths.root)?;
    eprintln!(
        "xtask: bench: {} functions: {}",
        functions.len(),
        functions
            .iter()
            .map(|f| f.bin.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // One build of everything the bench runs, in the chosen profile.
    let packages: Vec<String> = functions
        .iter()
        .map(|f| f.package.clone())
        .chain(["bench-floor".to_owned(), "local-api".to_owned()])
        .collect();
    let broken = build(paths, &args.profile, &packages);
    let bin_dir = paths.target.join(&args.profile);
    // A package whose build fails now runs from its last build, if there is one, and says so.
    let build_note = |package: &str, bin: &str| -> Result<String, String> {
        match broken.get(package) {
            None => Ok(String::new()),
            Some(error) if bin_dir.join(bin).is_file() => Ok(format!(
                "; this tree does not build ({error}): measured from the last build"
            )),
            Some(error) => Err(format!("does not build: {error}")),
        }
    };
    if let Err(e) = build_note("local-api", "local-api") {
        return Err(format!("local-api creates the bench's table, but it {e}"));
    }

    let mut emulators = Emulators::spawn(paths, &tools)?;
    emulators.wait_ready()?;
    let proxy = CountingProxy::start(emulators.ddb_port)?;
    let table = format!("bench-{}", std::process::id());
    create_table(&bin_dir, &emulators, &tools.venv_bin, &table)?;
    let mut runtime = RuntimeApi::start()?;

    let env_json = std::fs::read_to_string(paths.root.join("events/env.json"))
        .map_err(|e| format!("events/env.json: {e}"))?;
    let env_sections = parse_env_json(&env_json);
    let base_env = |function: &str| -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> =
            test_env(proxy.port, emulators.moto_port, &tools.venv_bin)
                .into_iter()
                .filter(|(k, _)| k != "PATH")
                .collect();
        env.extend(
            [
                ("PATH", std::env::var("PATH").unwrap_or_default()),
                ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
                ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
                ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
                ("AWS_LAMBDA_LOG_LEVEL", "INFO".to_owned()),
                ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        env.extend(
            env_sections
                .get(&logical_id(function))
                .cloned()
                .unwrap_or_default(),
        );
        env.retain(|(k, _)| k != "TABLE_NAME");
        env.push(("TABLE_NAME".to_owned(), table.clone()));
        env
    };

    let webhook_env = base_env("webhook-ingest");
    let var = |name: &str| {
        webhook_env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("events/env.json's WebhookIngestFunction has no {name}"))
    };
    let follow_up_event = std::fs::read_to_string(
        paths
            .root
            .join("events")
            .join(format!("{FOLLOW_UP_EVENT}.json")),
    )
    .map_err(|e| format!("events/{FOLLOW_UP_EVENT}.json: {e}"))?;
    let follow_ups = Arc::new(FollowUps::new(
        &follow_up_event,
        &var("TWILIO_AUTH_TOKEN")?,
        &var("TWILIO_INBOUND_URL")?,
    )?);

    let mut subjects = Vec::new();
    let mut unbuilt = Vec::new();
    for function in &functions {
        let events = function_events(&paths.root, &function.bin);
        let count = events.len();
        let built = match build_note(&function.package, &function.bin) {
            Ok(note) => note,
            Err(e) => {
                unbuilt.push((function.bin.clone(), e));
                continue;
            }
        };
        if count == 0 {
            unbuilt.push((function.bin.clone(), "no events under `events/`".to_owned()));
            continue;
        }
        subjects.push(Subject {
            name: function.bin.clone(),
            role: Role::Function,
            program: bin_dir.join(&function.bin),
            args: Vec::new(),
            cwd: paths.root.clone(),
            env: base_env(&function.bin),
            events: Events::Files(events),
            warm: (2 * count).max(30),
            bootstrap: bootstrap_size(paths, &function.bin),
            note: format!("{count} events from `events/`{built}"),
        });
    }
    if let Some(webhook) = functions.iter().find(|f| f.bin == "webhook-ingest") {
        subjects.push(Subject {
            name: "webhook-ingest, follow-up message".to_owned(),
            role: Role::Product,
            program: bin_dir.join(&webhook.bin),
            args: Vec::new(),
            cwd: paths.root.clone(),
            env: webhook_env.clone(),
            events: Events::FollowUps(follow_ups.clone()),
            warm: args.warm,
            bootstrap: bootstrap_size(paths, &webhook.bin),
            note: "a new MessageSid each time, signed".to_owned(),
        });
    }
    if let Some(baseline) = &args.baseline {
        subjects.push(Subject {
            name: format!("baseline ({}), follow-up message", baseline.display()),
            role: Role::Baseline,
            program: baseline.clone(),
            args: Vec::new(),
            cwd: paths.root.clone(),
            env: webhook_env.clone(),
            events: Events::FollowUps(follow_ups.clone()),
            warm: args.warm,
            bootstrap: "n/a".to_owned(),
            note: "`--baseline`: the same messages".to_owned(),
        });
    }
    subjects.push(Subject {
        name: "floor (benches/floor)".to_owned(),
        role: Role::Floor,
        program: bin_dir.join("bench-floor"),
        args: Vec::new(),
        cwd: paths.root.clone(),
        env: webhook_env.clone(),
        events: Events::FollowUps(follow_ups.clone()),
        warm: args.warm,
        bootstrap: "n/a: not a deployed function".to_owned(),
        note: "answers 200, no request".to_owned(),
    });
    let mut peer_env = webhook_env.clone();
    peer_env.retain(|(k, _)| k != "PATH");
    peer_env.extend([
        (
            "PATH".to_owned(),
            format!(
                "{}:{}",
                peer_bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
        (
            "LAMBDA_TASK_ROOT".to_owned(),
            paths.root.join("benches/peer").display().to_string(),
        ),
        (
            "PYTHONPYCACHEPREFIX".to_owned(),
            paths.cache.join("pycache").display().to_string(),
        ),
    ]);
    subjects.push(Subject {
        name: "peer (benches/peer, Python)".to_owned(),
        role: Role::Peer,
        program: peer_bin.join("python"),
        args: vec![
            "-m".to_owned(),
            "awslambdaric".to_owned(),
            "handler.handler".to_owned(),
        ],
        cwd: paths.root.join("benches/peer"),
        env: peer_env,
        events: Events::FollowUps(follow_ups.clone()),
        warm: args.warm,
        bootstrap: "n/a: Python".to_owned(),
        note: format!("boto3, twilio, awslambdaric ({})", install::PEER_SPEC),
    });

    // The customer's session, so that every later message is a follow-up.
    if let Some(product) = subjects.iter().find(|s| s.role == Role::Product) {
        let mut seed = measure(
            &Subject {
                warm: 0,
                ..clone_subject(product)
            },
            &mut runtime,
            &proxy,
        )?;
        if !seed.first.ok {
            return Err("the first message of the follow-up customer was not stored".to_owned());
        }
        seed.warm.clear();
    }

    let mut results: Vec<(Vec<Round>, Option<String>)> = vec![(Vec::new(), None); subjects.len()];
    for round in 0..args.rounds {
        eprintln!(
            "xtask: bench: round {} of {} ({:.0}s so far)",
            round + 1,
            args.rounds,
            started.elapsed().as_secs_f64()
        );
        let n = subjects.len();
        for j in 0..n {
            let index = (j + round) % n;
            let subject = &subjects[index];
            if results[index].1.is_some() {
                continue;
            }
            match measure(subject, &mut runtime, &proxy) {
                Ok(r) => results[index].0.push(r),
                Err(e) => {
                    eprintln!("xtask: bench: {}: {e}", subject.name);
                    results[index].1 = Some(e);
                }
            }
        }
    }
    drop(emulators);

    let rows: Vec<Row> = subjects
        .iter()
        .zip(&results)
        .map(|(s, (rounds, error))| summarise(s, rounds, error.clone()))
        .collect();
    let mut report = render(args, &subjects, &rows, &results, &unbuilt);

    if args.console {
        report.push_str(&extras::console(paths, &bin_dir, &tools));
    }
    if args.load {
        report.push_str(&extras::load(paths, &args.profile, &tools));
    }
    if args.micro {
        report.push_str(&extras::micro(paths, &args.profile));
    }
    report.push_str(&format!(
        "\nWhole run: {:.0} s.\n",
        started.elapsed().as_secs_f64()
    ));

    let out_dir = paths.target.join("bench");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let out = out_dir.join("latest.md");
    std::fs::write(&out, &report).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("{report}");
    eprintln!("xtask: bench: written to {}", out.display());
    Ok(())
}

fn clone_subject(subject: &Subject) -> Subject {
    Subject {
        name: subject.name.clone(),
        role: subject.role,
        program: subject.program.clone(),
        args: subject.args.clone(),
        cwd: subject.cwd.clone(),
        env: subject.env.clone(),
        events: match &subject.events {
            Events::Files(files) => Events::Files(files.clone()),
            Events::FollowUps(f) => Events::FollowUps(f.clone()),
        },
        warm: subject.warm,
        bootstrap: subject.bootstrap.clone(),
        note: subject.note.clone(),
    }
}

/// Builds `packages` in `profile`; when that fails, each on its own, to find the ones that do
/// not build (with their first error line).
fn build(paths: &Paths, profile: &str, packages: &[String]) -> BTreeMap<String, String> {
    let command = |packages: &[String]| {
        let mut command = cargo_command(paths);
        command.args(["build", "--quiet", "--profile", profile, "--bins"]);
        for package in packages {
            command.args(["-p", package]);
        }
        command
    };
    let mut broken = BTreeMap::new();
    if run_step("cargo build (bench)", &mut command(packages)).is_ok() {
        return broken;
    }
    for package in packages {
        let output = command(std::slice::from_ref(package)).output();
        let error = match output {
            Ok(o) if o.status.success() => continue,
            Ok(o) => String::from_utf8_lossy(&o.stderr)
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("cargo build failed")
                .to_owned(),
            Err(e) => format!("cannot run cargo: {e}"),
        };
        eprintln!("xtask: bench: {package} does not build: {error}");
        broken.insert(package.clone(), error);
    }
    broken
}

/// The table, as local-api creates it on DynamoDB (the code the tests use): local-api is
/// started on the table, which it creates when missing, and stopped once it listens.
fn create_table(
    bin_dir: &Path,
    emulators: &Emulators,
    venv_bin: &Path,
    table: &str,
) -> Result<(), Error> {
    let port = free_port()?;
    let mut command = Command::new(bin_dir.join("local-api"));
    command
        .args(["--port", &port.to_string()])
        .envs(test_env(emulators.ddb_port, emulators.moto_port, venv_bin))
        .env("TABLE_NAME", table)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    sys::die_with_parent(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start local-api to create the table: {e}"))?;
    let tail = Tail::default();
    if let Some(err) = child.stderr.take() {
        tail.drain(err);
    }
    let listening = child.stdout.take().is_some_and(|out| {
        BufReader::new(out)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("local-api on"))
    });
    let _ = child.kill();
    let _ = child.wait();
    if listening {
        eprintln!("xtask: bench: table {table} created on DynamoDB Local");
        Ok(())
    } else {
        Err(format!(
            "local-api did not start on table {table}: {}",
            tail.text()
        ))
    }
}

/// The arm64 bootstrap `cargo xtask build` leaves, if it is there.
fn bootstrap_size(paths: &Paths, bin: &str) -> String {
    let candidates = [
        paths.target.join("lambda").join(bin).join("bootstrap"),
        paths.root.join("target/lambda").join(bin).join("bootstrap"),
    ];
    candidates
        .iter()
        .find_map(|p| std::fs::metadata(p).ok())
        .map(|m| format!("{:.1} MiB", m.len() as f64 / (1024.0 * 1024.0)))
        .unwrap_or_else(|| "n/a: run `cargo xtask build` first".to_owned())
}

fn cell(total: Option<u64>, net: Option<u64>) -> String {
    match (total, net) {
        (Some(t), Some(n)) => format!("{} / {}", ms(t), ms(n)),
        (Some(t), None) => ms(t),
        _ => "–".to_owned(),
    }
}

/// `+1.25` or `−0.40` (ms).
fn signed_ms(micros: i64) -> String {
    format!(
        "{}{}",
        if micros < 0 { "−" } else { "+" },
        ms(micros.unsigned_abs())
    )
}

fn ratio(slow: Option<u64>, fast: Option<u64>) -> Option<f64> {
    match (slow, fast) {
        (Some(s), Some(f)) if f > 0 => Some(s as f64 / f as f64),
        _ => None,
    }
}

fn render(
    args: &BenchArgs,
    subjects: &[Subject],
    rows: &[Row],
    results: &[(Vec<Round>, Option<String>)],
    unbuilt: &[(String, String)],
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "## `cargo xtask bench`\n\n{} ({} cores), `{}` profile, {} interleaved rounds, median of the rounds; \
         times in ms as `total / net of DynamoDB` (net: minus the time inside DynamoDB Local \
         requests, measured at the counting proxy).\n\n",
        machine(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.profile,
        args.rounds
    ));
    out.push_str(
        "| subject | arm64 bootstrap | init | first invoke | first − warm p50 | cold start | warm p50 | warm p99 | peak RSS | DynamoDB requests per invoke (init) | notes |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (subject, row) in subjects.iter().zip(rows) {
        if let (Some(error), None) = (&row.error, row.init) {
            out.push_str(&format!(
                "| {} | {} | – | – | – | – | – | – | – | – | cannot run: {} |\n",
                subject.name,
                subject.bootstrap,
                error.replace('|', "\\|")
            ));
            continue;
        }
        let mut note = subject.note.clone();
        if !row.failing.is_empty() {
            note.push_str(&format!("; error or 5xx: {}", row.failing.join(", ")));
        }
        if let Some(error) = &row.error {
            note.push_str(&format!("; stopped: {}", error.replace('|', "\\|")));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} |\n",
            subject.name,
            subject.bootstrap,
            cell(row.init, row.init_net),
            cell(row.first, row.first_net),
            match (row.first_gap, row.first_gap_net) {
                (Some(g), Some(n)) => format!("{} / {}", signed_ms(g), signed_ms(n)),
                _ => "–".to_owned(),
            },
            cell(row.cold, row.cold_net),
            cell(row.p50, row.p50_net),
            cell(row.p99, row.p99_net),
            row.rss_kib
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "–".to_owned()),
            row.calls_per_invoke
                .map(|c| format!("{c:.2}"))
                .unwrap_or_else(|| "–".to_owned()),
            row.init_calls.map_or("–".to_owned(), |c| c.to_string()),
            note.replace('\n', " ")
        ));
    }
    for (name, why) in unbuilt {
        out.push_str(&format!(
            "| {name} | – | – | – | – | – | – | – | – | – | cannot run: {} |\n",
            why.replace('|', "\\|")
        ));
    }
    out.push_str(&goals(subjects, rows));
    out.push_str(&split(subjects, results));
    out
}

fn row_of<'a>(subjects: &[Subject], rows: &'a [Row], role: Role) -> Option<&'a Row> {
    subjects
        .iter()
        .zip(rows)
        .find(|(s, _)| s.role == role)
        .map(|(_, r)| r)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

fn goals(subjects: &[Subject], rows: &[Row]) -> String {
    let mut out = String::from("\n### Goals\n\n| goal | measured | |\n| --- | --- | --- |\n");
    let (Some(product), Some(peer), Some(floor)) = (
        row_of(subjects, rows, Role::Product),
        row_of(subjects, rows, Role::Peer),
        row_of(subjects, rows, Role::Floor),
    ) else {
        out.push_str("| – | the product, the peer or the floor did not run | |\n");
        return out;
    };
    let mut line = |goal: &str, measured: String, met: Option<bool>| {
        out.push_str(&format!(
            "| {goal} | {measured} | {} |\n",
            met.map_or("n/a", verdict)
        ));
    };
    let fmt = |r: Option<f64>| r.map_or("–".to_owned(), |r| format!("{r:.1}×"));
    let cold = ratio(peer.cold, product.cold);
    let cold_net = ratio(peer.cold_net, product.cold_net);
    line(
        "cold start (spawn to first response) ≥ 15× faster than the peer",
        format!(
            "{} (net of DynamoDB {}): {} ms against {} ms",
            fmt(cold),
            fmt(cold_net),
            product.cold.map_or("–".into(), ms),
            peer.cold.map_or("–".into(), ms)
        ),
        cold.map(|r| r >= 15.0),
    );
    let p50 = ratio(peer.p50, product.p50);
    let p50_net = ratio(peer.p50_net, product.p50_net);
    line(
        "warm p50 ≥ 1.2× faster than the peer",
        format!(
            "{} (net of DynamoDB {}): {} ms against {} ms",
            fmt(p50),
            fmt(p50_net),
            product.p50.map_or("–".into(), ms),
            peer.p50.map_or("–".into(), ms)
        ),
        p50.map(|r| r >= 1.2),
    );
    let p99 = ratio(peer.p99, product.p99);
    let p99_net = ratio(peer.p99_net, product.p99_net);
    line(
        "warm p99 no worse than the peer's",
        format!(
            "{} (net of DynamoDB {}): {} ms against {} ms",
            fmt(p99),
            fmt(p99_net),
            product.p99.map_or("–".into(), ms),
            peer.p99.map_or("–".into(), ms)
        ),
        p99.map(|r| r >= 1.0),
    );
    for (subject, row) in subjects.iter().zip(rows) {
        if !matches!(
            subject.role,
            Role::Function | Role::Product | Role::Baseline
        ) {
            continue;
        }
        if let (Some(gap), Some(net)) = (row.first_gap, row.first_gap_net) {
            line(
                &format!("{}: first invoke within 1 ms of warm p50", subject.name),
                format!(
                    "{} ms (net of DynamoDB {} ms: {})",
                    signed_ms(gap),
                    signed_ms(net),
                    verdict(net <= 1000)
                ),
                Some(gap <= 1000),
            );
        }
    }
    for (subject, row) in subjects.iter().zip(rows) {
        if subject.role != Role::Function {
            continue;
        }
        let r = ratio(row.init, floor.init);
        line(
            &format!("{}: init within 1.1× the floor", subject.name),
            format!(
                "{} ({} ms against {} ms)",
                r.map_or("–".into(), |r| format!("{r:.2}×")),
                row.init.map_or("–".into(), ms),
                floor.init.map_or("–".into(), ms)
            ),
            r.map(|r| r <= 1.1),
        );
    }
    out
}

/// One part of an invocation's time, when it has that part.
type Part = Box<dyn Fn(&Invocation) -> Option<u64>>;

/// Where a follow-up message's time goes, at p50 and p99, the product beside the peer.
fn split(subjects: &[Subject], results: &[(Vec<Round>, Option<String>)]) -> String {
    let mut out = String::from(
        "\n### Where a follow-up message's warm time goes (every round's warm invocations)\n\n\
         | part | product p50 | product p99 | peer p50 | peer p99 | floor p50 | floor p99 |",
    );
    let with_baseline = subjects.iter().any(|s| s.role == Role::Baseline);
    if with_baseline {
        out.push_str(" baseline p50 | baseline p99 |");
    }
    out.push_str("\n| --- | --- | --- | --- | --- | --- | --- |");
    if with_baseline {
        out.push_str(" --- | --- |");
    }
    out.push('\n');
    let pooled = |role: Role| -> Vec<Invocation> {
        subjects
            .iter()
            .zip(results)
            .filter(|(s, _)| s.role == role)
            .flat_map(|(_, (rounds, _))| rounds.iter().flat_map(|r| r.warm.clone()))
            .collect()
    };
    let mut columns = vec![
        pooled(Role::Product),
        pooled(Role::Peer),
        pooled(Role::Floor),
    ];
    if with_baseline {
        columns.push(pooled(Role::Baseline));
    }
    let mut operations: Vec<String> = columns
        .iter()
        .flatten()
        .flat_map(|w| w.calls.iter().map(|(op, _)| op.clone()))
        .collect();
    operations.sort();
    operations.dedup();
    let mut parts: Vec<(String, Part)> = vec![(
        "whole invocation (runtime API to runtime API)".to_owned(),
        Box::new(|w: &Invocation| Some(w.total_us)),
    )];
    for op in operations {
        let name = op.clone();
        parts.push((
            format!("DynamoDB {op} (at the proxy)"),
            Box::new(move |w: &Invocation| {
                let times: Vec<u64> = w
                    .calls
                    .iter()
                    .filter(|(o, _)| *o == name)
                    .map(|(_, t)| *t)
                    .collect();
                (!times.is_empty()).then(|| times.iter().sum())
            }),
        ));
    }
    parts.push((
        "all DynamoDB requests".to_owned(),
        Box::new(|w: &Invocation| Some(w.ddb_us)),
    ));
    parts.push((
        "the rest: the function's own work, its SDK and HTTP client, the runtime API".to_owned(),
        Box::new(|w: &Invocation| Some(w.net_us())),
    ));
    for (label, part) in &parts {
        let mut line = format!("| {label} |");
        for column in &columns {
            let values: Vec<u64> = column.iter().filter_map(part).collect();
            if values.is_empty() {
                line.push_str(" – | – |");
            } else {
                line.push_str(&format!(
                    " {} | {} |",
                    ms(quantile(&values, 0.5)),
                    ms(quantile(&values, 0.99))
                ));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    // The slowest 1 %: what made them slow.
    out.push_str("\nThe slowest 1 % of warm invocations, on average:\n\n");
    for (name, column) in ["product", "peer", "floor", "baseline"]
        .iter()
        .zip(&columns)
    {
        if *name == "floor" {
            continue;
        }
        if column.is_empty() {
            continue;
        }
        let threshold = quantile(&column.iter().map(|w| w.total_us).collect::<Vec<_>>(), 0.99);
        let slow: Vec<&Invocation> = column.iter().filter(|w| w.total_us >= threshold).collect();
        let n = slow.len().max(1) as u64;
        let total: u64 = slow.iter().map(|w| w.total_us).sum::<u64>() / n;
        let ddb: u64 = slow.iter().map(|w| w.ddb_us).sum::<u64>() / n;
        out.push_str(&format!(
            "- {name}: {} invocations ≥ {} ms: {} ms, of which DynamoDB {} ms and the rest {} ms\n",
            slow.len(),
            ms(threshold),
            ms(total),
            ms(ddb),
            ms(total.saturating_sub(ddb))
        ));
    }
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    format!("{cpu}, {}", std::env::consts::ARCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_is_found_by_its_package_and_its_bin_names() {
        let manifest = "[package]\nname = \"customer-erasure\"\n\n[lib]\nname = \"customer_erasure\"\n\n[[bin]]\nname = \"customer-erasure\"\npath = \"src/main.rs\"\n";
        assert_eq!(
            parse_manifest(manifest),
            Some(Function {
                package: "customer-erasure".into(),
                bin: "customer-erasure".into()
            })
        );
        assert_eq!(
            parse_manifest("[package]\nname = \"x\"\n"),
            Some(Function {
                package: "x".into(),
                bin: "x".into()
            })
        );
    }

    #[test]
    fn every_function_of_the_workspace_is_discovered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let functions = discover_functions(root).unwrap();
        assert!(functions.iter().any(|f| f.bin == "webhook-ingest"));
        assert!(functions.len() >= 9, "{functions:?}");
    }

    #[test]
    fn a_function_s_section_of_env_json_is_its_logical_id() {
        assert_eq!(logical_id("webhook-ingest"), "WebhookIngestFunction");
        let sections = parse_env_json(
            "{\n  \"WebhookIngestFunction\": {\n    \"TABLE_NAME\": \"t\",\n    \"URL\": \"https://x/y\"\n  },\n  \"Other\": {\n    \"A\": \"b\"\n  }\n}\n",
        );
        assert_eq!(
            sections["WebhookIngestFunction"],
            vec![
                ("TABLE_NAME".to_string(), "t".to_string()),
                ("URL".to_string(), "https://x/y".to_string())
            ]
        );
        assert_eq!(sections["Other"], vec![("A".to_string(), "b".to_string())]);
    }

    #[test]
    fn each_follow_up_has_a_new_message_sid_and_a_valid_signature() {
        let event = include_str!("../../../events/webhook-ingest.inbound-text.json");
        let token = "0123456789abcdef0123456789abcdef";
        let url = "https://abc123defg.execute-api.eu-west-1.amazonaws.com/twilio/inbound";
        let follow_ups = FollowUps::new(event, token, url).unwrap();
        let (a, b) = (follow_ups.next(), follow_ups.next());
        assert_ne!(a, b);
        let again = FollowUps::new(&a, token, url).unwrap();
        assert_ne!(again.sid, follow_ups.sid);
        let params = sign::form_decode(&again.form);
        assert_eq!(sign::twilio_signature(token, url, &params), again.signature);
    }

    #[test]
    fn a_5xx_or_an_error_answer_counts_as_a_failure() {
        let outcome = |ok, body: &str| runtime::Outcome {
            handed: Instant::now(),
            done: Instant::now(),
            ok,
            body: body.to_owned(),
        };
        assert!(answered_ok(&outcome(true, r#"{"statusCode": 404}"#)));
        assert!(!answered_ok(&outcome(true, r#"{"statusCode":503}"#)));
        assert!(!answered_ok(&outcome(false, "{}")));
        assert!(answered_ok(&outcome(true, "null")));
    }
}
