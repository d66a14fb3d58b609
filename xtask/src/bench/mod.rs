//! `cargo xtask bench`: every function under `functions/` (found when it runs), the floor
//! (`benches/floor`) and the peer (`benches/peer`, Python), cold and warm, through a Lambda
//! Runtime API emulator of our own, on DynamoDB Local behind a counting proxy and moto. Rounds
//! run interleaved (each round starts every subject once, in a rotated order) and each figure
//! is the median of the rounds. Then the push path and the console in Chromium, and the load
//! driver's throughput. One markdown table, printed and written to `target/bench/latest.md`.
//!
//! Not part of `cargo xtask test` (which only compiles it).

mod binaries;
mod comparisons;
mod extras;
mod fixture;
mod http;
mod inside;
mod local_api;
mod measure;
mod parts;
mod proxy;
mod report;
mod runtime;
mod sign;
mod stats;
mod stubs;
mod subjects;

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
use stubs::LocalParts;

use binaries::{bootstrap_size, build};
use measure::*;
use report::*;
pub use subjects::discover_functions;
use subjects::*;

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
    /// `--only`: the functions to measure (all when empty). The floor always runs; the peer
    /// and the follow-up row only with `webhook-ingest`.
    pub only: Vec<String>,
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
            only: Vec::new(),
        }
    }
}

/// The business number, customer and token of `events/webhook-ingest.inbound-text.json`.
const FOLLOW_UP_EVENT: &str = "webhook-ingest.inbound-text";
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
const INIT_TIMEOUT: Duration = Duration::from_secs(30);

pub fn bench(paths: &Paths, args: &BenchArgs) -> Result<(), Error> {
    let started = Instant::now();
    let tools = install::install(paths)?;
    let functions = only(discover_functions(&paths.root)?, &args.only)?;
    // The follow-up row, the peer and the baseline are webhook-ingest's comparisons.
    let with_webhook = functions.iter().any(|f| f.bin == "webhook-ingest");
    let peer_bin = if with_webhook {
        Some(install::install_peer(paths)?)
    } else {
        None
    };
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
    let mut runtime = RuntimeApi::start()?;

    let env_json = std::fs::read_to_string(paths.root.join("events/env.json"))
        .map_err(|e| format!("events/env.json: {e}"))?;
    let env_sections = parse_env_json(&env_json);
    // The stub checks the functions' Basic credentials: the token events/env.json gives them.
    let twilio_token = env_sections
        .values()
        .flatten()
        .find(|(k, _)| k == "TWILIO_AUTH_TOKEN")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let parts = LocalParts::start(paths, &bin_dir, &emulators, &tools.venv_bin, &twilio_token)?;
    let fixture = fixture::Fixture::create(
        &bin_dir,
        &emulators,
        &tools.venv_bin,
        &table,
        &twilio_token,
        parts.twilio_base(),
    )?;
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
        parts.environment(function, &mut env);
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
        let env = base_env(&function.bin);
        let own = fixture.events(&function.bin, function_events(&paths.root, &function.bin));
        let events = match parts.events(&env, own) {
            Ok(events) => events,
            Err(e) => {
                unbuilt.push((function.bin.clone(), e));
                continue;
            }
        };
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
            env,
            events: Events::Files(events),
            warm: (2 * count).max(30),
            bootstrap: bootstrap_size(paths, &function.bin),
            note: format!("{count} events from `events/`{built}"),
        });
    }
    subjects.extend(comparisons::subjects(
        paths,
        &bin_dir,
        functions.iter().find(|f| f.bin == "webhook-ingest"),
        &webhook_env,
        &follow_ups,
        args,
        peer_bin.as_deref(),
    ));

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
    // local-api's stub and the emulators would only take CPU from the figures that follow.
    drop(parts);
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
    fn only_an_http_answer_has_a_status() {
        assert_eq!(status(r#"{"statusCode": 409, "body": "{}"}"#), Some(409));
        assert_eq!(status(r#"{"batchItemFailures": []}"#), None);
        assert_eq!(status("null"), None);
    }

    #[test]
    fn a_5xx_an_error_answer_or_records_handed_back_count_as_a_failure() {
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
        assert!(answered_ok(&outcome(true, r#"{"batchItemFailures":[]}"#)));
        assert!(!answered_ok(&outcome(
            true,
            r#"{"batchItemFailures":[{"itemIdentifier":"1"}]}"#
        )));
    }
}
