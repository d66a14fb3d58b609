//! The bench's other figures: the push path and the long transcript in Chromium
//! (`console/bench/*.mjs` against local-api in the bench's optimised build), and the load
//! driver's throughput on the embedded store and on DynamoDB Local.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::emulators::Emulators;
use crate::install::Tools;
use crate::{Paths, apply_test_env, console, describe};

/// Runs `command`; its stdout lines, or why there are none.
fn lines_of(command: &mut Command) -> Result<Vec<String>, String> {
    eprintln!("xtask: bench: running {}", describe(command));
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", describe(command)))?;
    eprintln!("xtask: bench: … {:.0}s", started.elapsed().as_secs_f64());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        // Results only: a log line (` WARN …`) is not a figure.
        Ok(stdout
            .lines()
            .filter(|l| !l.trim_start().starts_with("WARN") && !l.trim_start().starts_with("INFO"))
            .map(str::to_owned)
            .collect())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "{} ({}): {}",
            describe(command),
            output.status,
            crate::tail(&format!("{stdout}\n{stderr}"), 6).replace('\n', " ")
        ))
    }
}

fn section(title: &str, result: Result<Vec<String>, String>) -> String {
    let mut out = format!("\n### {title}\n\n");
    match result {
        Ok(lines) => {
            for line in lines.iter().filter(|l| !l.trim().is_empty()) {
                out.push_str(&format!("- {line}\n"));
            }
        }
        Err(e) => out.push_str(&format!("- not measured: {e}\n")),
    }
    out
}

/// The push path (webhook → frame in Chromium) and the 2,000-message transcript.
pub fn console(paths: &Paths, bin_dir: &Path, _tools: &Tools) -> String {
    let browser = match console::install(paths) {
        Ok(browser) => browser,
        Err(e) => {
            return section("The push path and the console", Err(e));
        }
    };
    let node = |script: &str| {
        let mut command = Command::new("node");
        command
            .current_dir(&paths.root)
            .arg(script)
            .env("LOCAL_API_BIN", bin_dir.join("local-api"))
            .env("CHROMIUM_PATH", &browser.chromium)
            .env("PLAYWRIGHT_CORE", &browser.playwright_core);
        command
    };
    let mut out = section(
        "The push path: signed webhook → `conversation.requested` frame in Chromium (local-api, embedded store)",
        lines_of(&mut node("console/bench/push-latency.mjs")),
    );
    out.push_str(&section(
        "The console with a 2,000-message transcript (Chromium, `performance.now()`)",
        lines_of(&mut node("console/bench/transcript.mjs")),
    ));
    out
}

/// `local-api load` on the embedded store and on DynamoDB Local, in `profile`.
pub fn load(paths: &Paths, profile: &str, tools: &Tools) -> String {
    let bin = paths.target.join(profile).join("local-api");
    let mut embedded = Command::new(&bin);
    embedded
        .current_dir(&paths.root)
        .args(crate::load::EMBEDDED_ARGS)
        .env_remove("TABLE_NAME")
        .env("RUST_LOG", "warn");
    crate::load::no_aws_lookups(&mut embedded);
    let mut out = section(
        &format!(
            "Throughput: `local-api load` on the embedded store (`{profile}` profile, `{}`)",
            crate::load::EMBEDDED_ARGS[1..].join(" ")
        ),
        lines_of(&mut embedded),
    );
    let on_dynamodb = Emulators::spawn(paths, tools).and_then(|mut emulators| {
        emulators.wait_ready()?;
        let mut command = Command::new(&bin);
        command.current_dir(&paths.root).arg("load");
        apply_test_env(&mut command, &emulators, tools);
        command
            .env("TABLE_NAME", format!("load-{}", std::process::id()))
            .env("RUST_LOG", "warn");
        lines_of(&mut command)
    });
    out.push_str(&section(
        &format!("Throughput: `local-api load` on DynamoDB Local (`{profile}` profile, defaults)"),
        on_dynamodb,
    ));
    out
}

/// webhook-ingest's criterion bench (`functions/webhook-ingest/benches/hot_path.rs`, `--quick`):
/// its own CPU time for a follow-up message, part by part, on the in-memory store.
pub fn micro(paths: &Paths, profile: &str) -> String {
    let mut command = crate::cargo_command(paths);
    command.args([
        "bench",
        "--quiet",
        "-p",
        "webhook-ingest",
        "--bench",
        "hot_path",
        "--profile",
        profile,
        "--",
        "--quick",
    ]);
    let result = lines_of(&mut command).map(|lines| criterion_means(&lines));
    let mut out = section(
        "webhook-ingest's own CPU time for a follow-up message (criterion `--quick`, in-memory store, no I/O)",
        result,
    );
    out.push_str(
        "- each line includes the ones above it where it says so (\"handler + …\"); the handler \
         includes the form, the signature and the in-memory store, not the event JSON\n",
    );
    out
}

/// `name: estimate` for each criterion result (the middle of its `time: [low mid high]`).
pub fn criterion_means(lines: &[String]) -> Vec<String> {
    let mut name = String::new();
    let mut out = Vec::new();
    for line in lines {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.split_once("time:").map(|(before, rest)| {
            if !before.trim().is_empty() {
                name = before.trim().to_owned();
            }
            rest
        }) {
            let values: Vec<&str> = rest
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split_whitespace()
                .collect();
            if let [_, _, mid, unit, ..] = values.as_slice() {
                out.push(format!("{name}: {mid} {unit}"));
            }
        } else if !trimmed.is_empty()
            && !trimmed.starts_with("Benchmarking")
            && !trimmed.starts_with("change:")
            && !trimmed.starts_with("Found")
            && !trimmed.contains("outliers")
            && !trimmed.starts_with("Performance")
            && !trimmed.starts_with("No change")
            && !trimmed.starts_with("Change within")
        {
            name = trimmed.to_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_results_are_read_as_name_and_middle_estimate() {
        let lines: Vec<String> = [
            "Benchmarking webhook: handler + EMF metrics: Analyzing",
            "webhook: handler + EMF metrics",
            "                        time:   [20.055 µs 20.155 µs 20.555 µs]",
            "short name              time:   [1.0 ns 2.0 ns 3.0 ns]",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            criterion_means(&lines),
            vec![
                "webhook: handler + EMF metrics: 20.155 µs".to_string(),
                "short name: 2.0 ns".to_string()
            ]
        );
    }
}
