//! Where a follow-up message's warm time goes, at p50, p99 and over the slowest 1 %: split at
//! the counting proxy for the product, the peer and the floor alike ([`split`]), and inside
//! webhook-ingest from its `LOG_TIMINGS=on` lines, read by `parts.rs` ([`table`]).

use super::parts::{INVOCATION_SPAN, total};
use super::stats::{ms, quantile};
use super::subjects::{Invocation, Part, Role, Round, Subject, at_the_proxy};

/// Where a follow-up message's time goes, at p50 and p99, the product beside the peer.
pub(super) fn split(subjects: &[Subject], results: &[(Vec<Round>, Option<String>)]) -> String {
    let mut out = String::from(
        "\n### Where a follow-up message's warm time goes (every round's warm invocations)\n\n\
         | part | product p50 | product p99 | peer p50 | peer p99 | floor p50 | floor p99 |",
    );
    let with_baseline = subjects.iter().any(|s| s.role == Role::Baseline);
    if with_baseline {
        out.push_str(" baseline p50 | baseline p99 |");
    }
    out.push_str("\n| --- | --- | --- | --- | --- | --- | --- |");
    if with_baseline {
        out.push_str(" --- | --- |");
    }
    out.push('\n');
    let pooled = |role: Role| -> Vec<Invocation> {
        subjects
            .iter()
            .zip(results)
            .filter(|(s, _)| s.role == role)
            .flat_map(|(_, (rounds, _))| rounds.iter().flat_map(|r| r.warm.clone()))
            .collect()
    };
    let mut columns = vec![
        pooled(Role::Product),
        pooled(Role::Peer),
        pooled(Role::Floor),
    ];
    if with_baseline {
        columns.push(pooled(Role::Baseline));
    }
    let mut operations: Vec<String> = columns
        .iter()
        .flatten()
        .flat_map(|w| w.calls.iter().map(|(op, _)| op.clone()))
        .collect();
    operations.sort();
    operations.dedup();
    let mut parts: Vec<(String, Part)> = vec![(
        "whole invocation (runtime API to runtime API)".to_owned(),
        Box::new(|w: &Invocation| Some(w.total_us)),
    )];
    for op in operations {
        let name = op.clone();
        parts.push((
            format!("DynamoDB {op} (at the proxy)"),
            Box::new(move |w: &Invocation| at_the_proxy(w, &name)),
        ));
    }
    parts.push((
        "all DynamoDB requests".to_owned(),
        Box::new(|w: &Invocation| Some(w.ddb_us)),
    ));
    parts.push((
        "the rest: the function's own work, its SDK and HTTP client, the runtime API".to_owned(),
        Box::new(|w: &Invocation| Some(w.net_us())),
    ));
    for (label, part) in &parts {
        let mut line = format!("| {label} |");
        for column in &columns {
            let values: Vec<u64> = column.iter().filter_map(part).collect();
            if values.is_empty() {
                line.push_str(" – | – |");
            } else {
                line.push_str(&format!(
                    " {} | {} |",
                    ms(quantile(&values, 0.5)),
                    ms(quantile(&values, 0.99))
                ));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    // The slowest 1 %: what made them slow.
    out.push_str("\nThe slowest 1 % of warm invocations, on average:\n\n");
    for (name, column) in ["product", "peer", "floor", "baseline"]
        .iter()
        .zip(&columns)
    {
        if *name == "floor" {
            continue;
        }
        if column.is_empty() {
            continue;
        }
        let threshold = quantile(&column.iter().map(|w| w.total_us).collect::<Vec<_>>(), 0.99);
        let slow: Vec<&Invocation> = column.iter().filter(|w| w.total_us >= threshold).collect();
        let n = slow.len().max(1) as u64;
        let total: u64 = slow.iter().map(|w| w.total_us).sum::<u64>() / n;
        let ddb: u64 = slow.iter().map(|w| w.ddb_us).sum::<u64>() / n;
        out.push_str(&format!(
            "- {name}: {} invocations ≥ {} ms: {} ms, of which DynamoDB {} ms and the rest {} ms\n",
            slow.len(),
            ms(threshold),
            ms(total),
            ms(ddb),
            ms(total.saturating_sub(ddb))
        ));
    }
    out
}

/// The time of the parts named `name` in an invocation.
fn span(w: &Invocation, name: &str) -> Option<u64> {
    total(&w.timings, name)
}

/// The DynamoDB calls as the SDK saw them, added up.
fn sdk(w: &Invocation) -> u64 {
    w.timings
        .iter()
        .filter(|t| t.name.starts_with("DynamoDB."))
        .map(|t| t.micros)
        .sum()
}

/// The invocation's own span less the handler's steps: lambda_http and the runtime.
fn own(w: &Invocation) -> Option<u64> {
    let whole = span(w, INVOCATION_SPAN)?;
    let steps: u64 = ["verify", "parse", "store", "report"]
        .iter()
        .filter_map(|name| span(w, name))
        .sum();
    Some(whole.saturating_sub(steps))
}

/// Inside webhook-ingest: its own timings of each part (`LOG_TIMINGS=on`, a subject of its own
/// in the same rounds, so the other rows are not measured with the extra lines), at p50 and
/// p99, and the mean of the slowest 1 %.
pub(super) fn table(subjects: &[Subject], results: &[(Vec<Round>, Option<String>)]) -> String {
    let warm: Vec<&Invocation> = subjects
        .iter()
        .zip(results)
        .filter(|(s, _)| s.role == Role::Timed)
        .flat_map(|(_, (rounds, _))| rounds.iter().flat_map(|r| r.warm.iter()))
        .filter(|w| !w.timings.is_empty())
        .collect();
    if warm.is_empty() {
        return String::new();
    }
    let mut operations: Vec<String> = warm
        .iter()
        .flat_map(|w| w.calls.iter().map(|(op, _)| op.clone()))
        .collect();
    operations.sort();
    operations.dedup();
    let mut rows: Vec<(String, Part)> = vec![
        (
            "whole invocation (runtime API to runtime API)".to_owned(),
            Box::new(|w: &Invocation| Some(w.total_us)),
        ),
        (
            "… inside the function: the event to the answer posted and acknowledged \
             (`Lambda runtime invoke`)"
                .to_owned(),
            Box::new(move |w: &Invocation| span(w, INVOCATION_SPAN)),
        ),
        (
            "    `verify`: the form and its signature".to_owned(),
            Box::new(move |w: &Invocation| span(w, "verify")),
        ),
        (
            "    `parse`: the message".to_owned(),
            Box::new(move |w: &Invocation| span(w, "parse")),
        ),
        (
            "    `store`: the session and the message".to_owned(),
            Box::new(move |w: &Invocation| span(w, "store")),
        ),
    ];
    for op in operations {
        let client = format!("DynamoDB.{op}");
        rows.push((
            format!("        DynamoDB {op}, as the SDK sees it"),
            Box::new(move |w: &Invocation| span(w, &client)),
        ));
        let name = op.clone();
        rows.push((
            format!("        DynamoDB {op}, at the proxy (DynamoDB Local)"),
            Box::new(move |w: &Invocation| at_the_proxy(w, &name)),
        ));
    }
    rows.extend([
        (
            "        the SDK and its HTTP client (SDK's view − proxy's)".to_owned(),
            Box::new(move |w: &Invocation| Some(sdk(w).saturating_sub(w.ddb_us))) as Part,
        ),
        (
            "        our code between the calls (`store` − SDK's view)".to_owned(),
            Box::new(move |w: &Invocation| span(w, "store").map(|s| s.saturating_sub(sdk(w)))),
        ),
        (
            "    `report`: metrics (EMF) and the log line".to_owned(),
            Box::new(move |w: &Invocation| span(w, "report")),
        ),
        (
            "    lambda_http and the runtime: the event in, the answer posted to the Runtime API"
                .to_owned(),
            Box::new(own),
        ),
    ]);
    let totals: Vec<u64> = warm.iter().map(|w| w.total_us).collect();
    let threshold = quantile(&totals, 0.99);
    let slowest: Vec<&&Invocation> = warm.iter().filter(|w| w.total_us >= threshold).collect();
    let mut out = format!(
        "\n### Inside webhook-ingest: its own timings (`LOG_TIMINGS=on`), follow-up messages\n\n\
         {} warm invocations of a subject of its own, in the same rounds (the extra log lines \
         are not in the other rows). Parts are timed separately, so their p99s do not add up; \
         the last column is the mean of each part over the slowest 1 % ({} invocations ≥ {} \
         ms).\n\n| part | p50 | p99 | slowest 1 % |\n| --- | --- | --- | --- |\n",
        warm.len(),
        slowest.len(),
        ms(threshold)
    );
    for (label, part) in &rows {
        let values: Vec<u64> = warm.iter().filter_map(|w| part(w)).collect();
        let slow: Vec<u64> = slowest.iter().filter_map(|w| part(w)).collect();
        if values.is_empty() {
            continue;
        }
        let mean = slow.iter().sum::<u64>() / slow.len().max(1) as u64;
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            label.replace("    ", "&nbsp;&nbsp;"),
            ms(quantile(&values, 0.5)),
            ms(quantile(&values, 0.99)),
            if slow.is_empty() {
                "–".to_owned()
            } else {
                ms(mean)
            }
        ));
    }
    out
}
