//! `cargo xtask load`: local-api's load driver, in an optimised build, first on the embedded
//! store (what our own code sustains on this machine), then on DynamoDB Local (the same load
//! through a JVM emulator on the same cores).

use std::process::Command;

use crate::emulators::Emulators;
use crate::{Error, Paths, apply_test_env, cargo_command, install, run_step};

/// The embedded-store run when no arguments are given: enough webhooks for a steady rate.
pub const EMBEDDED_ARGS: &[&str] = &[
    "load",
    "--customers",
    "500",
    "--messages",
    "10",
    "--concurrency",
    "16",
];

/// The embedded store needs no AWS account, but the SDK configuration is still loaded: a region
/// of its own (unless one is set), and no instance-metadata lookup for one.
pub fn no_aws_lookups(command: &mut Command) {
    if std::env::var_os("AWS_REGION").is_none() {
        command.env("AWS_REGION", "us-east-1");
    }
    command.env("AWS_EC2_METADATA_DISABLED", "true");
}

/// Builds local-api in the `load` profile (release without fat LTO: a quick build, timings of
/// optimised code), runs `local-api load` on the embedded store, then starts DynamoDB Local
/// (and moto) and runs it again on a fresh table. Arguments, when given, go to both runs.
pub fn load(paths: &Paths, load_args: &[String]) -> Result<(), Error> {
    let tools = install::install(paths)?;
    run_step(
        "cargo build (local-api, load profile)",
        cargo_command(paths).args(["build", "--quiet", "--profile", "load", "-p", "local-api"]),
    )?;
    let bin = paths.target.join("load/local-api");

    let mut embedded = Command::new(&bin);
    embedded.current_dir(&paths.root);
    if load_args.is_empty() {
        embedded.args(EMBEDDED_ARGS);
    } else {
        embedded.arg("load").args(load_args);
    }
    embedded
        .env_remove("TABLE_NAME")
        // The per-request log lines would cost more than the requests.
        .env("RUST_LOG", "warn");
    no_aws_lookups(&mut embedded);
    run_step("local-api load (embedded store)", &mut embedded)?;

    let mut emulators = Emulators::spawn(paths, &tools)?;
    emulators.wait_ready()?;
    let mut command = Command::new(&bin);
    command.current_dir(&paths.root).arg("load").args(load_args);
    apply_test_env(&mut command, &emulators, &tools);
    command
        .env("TABLE_NAME", format!("load-{}", std::process::id()))
        .env("RUST_LOG", "warn");
    run_step("local-api load (DynamoDB Local)", &mut command)
}
