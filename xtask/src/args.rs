//! Command-line parsing, by hand (std only).

pub const USAGE: &str = "\
usage:
  cargo xtask test [--no-lint] [--no-contract] [--no-console] [CARGO TEST ARGS...]
      install the tools (cached in target/xtask), start DynamoDB Local and moto,
      run cargo fmt --check, cargo clippy -D warnings, cfn-lint template.yaml,
      sam validate --lint and cargo test --workspace [CARGO TEST ARGS...] against the emulators
      (without --workspace when -p/--package picks packages);
      then schemathesis against a fresh local-api and its GET /openapi.json
      (no 5xx, every response as documented);
      then the console: node --test console/tests/unit, and the agent's path in headless
      Chromium (Debian's chromium, installed with apt-get when missing, driven by npm's
      playwright-core) against local-api; screenshots in target/console-screenshots
      --no-lint      skip cargo fmt and cargo clippy
      --no-contract  skip schemathesis against local-api
      --no-console   skip the console's tests (and the Chromium install)
      everything else (and everything after `--`) goes to cargo test,
      e.g. `cargo xtask test -p xtask` or `cargo xtask test -- --nocapture`
  cargo xtask emulators
      start both emulators and print the `export` lines for another shell
      (also written to target/xtask/emulators.env); stops them on Ctrl-C,
      on Ctrl-D / end of stdin, or when xtask dies
  cargo xtask emulators --stop
      stop emulators recorded in target/xtask/emulators.pid
  cargo xtask install
      only install DynamoDB Local and the Python tools (CI warm-up)
  cargo xtask build
      cargo lambda build --release --arm64 of every function, and each bootstrap's size
  cargo xtask bench [--rounds N] [--warm N] [--profile load|release] [--no-console] [--no-load]
                    [--no-micro] [--baseline PATH] [--only NAME[,NAME...]]
      every function under functions/, the floor (benches/floor) and the peer (benches/peer,
      Python) cold and warm through a Lambda Runtime API emulator, on DynamoDB Local behind a
      counting proxy and moto, in interleaved rounds (default 11; 400 warm follow-up messages
      each); then the push path and a 2,000-message transcript in Chromium, and `local-api load`.
      Prints one markdown table, also written to target/bench/latest.md. Not run by `test`
      --profile   the functions' build profile: `load` (default: release without fat LTO) or `release`
      --no-console  skip the Chromium figures     --no-load  skip the load driver
      --no-micro    skip webhook-ingest's criterion bench (its own CPU time, part by part)
      --baseline    another webhook-ingest binary (e.g. a copy from before a change), measured
                    beside the product on the same follow-up messages, in the same rounds
      --only        only these functions (and the floor; the peer and the follow-up row only
                    with webhook-ingest), e.g. `--only agent-api,live-authorizer`
  cargo xtask load [--customers N] [--messages N] [--duplicate-every N] [--concurrency N] [--seconds N]
      local-api's load driver on the embedded store, then on DynamoDB Local (a fresh table), in the `load` profile: signed
      webhooks with concurrent duplicates and status callbacks; prints throughput, latency
      and the lost or doubled messages and notifications, and fails unless all are 0
  cargo xtask mutants [CARGO-MUTANTS ARGS...]
      cargo-mutants (installed into target/xtask when missing) over shared/src/domain against
      the shared crate's unit tests (`cargo test -p whatsapp-channel --lib`), one job, in place:
      do not edit or commit while it runs. Not part of `cargo xtask test`; fails on a missed
      mutant. Extra arguments go to cargo-mutants, e.g. `--file shared/src/domain/status.rs`
      (replaces the default files) or `--list`; results in target/xtask/mutants.out
  cargo xtask migrate --table NAME [--apply]
      upgrade a table an earlier release wrote (conversations under the sharded queue index,
      the gsi2 back-fill, available agents under the sharded index): a dry run that prints
      each change unless --apply; a second run changes nothing. Uses your AWS environment
      (AWS_PROFILE, AWS_REGION, or AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local)";

use crate::bench::BenchArgs;

