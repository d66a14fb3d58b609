//! `cargo xtask migrate`: the one-off upgrade of a deployed table. The logic is the shared
//! crate's (`adapters::dynamodb::migrate`, beside the key builders); this runs it through
//! `local-api migrate`, so xtask stays std-only.

use crate::args::MigrateArgs;
use crate::{Error, Paths, cargo_command, run_step};

/// The arguments after `cargo`.
pub fn cargo_args(args: &MigrateArgs) -> Vec<String> {
    let mut command: Vec<String> = ["run", "--quiet", "-p", "local-api", "--", "migrate"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    command.extend(["--table".to_owned(), args.table.clone()]);
    if args.apply {
        command.push("--apply".to_owned());
    }
    command
}

/// Runs against whatever the caller's AWS environment names (a profile and region, or
/// `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local): nothing is overridden.
pub fn migrate(paths: &Paths, args: &MigrateArgs) -> Result<(), Error> {
    run_step(
        "local-api migrate",
        cargo_command(paths).args(cargo_args(args)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_apply_reaches_local_api() {
        let dry = cargo_args(&MigrateArgs {
            table: "prod".into(),
            apply: false,
        });
        assert_eq!(
            dry,
            [
                "run",
                "--quiet",
                "-p",
                "local-api",
                "--",
                "migrate",
                "--table",
                "prod"
            ]
        );
        let apply = cargo_args(&MigrateArgs {
            table: "prod".into(),
            apply: true,
        });
        assert_eq!(apply.last().map(String::as_str), Some("--apply"));
    }
}
