//! `cargo xtask`: installs and starts the emulators the tests need, and runs
//! every check CI runs.
//!
//! Std only on purpose: it compiles in a few seconds on a fresh clone.
//!
//! ```text
//! cargo xtask test [--no-lint] [--no-contract] [--no-console] [CARGO TEST ARGS...]
//!                                                      fmt, clippy, cfn-lint, sam validate, cargo test,
//!                                                      schemathesis against local-api,
//!                                                      the console in headless Chromium
//! cargo xtask emulators                                start both emulators, print exports
//! cargo xtask emulators --stop                         stop emulators left running
//! cargo xtask install                                  only install the tools (cache warm-up)
//! cargo xtask build                                    cargo lambda build --release --arm64, sizes
//! cargo xtask bench [--rounds N] [--warm N] [...]      every function cold and warm, the floor
//!                                                      and the peer; push, console, load figures
//! cargo xtask mutants [ARGS...]                       cargo-mutants over shared/src/domain (not in test)
//! cargo xtask migrate --table NAME [--apply]           upgrade a table an earlier release wrote
//! ```

mod args;
mod bench;
mod console;
mod contract;
mod emulators;
mod install;
mod load;
mod migrate;
mod mutants;
mod sys;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use args::{Cli, EmulatorsArgs, TestArgs};
use emulators::Emulators;
use install::Tools;

/// Where xtask keeps its installs, logs and pid file.
pub struct Paths {
    /// The workspace root (the parent of `xtask/`).
    pub root: PathBuf,
    /// The cargo target directory (`target`, or `CARGO_TARGET_DIR`).
    pub target: PathBuf,
    /// `target/xtask`.
    pub cache: PathBuf,
    /// `target/xtask/logs`.
    pub logs: PathBuf,
}

impl Paths {
    fn locate() -> Paths {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(manifest_dir);
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => root.join(dir),
            _ => root.join("target"),
        };
        let cache = target.join("xtask");
        let logs = cache.join("logs");
        Paths {
            root,
            target,
            cache,
            logs,
        }
    }
}

/// An error that ends the run; printed as `xtask: error: ...`.
pub type Error = String;