#[derive(Debug, PartialEq, Eq)]
pub enum Cli {
    Help,
    Install,
    Test(TestArgs),
    Emulators(EmulatorsArgs),
    Build,
    Bench(BenchArgs),
    /// `cargo xtask load [ARGS...]`: the arguments go to `local-api load`.
    Load(Vec<String>),
    /// `cargo xtask mutants [ARGS...]`: the arguments go to cargo-mutants.
    Mutants(Vec<String>),
    Migrate(MigrateArgs),
}

#[derive(Debug, PartialEq, Eq)]
pub struct MigrateArgs {
    pub table: String,
    /// Write the changes (a dry run without it).
    pub apply: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct TestArgs {
    /// Run `cargo fmt --check` and `cargo clippy` (off with `--no-lint`).
    pub lint: bool,
    /// Run schemathesis against local-api (off with `--no-contract`).
    pub contract: bool,
    /// Run the console's node and browser tests (off with `--no-console`).
    pub console: bool,
    /// Passed verbatim to `cargo test` (see `cargo_test_command`).
    pub cargo_test_args: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct EmulatorsArgs {
    pub stop: bool,
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, String> {
    let mut args = args.into_iter();
    let Some(subcommand) = args.next() else {
        return Err("missing subcommand".to_string());
    };
    match subcommand.as_str() {
        "-h" | "--help" | "help" => Ok(Cli::Help),
        "test" => Ok(Cli::Test(parse_test(args))),
        "install" => match args.next() {
            None => Ok(Cli::Install),
            Some(other) => Err(format!("`install` takes no arguments, got `{other}`")),
        },
        "build" => match args.next() {
            None => Ok(Cli::Build),
            Some(other) => Err(format!("`build` takes no arguments, got `{other}`")),
        },
        "load" => Ok(Cli::Load(args.collect())),
        "bench" => parse_bench(args).map(Cli::Bench),
        "mutants" => Ok(Cli::Mutants(args.collect())),
        "migrate" => parse_migrate(args).map(Cli::Migrate),
        "emulators" => {
            let mut stop = false;
            for arg in args {
                match arg.as_str() {
                    "--stop" => stop = true,
                    other => return Err(format!("unknown argument to `emulators`: `{other}`")),
                }
            }
            Ok(Cli::Emulators(EmulatorsArgs { stop }))
        }
        other => Err(format!("unknown subcommand `{other}`")),
    }
}

fn parse_bench(mut args: impl Iterator<Item = String>) -> Result<BenchArgs, String> {
    let mut bench = BenchArgs::default();
    let number = |name: &str, value: Option<String>| {
        value
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`bench {name}` needs a number above 0"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => bench.rounds = number("--rounds", args.next())?,
            "--warm" => bench.warm = number("--warm", args.next())?,
            "--no-console" => bench.console = false,
            "--no-load" => bench.load = false,
            "--no-micro" => bench.micro = false,
            "--baseline" => match args.next() {
                Some(path) if !path.starts_with('-') => bench.baseline = Some(path.into()),
                _ => return Err("`bench --baseline` needs a webhook-ingest binary".to_string()),
            },
            "--profile" => match args.next().as_deref() {
                Some(profile @ ("load" | "release")) => bench.profile = profile.to_owned(),
                _ => return Err("`bench --profile` is `load` or `release`".to_string()),
            },
            "--only" => {
                let names: Vec<String> = args
                    .next()
                    .filter(|list| !list.starts_with('-'))
                    .map(|list| {
                        list.split(',')
                            .map(str::trim)
                            .filter(|name| !name.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                if names.is_empty() {
                    return Err(
                        "`bench --only` needs function names, e.g. `agent-api,send-reply`"
                            .to_string(),
                    );
                }
                bench.only.extend(names);
            }
            other => return Err(format!("unknown argument to `bench`: `{other}`")),
        }
    }
    // The baseline is measured beside webhook-ingest's follow-up row, which `--only` may leave out.
    if bench.baseline.is_some()
        && !bench.only.is_empty()
        && !bench.only.iter().any(|name| name == "webhook-ingest")
    {
        return Err("`bench --baseline` needs webhook-ingest among `--only`".to_string());
    }
    Ok(bench)
}

fn parse_migrate(mut args: impl Iterator<Item = String>) -> Result<MigrateArgs, String> {
    let mut table = None;
    let mut apply = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--apply" => apply = true,
            "--table" => table = args.next(),
            other => match other.strip_prefix("--table=") {
                Some(name) => table = Some(name.to_owned()),
                None => return Err(format!("unknown argument to `migrate`: `{other}`")),
            },
        }
    }
    match table.filter(|t| !t.is_empty() && !t.starts_with('-')) {
        Some(table) => Ok(MigrateArgs { table, apply }),
        None => Err("`migrate` needs `--table NAME`".to_string()),
    }
}

impl TestArgs {
    /// The arguments after `cargo`: `test`, then `--workspace` unless the
    /// user picked packages (cargo lets `--workspace` override `-p`), then
    /// the user's arguments.
    pub fn cargo_test_command(&self) -> Vec<String> {
        let before_double_dash = self.cargo_test_args.iter().take_while(|a| *a != "--");
        let picks_packages = before_double_dash.into_iter().any(|a| {
            a == "-p"
                || a == "--package"
                || a.starts_with("--package=")
                || (a.starts_with("-p") && !a.starts_with("--"))
        });
        let mut command = vec!["test".to_string()];
        if !picks_packages {
            command.push("--workspace".to_string());
        }
        command.extend(self.cargo_test_args.iter().cloned());
        command
    }
}

/// xtask's own flags are taken out up to a `--`; everything else, and the
/// `--` itself with what follows, goes to cargo test unchanged.
fn parse_test(args: impl Iterator<Item = String>) -> TestArgs {
    let mut lint = true;
    let mut console = true;
    let mut contract = true;
    let mut cargo_test_args = Vec::new();
    let mut passthrough = false;
    for arg in args {
        if passthrough {
            cargo_test_args.push(arg);
            continue;
        }
        match arg.as_str() {
            "--no-lint" => lint = false,
            "--no-console" => console = false,
            "--no-contract" => contract = false,
            "--" => {
                passthrough = true;
                cargo_test_args.push(arg);
            }
            _ => cargo_test_args.push(arg),
        }
    }
    TestArgs {
        lint,
        contract,
        console,
        cargo_test_args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Cli, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    fn test_args(lint: bool, rest: &[&str]) -> Cli {
        Cli::Test(TestArgs {
            lint,
            contract: true,
            console: true,
            cargo_test_args: rest.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn no_console_is_taken_out_and_skips_only_the_console_tests() {
        assert_eq!(
            parse_strs(&["test", "--no-console", "-p", "xtask"]),
            Ok(Cli::Test(TestArgs {
                lint: true,
                contract: true,
                console: false,
                cargo_test_args: vec!["-p".into(), "xtask".into()],
            }))
        );
    }

    #[test]
    fn no_contract_is_taken_out_and_skips_only_schemathesis() {
        assert_eq!(
            parse_strs(&["test", "--no-contract", "-p", "xtask"]),
            Ok(Cli::Test(TestArgs {
                lint: true,
                contract: false,
                console: true,
                cargo_test_args: vec!["-p".into(), "xtask".into()],
            }))
        );
    }

    #[test]
    fn test_without_arguments_lints_and_passes_nothing_to_cargo_test() {
        assert_eq!(parse_strs(&["test"]), Ok(test_args(true, &[])));
    }

    #[test]
    fn no_lint_is_taken_out_and_the_other_arguments_go_to_cargo_test_in_order() {
        assert_eq!(
            parse_strs(&["test", "-p", "xtask", "--no-lint", "--release"]),
            Ok(test_args(false, &["-p", "xtask", "--release"]))
        );
    }

    #[test]
    fn arguments_after_a_double_dash_go_to_cargo_test_untouched() {
        assert_eq!(
            parse_strs(&["test", "--", "--no-lint", "--nocapture"]),
            Ok(test_args(true, &["--", "--no-lint", "--nocapture"]))
        );
    }

    #[test]
    fn cargo_test_covers_the_workspace_unless_packages_are_picked() {
        let command = |args: &[&str]| match parse_strs(&[&["test"], args].concat()) {
            Ok(Cli::Test(test)) => test.cargo_test_command(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(command(&[]), ["test", "--workspace"]);
        assert_eq!(command(&["-p", "xtask"]), ["test", "-p", "xtask"]);
        assert_eq!(command(&["--package=xtask"]), ["test", "--package=xtask"]);
        assert_eq!(command(&["-pxtask"]), ["test", "-pxtask"]);
        assert_eq!(
            command(&["--exclude", "xtask"]),
            ["test", "--workspace", "--exclude", "xtask"]
        );
        assert_eq!(command(&["--", "-p"]), ["test", "--workspace", "--", "-p"]);
    }

    #[test]
    fn emulators_understands_stop_and_rejects_anything_else() {
        assert_eq!(
            parse_strs(&["emulators"]),
            Ok(Cli::Emulators(EmulatorsArgs { stop: false }))
        );
        assert_eq!(
            parse_strs(&["emulators", "--stop"]),
            Ok(Cli::Emulators(EmulatorsArgs { stop: true }))
        );
        assert!(parse_strs(&["emulators", "--start"]).is_err());
    }

    #[test]
    fn migrate_is_a_dry_run_unless_asked_to_apply() {
        let migrate = |table: &str, apply| {
            Ok(Cli::Migrate(MigrateArgs {
                table: table.into(),
                apply,
            }))
        };
        assert_eq!(
            parse_strs(&["migrate", "--table", "t1"]),
            migrate("t1", false)
        );
        assert_eq!(
            parse_strs(&["migrate", "--apply", "--table=t2"]),
            migrate("t2", true)
        );
    }

    #[test]
    fn migrate_without_a_table_or_with_an_unknown_flag_is_an_error() {
        assert!(parse_strs(&["migrate"]).is_err());
        assert!(parse_strs(&["migrate", "--apply"]).is_err());
        assert!(parse_strs(&["migrate", "--table", "--apply"]).is_err());
        assert!(parse_strs(&["migrate", "--table", "t", "--force"]).is_err());
    }

    #[test]
    fn bench_takes_its_rounds_warm_count_profile_and_what_to_skip() {
        assert_eq!(parse_strs(&["bench"]), Ok(Cli::Bench(BenchArgs::default())));
        assert_eq!(
            parse_strs(&[
                "bench",
                "--rounds",
                "3",
                "--warm",
                "50",
                "--profile",
                "release",
                "--no-console",
                "--no-load",
                "--no-micro"
            ]),
            Ok(Cli::Bench(BenchArgs {
                rounds: 3,
                warm: 50,
                console: false,
                load: false,
                micro: false,
                profile: "release".into(),
                baseline: None,
                only: Vec::new(),
            }))
        );
        assert!(parse_strs(&["bench", "--rounds", "0"]).is_err());
        assert!(parse_strs(&["bench", "--profile", "dev"]).is_err());
        assert!(parse_strs(&["bench", "--fast"]).is_err());
    }

    #[test]
    fn bench_only_takes_comma_separated_functions_and_needs_at_least_one() {
        assert_eq!(
            parse_strs(&[
                "bench",
                "--only",
                "agent-api, live-authorizer",
                "--only",
                "send-reply"
            ]),
            Ok(Cli::Bench(BenchArgs {
                only: vec![
                    "agent-api".into(),
                    "live-authorizer".into(),
                    "send-reply".into()
                ],
                ..BenchArgs::default()
            }))
        );
        assert!(parse_strs(&["bench", "--only"]).is_err());
        assert!(parse_strs(&["bench", "--only", ","]).is_err());
        assert!(parse_strs(&["bench", "--only", "--no-load"]).is_err());
        assert!(parse_strs(&["bench", "--only", "agent-api", "--baseline", "/x"]).is_err());
        assert!(parse_strs(&["bench", "--only", "webhook-ingest", "--baseline", "/x"]).is_ok());
    }

    #[test]
    fn mutants_passes_its_arguments_to_cargo_mutants() {
        assert_eq!(
            parse_strs(&["mutants", "--list"]),
            Ok(Cli::Mutants(vec!["--list".into()]))
        );
    }

    #[test]
    fn a_missing_or_unknown_subcommand_is_an_error() {
        assert!(parse_strs(&[]).is_err());
        assert!(parse_strs(&["deploy"]).is_err());
        assert!(parse_strs(&["install", "now"]).is_err());
    }
}
