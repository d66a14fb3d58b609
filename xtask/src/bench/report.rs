//! The bench's table: each subject's row (medians over the rounds), the goals against the floor
//! and the peer, and the split of a warm webhook's time.

use super::*;
/// The figures of one row: medians over the rounds.
#[derive(Debug, Default, Clone)]
pub(super) struct Row {
    pub(super) init: Option<u64>,
    pub(super) init_net: Option<u64>,
    pub(super) first: Option<u64>,
    pub(super) first_net: Option<u64>,
    pub(super) cold: Option<u64>,
    pub(super) cold_net: Option<u64>,
    pub(super) p50: Option<u64>,
    pub(super) p50_net: Option<u64>,
    pub(super) p99: Option<u64>,
    pub(super) p99_net: Option<u64>,
    /// First invoke minus the warm p50 of the same event.
    pub(super) first_gap: Option<i64>,
    /// The same, both net of DynamoDB.
    pub(super) first_gap_net: Option<i64>,
    pub(super) rss_kib: Option<u64>,
    pub(super) init_calls: Option<u64>,
    pub(super) calls_per_invoke: Option<f64>,
    pub(super) failing: Vec<String>,
    /// The events that answered 4xx (`label (status)`) in any round.
    pub(super) refused: Vec<String>,
    pub(super) error: Option<String>,
}

pub(super) fn summarise(subject: &Subject, rounds: &[Round], error: Option<String>) -> Row {
    let each = |f: &dyn Fn(&Round) -> u64| median(rounds.iter().map(|r| Some(f(r))));
    let warm_q = |r: &Round, q: f64, net: bool| {
        let values: Vec<u64> = r
            .warm
            .iter()
            .map(|w| if net { w.net_us() } else { w.total_us })
            .collect();
        quantile(&values, q)
    };
    let gap = |net: bool| {
        let mut gaps: Vec<i64> = rounds
            .iter()
            .map(|r| {
                let first = if net {
                    r.first.net_us()
                } else {
                    r.first.total_us
                };
                first as i64 - quantile(&r.warm_of_first_kind(net), 0.5) as i64
            })
            .collect();
        gaps.sort_unstable();
        gaps.get(gaps.len() / 2).copied()
    };
    let invocations: usize = rounds.iter().map(|r| r.warm.len()).sum();
    let calls: usize = rounds
        .iter()
        .flat_map(|r| &r.warm)
        .map(|w| w.calls.len())
        .sum();
    let mut failing: Vec<String> = rounds
        .iter()
        .flat_map(|r| std::iter::once(&r.first).chain(&r.warm))
        .filter(|w| !w.ok)
        .map(|w| subject.events.label(w.kind))
        .collect();
    failing.sort();
    failing.dedup();
    // Every start's init: each round's own and the ones that stopped there.
    let inits: Vec<(u64, u64)> = rounds
        .iter()
        .flat_map(|r| {
            std::iter::once((r.init_us, r.init_ddb_us)).chain(r.more_inits.iter().copied())
        })
        .collect();
    // The events refused (4xx) in any round, each with its status: such a row measures
    // refusals as well as work.
    let mut refused: Vec<String> = rounds
        .iter()
        .flat_map(|r| std::iter::once(&r.first).chain(&r.warm))
        .filter_map(|w| {
            let status = w.status.filter(|s| (400..500).contains(s))?;
            Some(format!("{} ({status})", subject.events.label(w.kind)))
        })
        .collect();
    refused.sort();
    refused.dedup();
    Row {
        init: median(inits.iter().map(|&(init, _)| Some(init))),
        init_net: median(
            inits
                .iter()
                .map(|&(init, ddb)| Some(init.saturating_sub(ddb))),
        ),
        first: each(&|r| r.first.total_us),
        first_net: each(&|r| r.first.net_us()),
        cold: each(&|r| r.cold_us),
        cold_net: each(&|r| r.cold_us.saturating_sub(r.cold_ddb_us)),
        p50: each(&|r| warm_q(r, 0.5, false)),
        p50_net: each(&|r| warm_q(r, 0.5, true)),
        p99: each(&|r| warm_q(r, 0.99, false)),
        p99_net: each(&|r| warm_q(r, 0.99, true)),
        first_gap: gap(false),
        first_gap_net: gap(true),
        rss_kib: median(rounds.iter().map(|r| r.rss_kib)),
        init_calls: each(&|r| r.init_calls as u64),
        calls_per_invoke: (invocations > 0).then(|| calls as f64 / invocations as f64),
        failing,
        refused,
        error,
    }
}

