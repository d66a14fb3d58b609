//! The API contract, fuzzed: schemathesis (from the venv) against a fresh local-api on a free
//! loopback port, reading the document local-api serves at `GET /openapi.json`. It fails on a
//! server error or on any response whose status, content type, headers or body the document
//! does not allow.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::emulators::{answers_http, free_port, http_request};
use crate::install::Tools;
use crate::{Error, Paths, run_step, sys};

/// Test cases per operation and phase: enough to reach every documented refusal, small enough
/// for a step of well under a minute on two cores. `XTASK_SCHEMATHESIS_EXAMPLES` raises it.
const DEFAULT_MAX_EXAMPLES: u32 = 20;
/// Fixed, so that CI is repeatable; `XTASK_SCHEMATHESIS_SEED` explores elsewhere.
const DEFAULT_SEED: u64 = 13;

/// local-api, stopped (and reaped) on drop.
struct LocalApi {
    child: Child,
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        sys::send_signal(self.child.id(), sys::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The debug local-api binary `cargo test --workspace` has built.
fn local_api_bin(paths: &Paths) -> PathBuf {
    paths
        .cache
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| paths.root.join("target"))
        .join("debug/local-api")
}

/// The environment local-api starts with here: embedded store, its own Twilio stub, media in
/// memory and notifications on stdout, whatever the developer's shell holds.
const LOCAL_API_VARS_TO_CLEAR: &[&str] = &[
    "TABLE_NAME",
    "AGENT_NOTIFICATIONS_TOPIC_ARN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_INBOUND_URL",
    "TWILIO_STATUS_URL",
    "WHATSAPP_SENDERS",
    "WHATSAPP_FROM",
    "MEDIA_BUCKET",
];

/// Whether `XTASK_CONTRACT_DYNAMODB` asks for local-api on DynamoDB Local.
pub fn on_dynamodb() -> bool {
    std::env::var("XTASK_CONTRACT_DYNAMODB").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `dynamodb`: the emulators' variables, to run local-api on DynamoDB Local instead of its
/// embedded store.
fn start_local_api(
    paths: &Paths,
    port: u16,
    dynamodb: Option<&[(String, String)]>,
) -> Result<LocalApi, Error> {
    let bin = local_api_bin(paths);
    let log = paths.logs.join("contract-local-api.log");
    let out = File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("cannot reopen {}: {e}", log.display()))?;
    let mut command = Command::new(&bin);
    command
        .args(["--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for var in LOCAL_API_VARS_TO_CLEAR {
        command.env_remove(var);
    }
    if let Some(vars) = dynamodb {
        for var in crate::AWS_VARS_TO_CLEAR {
            command.env_remove(var);
        }
        command
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .env("TABLE_NAME", format!("contract-{port}"));
    }
    sys::die_with_parent(&mut command);
    eprintln!(
        "xtask: starting local-api on 127.0.0.1:{port} (log: {})",
        log.display()
    );
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut api = LocalApi { child };
    let deadline = Instant::now() + Duration::from_secs(30);
    let probe = http_request("GET", "/openapi.json", port);
    while !answers_http(port, &probe) {
        if let Ok(Some(status)) = api.child.try_wait() {
            crate::print_log_tail(&log, 30);
            return Err(format!("local-api exited during start-up ({status})"));
        }
        if Instant::now() >= deadline {
            crate::print_log_tail(&log, 30);
            return Err("local-api did not answer within 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Two conversations in the queue, a text and an image (from local-api's Twilio stub), so
    // that the document's links lead schemathesis's stateful phase from `GET /conversations` to
    // real conversations, messages and an attachment.
    let image = format!(
        "http://127.0.0.1:{port}/local/twilio/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/MM00000000000000000000000000000001/Media/ME1"
    );
    let seeds: [&[&str]; 2] = [
        &["--body", "Hello from the contract test"],
        &[
            "--from",
            "whatsapp:+447700900124",
            "--body",
            "A picture",
            "--media-url",
            &image,
            "--media-content-type",
            "image/png",
        ],
    ];
    for seed in seeds {
        run_step(
            "local-api send-inbound (seed)",
            Command::new(&bin)
                .args(["send-inbound", "--port", &port.to_string()])
                .args(seed)
                .stdout(Stdio::null()),
        )?;
    }
    Ok(api)
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The schemathesis command line against local-api on `port`; the rest of its settings
/// (the agent's headers, the checks, one worker) are in `xtask/schemathesis.toml`.
pub fn schemathesis_args(config: &Path, port: u16, max_examples: u32, seed: u64) -> Vec<String> {
    let base = format!("http://127.0.0.1:{port}");
    vec![
        "--config-file".to_owned(),
        config.display().to_string(),
        "--no-color".to_owned(),
        "run".to_owned(),
        format!("{base}/openapi.json"),
        "--url".to_owned(),
        base,
        "--max-examples".to_owned(),
        max_examples.to_string(),
        "--seed".to_owned(),
        seed.to_string(),
    ]
}

/// Runs the contract step: local-api (already built by `cargo test`), then schemathesis.
pub fn test(
    paths: &Paths,
    tools: &Tools,
    dynamodb: Option<&[(String, String)]>,
) -> Result<(), Error> {
    // A no-op after `cargo test --workspace` (same features), as for the console's step.
    run_step(
        "local-api binary",
        crate::cargo_command(paths).args(["test", "--workspace", "--no-run", "--quiet"]),
    )?;
    let port = free_port()?;
    let _api = start_local_api(paths, port, dynamodb)?;
    let max_examples = env_number("XTASK_SCHEMATHESIS_EXAMPLES", DEFAULT_MAX_EXAMPLES);
    let seed = env_number("XTASK_SCHEMATHESIS_SEED", DEFAULT_SEED);
    run_step(
        "schemathesis",
        Command::new(tools.venv_bin.join("schemathesis"))
            // Its reports and caches stay under target/xtask.
            .current_dir(&paths.cache)
            .args(schemathesis_args(
                &paths.root.join("xtask/schemathesis.toml"),
                port,
                max_examples,
                seed,
            ))
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("ALL_PROXY")
            .env("NO_PROXY", "127.0.0.1,localhost"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemathesis_runs_against_loopback_with_the_repository_settings() {
        let args = schemathesis_args(Path::new("/w/xtask/schemathesis.toml"), 4321, 7, 99);
        let after = |flag: &str| {
            let i = args.iter().position(|a| a == flag).unwrap();
            args[i + 1].clone()
        };
        assert_eq!(after("--config-file"), "/w/xtask/schemathesis.toml");
        assert_eq!(after("run"), "http://127.0.0.1:4321/openapi.json");
        assert_eq!(after("--url"), "http://127.0.0.1:4321");
        assert_eq!(after("--max-examples"), "7");
        assert_eq!(after("--seed"), "99");
    }

    #[test]
    fn the_settings_send_an_admin_agent_and_turn_on_exactly_the_conformance_checks() {
        let toml = include_str!("../schemathesis.toml");
        assert!(toml.contains("X-Agent-Id = \"schemathesis\""));
        assert!(toml.contains("X-Agent-Groups = \"admins\""));
        let enabled: Vec<&str> = toml
            .split("[checks.")
            .skip(1)
            .filter(|section| section.contains("enabled = true"))
            .filter_map(|section| section.split(']').next())
            .collect();
        assert_eq!(
            enabled,
            [
                "not_a_server_error",
                "status_code_conformance",
                "content_type_conformance",
                "response_headers_conformance",
                "response_schema_conformance",
            ]
        );
    }
}
