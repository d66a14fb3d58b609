//! The subjects webhook-ingest's follow-up messages go to: the product, the same with
//! `LOG_TIMINGS=on`, a `--baseline` build, the floor and the Python peer. The functions' own
//! events are in `mod.rs`; every ratio of the goals is between these rows.

use super::*;

/// The comparison subjects, for `webhook` when it is among the functions measured (the floor
/// always: every function's init is compared with it).
pub(super) fn subjects(
    paths: &Paths,
    bin_dir: &Path,
    webhook: Option<&Function>,
    webhook_env: &[(String, String)],
    follow_ups: &Arc<FollowUps>,
    args: &BenchArgs,
    peer_bin: Option<&Path>,
) -> Vec<Subject> {
    let mut out = Vec::new();
    if let Some(webhook) = webhook {
        out.push(Subject {
            name: "webhook-ingest, follow-up message".to_owned(),
            role: Role::Product,
            program: bin_dir.join(&webhook.bin),
            args: Vec::new(),
            cwd: paths.root.clone(),
            env: webhook_env.to_vec(),
            events: Events::FollowUps(follow_ups.clone()),
            warm: args.warm,
            bootstrap: bootstrap_size(paths, &webhook.bin),
            note: "a new MessageSid each time, signed".to_owned(),
        });
        let mut timed_env = webhook_env.to_vec();
        timed_env.push(("LOG_TIMINGS".to_owned(), "on".to_owned()));
        out.push(Subject {
            name: "webhook-ingest, follow-up message, `LOG_TIMINGS=on`".to_owned(),
            role: Role::Timed,
            program: bin_dir.join(&webhook.bin),
            args: Vec::new(),
            cwd: paths.root.clone(),
            env: timed_env,
            events: Events::FollowUps(follow_ups.clone()),
            warm: args.warm,
            bootstrap: bootstrap_size(paths, &webhook.bin),
            note: "its parts timed inside (below); not compared".to_owned(),
        });
    }
    if let Some(baseline) = args.baseline.as_ref().filter(|_| webhook.is_some()) {
        out.push(Subject {
            name: format!("baseline ({}), follow-up message", baseline.display()),
            role: Role::Baseline,
            program: baseline.clone(),
            args: Vec::new(),
            cwd: paths.root.clone(),
            env: webhook_env.to_vec(),
            events: Events::FollowUps(follow_ups.clone()),
            warm: args.warm,
            bootstrap: "n/a".to_owned(),
            note: "`--baseline`: the same messages".to_owned(),
        });
    }
    out.push(Subject {
        name: "floor (benches/floor)".to_owned(),
        role: Role::Floor,
        program: bin_dir.join("bench-floor"),
        args: Vec::new(),
        cwd: paths.root.clone(),
        env: webhook_env.to_vec(),
        events: Events::FollowUps(follow_ups.clone()),
        warm: args.warm,
        bootstrap: "n/a: not a deployed function".to_owned(),
        note: "answers 200, no request".to_owned(),
    });
    if let Some(peer_bin) = peer_bin {
        out.push(peer_subject(
            paths,
            peer_bin,
            webhook_env,
            follow_ups,
            args.warm,
        ));
    }
    out
}

/// The peer (benches/peer, Python) on the same follow-up messages as webhook-ingest.
pub(super) fn peer_subject(
    paths: &Paths,
    peer_bin: &Path,
    webhook_env: &[(String, String)],
    follow_ups: &Arc<FollowUps>,
    warm: usize,
) -> Subject {
    let mut peer_env = webhook_env.to_vec();
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
    Subject {
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
        warm,
        bootstrap: "n/a: Python".to_owned(),
        note: format!("boto3, twilio, awslambdaric ({})", install::PEER_SPEC),
    }
}
