//! `cargo xtask load`: local-api's load driver on DynamoDB Local, in an optimised build.

use std::process::Command;

use crate::emulators::Emulators;
use crate::{Error, Paths, apply_test_env, cargo_command, install, run_step};

/// Starts DynamoDB Local (and moto), then runs `local-api load` on a fresh table with the
/// `load` profile (release without fat LTO: a quick build, timings of optimised code).
pub fn load(paths: &Paths, load_args: &[String]) -> Result<(), Error> {
    let tools = install::install(paths)?;
    let mut emulators = Emulators::spawn(paths, &tools)?;
    emulators.wait_ready()?;
    let mut command: Command = cargo_command(paths);
    command.args([
        "run",
        "--quiet",
        "--profile",
        "load",
        "-p",
        "local-api",
        "--",
        "load",
    ]);
    command.args(load_args);
    apply_test_env(&mut command, &emulators, &tools);
    command
        .env("TABLE_NAME", format!("load-{}", std::process::id()))
        // The per-request log lines would cost more than the requests.
        .env("RUST_LOG", "warn");
    run_step("local-api load", &mut command)
}
