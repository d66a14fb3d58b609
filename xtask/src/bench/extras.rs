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
        Ok(stdout.lines().map(str::to_owned).collect())
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