pub(super) fn cell(total: Option<u64>, net: Option<u64>) -> String {
    match (total, net) {
        (Some(t), Some(n)) => format!("{} / {}", ms(t), ms(n)),
        (Some(t), None) => ms(t),
        _ => "–".to_owned(),
    }
}

/// `+1.25` or `−0.40` (ms).
pub(super) fn signed_ms(micros: i64) -> String {
    format!(
        "{}{}",
        if micros < 0 { "−" } else { "+" },
        ms(micros.unsigned_abs())
    )
}

pub(super) fn ratio(slow: Option<u64>, fast: Option<u64>) -> Option<f64> {
    match (slow, fast) {
        (Some(s), Some(f)) if f > 0 => Some(s as f64 / f as f64),
        _ => None,
    }
}

pub(super) fn render(
    args: &BenchArgs,
    subjects: &[Subject],
    rows: &[Row],
    results: &[(Vec<Round>, Option<String>)],
    unbuilt: &[(String, String)],
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "## `cargo xtask bench`\n\n{} ({} cores), `{}` profile, {} interleaved rounds, median of the rounds (init: of every start, five a round); \
         times in ms as `total / net of DynamoDB` (net: minus the time inside DynamoDB Local \
         requests, measured at the counting proxy).\n\n",
        machine(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.profile,
        args.rounds
    ));
    out.push_str(
        "| subject | arm64 bootstrap | init | first invoke | first − warm p50 | cold start | warm p50 | warm p99 | peak RSS | DynamoDB requests per invoke (init) | notes |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (subject, row) in subjects.iter().zip(rows) {
        if let (Some(error), None) = (&row.error, row.init) {
            out.push_str(&format!(
                "| {} | {} | – | – | – | – | – | – | – | – | cannot run: {} |\n",
                subject.name,
                subject.bootstrap,
                error.replace('|', "\\|")
            ));
            continue;
        }
        let mut note = subject.note.clone();
        if !row.failing.is_empty() {
            note.push_str(&format!("; error or 5xx: {}", row.failing.join(", ")));
        }
        if !row.refused.is_empty() {
            note.push_str(&format!("; 4xx: {}", row.refused.join(", ")));
        }
        if let Some(error) = &row.error {
            note.push_str(&format!("; stopped: {}", error.replace('|', "\\|")));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} |\n",
            subject.name,
            subject.bootstrap,
            cell(row.init, row.init_net),
            cell(row.first, row.first_net),
            match (row.first_gap, row.first_gap_net) {
                (Some(g), Some(n)) => format!("{} / {}", signed_ms(g), signed_ms(n)),
                _ => "–".to_owned(),
            },
            cell(row.cold, row.cold_net),
            cell(row.p50, row.p50_net),
            cell(row.p99, row.p99_net),
            row.rss_kib
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "–".to_owned()),
            row.calls_per_invoke
                .map(|c| format!("{c:.2}"))
                .unwrap_or_else(|| "–".to_owned()),
            row.init_calls.map_or("–".to_owned(), |c| c.to_string()),
            note.replace('\n', " ")
        ));
    }
    for (name, why) in unbuilt {
        out.push_str(&format!(
            "| {name} | – | – | – | – | – | – | – | – | – | cannot run: {} |\n",
            why.replace('|', "\\|")
        ));
    }
    out.push_str(&goals(subjects, rows));
    out.push_str(&super::inside::split(subjects, results));
    out.push_str(&super::inside::table(subjects, results));
    out
}