fn main() -> ExitCode {
    let cli = match args::parse(std::env::args().skip(1)) {
        Ok(cli) => cli,
        Err(message) => {
            eprintln!("xtask: {message}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    let paths = Paths::locate();
    let result = match cli {
        Cli::Help => {
            println!("{}", args::USAGE);
            Ok(())
        }
        Cli::Install => install::install(&paths).map(|_| ()),
        Cli::Build => build(&paths),
        Cli::Load(load_args) => load::load(&paths, &load_args),
        Cli::Bench(bench_args) => bench::bench(&paths, &bench_args),
        Cli::Mutants(extra) => mutants::mutants(&paths, &extra),
        Cli::Migrate(migrate_args) => migrate::migrate(&paths, &migrate_args),
        Cli::Test(test_args) => test(&paths, &test_args),
        Cli::Emulators(EmulatorsArgs { stop: true }) => emulators::stop_recorded(&paths),
        Cli::Emulators(EmulatorsArgs { stop: false }) => emulators::run_foreground(&paths),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask test`: the whole CI pipeline.
fn test(paths: &Paths, test_args: &TestArgs) -> Result<(), Error> {
    let started = Instant::now();
    let tools = install::install(paths)?;
    let browser = if test_args.console {
        Some(console::install(paths)?)
    } else {
        None
    };

    // Start the emulators first so that their start-up (a few seconds of JVM
    // and Python) overlaps with fmt and clippy; readiness is awaited just
    // before `cargo test`. The guard stops them on every return path.
    let mut emulators = Emulators::spawn(paths, &tools)?;

    report_disk(paths);
    if test_args.lint {
        run_step(
            "cargo fmt",
            cargo_command(paths).args(["fmt", "--all", "--check"]),
        )?;
        run_step(
            "cargo clippy",
            cargo_command(paths).args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
    } else {
        eprintln!("xtask: --no-lint: skipping cargo fmt and cargo clippy");
    }

    cfn_lint(paths, &tools)?;
    checkov(paths, &tools)?;
    bench_sources(paths)?;

    emulators.wait_ready()?;
    report_disk(paths);
    let mut cargo_test = cargo_command(paths);
    cargo_test.args(test_args.cargo_test_command());
    apply_test_env(&mut cargo_test, &emulators, &tools);
    let tested = run_step("cargo test", &mut cargo_test);
    report_disk(paths);
    tested?;

    if test_args.contract {
        // On the embedded store by default; XTASK_CONTRACT_DYNAMODB=1 puts local-api on
        // DynamoDB Local (a table of its own), while the emulators still run.
        let table = contract::on_dynamodb().then(|| {
            test_env(emulators.ddb_port, emulators.moto_port, &tools.venv_bin)
                .into_iter()
                .filter(|(name, _)| name != "PATH")
                .collect::<Vec<_>>()
        });
        contract::test(paths, &tools, table.as_deref())?;
    } else {
        eprintln!("xtask: --no-contract: skipping schemathesis against local-api");
    }
    drop(emulators);

    match &browser {
        Some(browser) => console::test(paths, browser)?,
        None => eprintln!("xtask: --no-console: skipping the console's tests"),
    }
    eprintln!(
        "xtask: all steps passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The Lambda functions, as `template.yaml` builds them (`BuildProperties: Binary`).
/// `cargo xtask build`: every function's `bootstrap` for Lambda on arm64, with its size.
fn build(paths: &Paths) -> Result<(), Error> {
    let tools = install::install(paths)?;
    let mut command = Command::new(tools.venv_bin.join("cargo-lambda"));
    command
        .current_dir(&paths.root)
        .args(["lambda", "build", "--release", "--arm64"]);
    // cargo-lambda cross-compiles with Zig, which the venv's `ziglang` puts beside it.
    if let Some((_, path)) = test_env(0, 0, &tools.venv_bin)
        .into_iter()
        .find(|(name, _)| name == "PATH")
    {
        command.env("PATH", path);
    }
    // Every function under `functions/`, found the way the bench finds them.
    let functions = bench::discover_functions(&paths.root)?;
    for function in &functions {
        command.args(["--bin", &function.bin]);
    }
    run_step("cargo lambda build", &mut command)?;
    for function in functions.iter().map(|f| f.bin.as_str()) {
        let bootstrap = paths.target.join("lambda").join(function).join("bootstrap");
        let size = std::fs::metadata(&bootstrap)
            .map_err(|e| format!("{}: {e}", bootstrap.display()))?
            .len();
        println!(
            "{function:<16} {:>6.1} MiB  {}",
            size as f64 / (1024.0 * 1024.0),
            bootstrap.display()
        );
    }
    Ok(())
}

/// The bench's sources that no other step compiles, checked for syntax so they cannot rot
/// (`cargo xtask bench` runs them; CI does not): the console's bench scripts (`node --check`)
/// and the Python peer (`py_compile`, its bytecode kept under target/). The Rust parts (xtask's
/// bench module, benches/floor, webhook-ingest's criterion bench) are built by clippy and
/// cargo test.
fn bench_sources(paths: &Paths) -> Result<(), Error> {
    let scripts = paths.root.join("console/bench");
    for entry in std::fs::read_dir(&scripts).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|e| e == "mjs") {
            run_quiet(
                Command::new("node")
                    .current_dir(&paths.root)
                    .arg("--check")
                    .arg(entry.path()),
                "node --check (console/bench)",
            )?;
        }
    }
    let peer = paths.root.join("benches/peer/handler.py");
    if peer.is_file() {
        let python = std::env::var("XTASK_PYTHON").unwrap_or_else(|_| "python3".to_string());
        run_quiet(
            Command::new(python)
                .args(["-m", "py_compile"])
                .arg(&peer)
                .env("PYTHONPYCACHEPREFIX", paths.cache.join("pycache")),
            "py_compile (benches/peer)",
        )?;
    }
    eprintln!("xtask: bench sources: console/bench and benches/peer parse");
    Ok(())
}

/// Runs a check without echoing it; fails naming it, with its output.
fn run_quiet(command: &mut Command, name: &str) -> Result<(), Error> {
    let output = command
        .output()
        .map_err(|e| format!("step `{name}` could not start: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "step `{name}` failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Lints `template.yaml` at the workspace root, if there is one.
fn cfn_lint(paths: &Paths, tools: &Tools) -> Result<(), Error> {
    let template = paths.root.join("template.yaml");
    if !template.is_file() {
        eprintln!("xtask: note: no template.yaml at the workspace root yet: skipping cfn-lint");
        return Ok(());
    }
    run_step(
        "cfn-lint",
        Command::new(tools.venv_bin.join("cfn-lint"))
            .current_dir(&paths.root)
            .args(["--non-zero-exit-code", "informational", "template.yaml"]),
    )?;
    // Offline: SAM's own transform checks plus its cfn-lint run; no AWS account is asked.
    run_step(
        "sam validate --lint",
        Command::new(tools.venv_bin.join("sam"))
            .current_dir(&paths.root)
            .args(["validate", "--lint", "--template", "template.yaml"])
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("SAM_CLI_TELEMETRY", "0"),
    )
}

/// The infrastructure-as-code scan of `template.yaml`: a failed check fails the step; a check
/// that does not fit is skipped in its resource's `Metadata` (`checkov: skip:`), with why.
fn checkov(paths: &Paths, tools: &Tools) -> Result<(), Error> {
    if !paths.root.join("template.yaml").is_file() {
        return Ok(());
    }
    run_step(
        "checkov",
        Command::new(&tools.checkov)
            .current_dir(&paths.root)
            .args(["--file", "template.yaml", "--framework", "cloudformation"])
            .args(["--compact", "--quiet", "--skip-download"])
            // Offline: no guidelines download from the vendor, no version check.
            .env("BC_SKIP_MAPPING", "TRUE")
            .env("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE"),
    )
}

/// The environment `cargo test` (and a developer's shell) needs to reach the
/// emulators, as (name, value) pairs.
pub fn test_env(ddb_port: u16, moto_port: u16, venv_bin: &Path) -> Vec<(String, String)> {
    let ddb = format!("http://127.0.0.1:{ddb_port}");
    let moto = format!("http://127.0.0.1:{moto_port}");
    let path = match std::env::var_os("PATH") {
        Some(old) if !old.is_empty() => {
            format!("{}:{}", venv_bin.display(), old.to_string_lossy())
        }
        _ => venv_bin.display().to_string(),
    };
    [
        ("AWS_ENDPOINT_URL_DYNAMODB", ddb),
        ("AWS_ENDPOINT_URL_SNS", moto.clone()),
        ("AWS_ENDPOINT_URL_SQS", moto.clone()),
        // moto's EventBridge: the events for other systems.
        ("AWS_ENDPOINT_URL_EVENTBRIDGE", moto.clone()),
        // moto's Comprehend: the sentiment scorer's requests.
        ("AWS_ENDPOINT_URL_COMPREHEND", moto.clone()),
        // moto's S3: the media bucket in tests.
        ("AWS_ENDPOINT_URL_S3", moto),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("PATH", path),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Variables from a developer's own AWS set-up that would send the tests
/// somewhere other than the emulators, or mix real credentials in.
const AWS_VARS_TO_CLEAR: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
];

pub fn apply_test_env(command: &mut Command, emulators: &Emulators, tools: &Tools) {
    for var in AWS_VARS_TO_CLEAR {
        command.env_remove(var);
    }
    command.envs(test_env(
        emulators.ddb_port,
        emulators.moto_port,
        &tools.venv_bin,
    ));
}

/// Runs one step of the pipeline, echoing it first; fails naming the step.
pub fn run_step(name: &str, command: &mut Command) -> Result<(), Error> {
    eprintln!("xtask: running {}", describe(command));
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("step `{name}` could not start: {e}"))?;
    if status.success() {
        eprintln!(
            "xtask: {name} passed ({:.1}s)",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        Err(format!("step `{name}` failed ({status})"))
    }
}

/// `program arg arg...`, for progress lines.
pub fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program())
        .file_name()
        .unwrap_or(command.get_program())
        .to_string_lossy()
        .into_owned();
    std::iter::once(program)
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Prints the end of a log file, framed, to stderr.
pub fn print_log_tail(log: &Path, lines: usize) {
    match std::fs::read(log) {
        Ok(raw) => {
            let text = String::from_utf8_lossy(&raw);
            eprintln!("xtask: ---- last {lines} lines of {} ----", log.display());
            eprintln!("{}", tail(&text, lines));
            eprintln!("xtask: ---- end of {} ----", log.display());
        }
        Err(e) => eprintln!("xtask: cannot read {}: {e}", log.display()),
    }
}

/// The cargo that runs us (`$CARGO`), so the same toolchain is used.
/// A cargo command in the workspace root. Under CI (`CI` set) incremental compilation is off:
/// a clean clone gains nothing from it, and its caches took gigabytes of a CI disk that a clean
/// run once filled (`No space left on device` while linking a test binary).
pub fn cargo_command(paths: &Paths) -> Command {
    let mut command = Command::new(cargo_bin());
    command.current_dir(&paths.root);
    if std::env::var_os("CI").is_some() && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    command
}

/// Prints the space left where the build writes, so that a run that fills the disk says so
/// before the linker fails with a bus error.
fn report_disk(paths: &Paths) {
    let output = Command::new("df").args(["-Pk"]).arg(&paths.root).output();
    let free_kib = output.ok().and_then(|o| {
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let line = text.lines().nth(1)?.to_string();
        line.split_whitespace().nth(3)?.parse::<u64>().ok()
    });
    match free_kib {
        Some(kib) => eprintln!(
            "xtask: disk: {:.1} GiB free beside {}",
            kib as f64 / (1024.0 * 1024.0),
            paths.root.display()
        ),
        None => eprintln!("xtask: disk: free space unknown (df gave nothing)"),
    }
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_env_points_every_service_at_loopback_and_puts_the_venv_first_on_path() {
        let env = test_env(8000, 5000, Path::new("/x/venv/bin"));
        let get = |k: &str| {
            env.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("AWS_ENDPOINT_URL_DYNAMODB"), "http://127.0.0.1:8000");
        assert_eq!(get("AWS_ENDPOINT_URL_SNS"), "http://127.0.0.1:5000");
        assert_eq!(get("AWS_ENDPOINT_URL_SQS"), "http://127.0.0.1:5000");
        assert_eq!(get("AWS_ENDPOINT_URL_EVENTBRIDGE"), "http://127.0.0.1:5000");
        assert_eq!(get("AWS_ENDPOINT_URL_COMPREHEND"), "http://127.0.0.1:5000");
        assert_eq!(get("AWS_ENDPOINT_URL_S3"), "http://127.0.0.1:5000");
        assert_eq!(get("AWS_REGION"), "us-east-1");
        assert!(get("PATH").starts_with("/x/venv/bin"));
        assert!(env.iter().all(|(name, _)| name != "TABLE_NAME"));
    }

    #[test]
    fn tail_keeps_only_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a\nb\nc", 5), "a\nb\nc");
        assert_eq!(tail("", 3), "");
    }

    #[test]
    fn describe_shows_the_program_name_and_its_arguments() {
        let mut command = Command::new("/usr/bin/cargo");
        command.args(["fmt", "--all"]);
        assert_eq!(describe(&command), "cargo fmt --all");
    }
}