pub(super) fn row_of<'a>(subjects: &[Subject], rows: &'a [Row], role: Role) -> Option<&'a Row> {
    subjects
        .iter()
        .zip(rows)
        .find(|(s, _)| s.role == role)
        .map(|(_, r)| r)
}

pub(super) fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

pub(super) fn goals(subjects: &[Subject], rows: &[Row]) -> String {
    let mut out = String::from("\n### Goals\n\n| goal | measured | |\n| --- | --- | --- |\n");
    let mut line = |goal: &str, measured: String, met: Option<bool>| {
        out.push_str(&format!(
            "| {goal} | {measured} | {} |\n",
            met.map_or("n/a", verdict)
        ));
    };
    let fmt = |r: Option<f64>| r.map_or("–".to_owned(), |r| format!("{r:.1}×"));
    // The peer's goals need the follow-up row and the peer (with webhook-ingest, even under
    // `--only`); each function's own goals need only itself and the floor.
    match (
        row_of(subjects, rows, Role::Product),
        row_of(subjects, rows, Role::Peer),
    ) {
        (Some(product), Some(peer)) => {
            // Each goal: its figure in total and net of DynamoDB, and how many times faster
            // than the peer's the product's must be.
            type Figure = fn(&Row) -> Option<u64>;
            let peer_goals: [(&str, Figure, Figure, f64); 3] = [
                (
                    "cold start (spawn to first response) ≥ 15× faster than the peer",
                    |r| r.cold,
                    |r| r.cold_net,
                    15.0,
                ),
                (
                    "warm p50 ≥ 1.2× faster than the peer",
                    |r| r.p50,
                    |r| r.p50_net,
                    1.2,
                ),
                (
                    "warm p99 no worse than the peer's",
                    |r| r.p99,
                    |r| r.p99_net,
                    1.0,
                ),
            ];
            for (goal, total, net, times) in peer_goals {
                let r = ratio(total(peer), total(product));
                line(
                    goal,
                    format!(
                        "{} (net of DynamoDB {}): {} ms against {} ms",
                        fmt(r),
                        fmt(ratio(net(peer), net(product))),
                        total(product).map_or("–".into(), ms),
                        total(peer).map_or("–".into(), ms)
                    ),
                    r.map(|r| r >= times),
                );
            }
        }
        _ => line(
            "the peer's goals (cold start, warm p50 and p99)",
            "not measured: webhook-ingest's follow-up row or the peer did not run".to_owned(),
            None,
        ),
    }
    let floor = row_of(subjects, rows, Role::Floor);
    for (subject, row) in subjects.iter().zip(rows) {
        if !matches!(
            subject.role,
            Role::Function | Role::Product | Role::Baseline
        ) {
            continue;
        }
        if let (Some(gap), Some(net)) = (row.first_gap, row.first_gap_net) {
            line(
                &format!("{}: first invoke within 1 ms of warm p50", subject.name),
                format!(
                    "{} ms (net of DynamoDB {} ms: {})",
                    signed_ms(gap),
                    signed_ms(net),
                    verdict(net <= 1000)
                ),
                Some(gap <= 1000),
            );
        }
    }
    for (subject, row) in subjects.iter().zip(rows) {
        if subject.role != Role::Function {
            continue;
        }
        let floor_init = floor.and_then(|f| f.init);
        let r = ratio(row.init, floor_init);
        line(
            &format!("{}: init within 1.1× the floor", subject.name),
            format!(
                "{} ({} ms against {} ms)",
                r.map_or("–".into(), |r| format!("{r:.2}×")),
                row.init.map_or("–".into(), ms),
                floor_init.map_or("–".into(), ms)
            ),
            r.map(|r| r <= 1.1),
        );
    }
    out
}

pub(super) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    format!("{cpu}, {}", std::env::consts::ARCH)
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
