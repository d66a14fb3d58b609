//! Where a webhook's time goes inside the function: the `close` lines webhook-ingest prints with
//! `LOG_TIMINGS=on` (shared/src/logging), one per timed part as it ends, read back per
//! invocation.

use serde_json::Value;

use super::report::{Part, at_the_proxy};
use super::stats::{ms, quantile};
use super::subjects::{Invocation, Role, Round, Subject};

/// The span lambda_runtime opens around each invocation (the handler and posting its answer):
/// its close ends an invocation's lines.
pub(super) const INVOCATION_SPAN: &str = "Lambda runtime invoke";

/// One timed part of one invocation: its span's name and its time open (busy + idle), in µs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Timing {
    pub(super) name: String,
    pub(super) micros: u64,
}

/// `"1.23ms"`, `"456µs"`, `"12.3ns"`, `"1.5s"` (tracing-subscriber's span timings) in µs.
pub(super) fn micros(text: &str) -> Option<f64> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ns") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("µs").or_else(|| text.strip_suffix("us")) {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1_000.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000_000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * scale)
}

/// A `close` line as a part; any other line is `None`.
pub(super) fn part(line: &str) -> Option<Timing> {
    // Most lines are the function's own logs: skip them before parsing.
    if !line.contains(r#""message":"close""#) {
        return None;
    }
    let line: Value = serde_json::from_str(line).ok()?;
    if line["message"] != "close" {
        return None;
    }
    let name = line["span"]["name"].as_str()?.to_owned();
    let busy = micros(line["time.busy"].as_str()?)?;
    let idle = micros(line["time.idle"].as_str()?)?;
    Some(Timing {
        name,
        micros: (busy + idle).round() as u64,
    })
}

/// Collects the parts of a running function's output, an invocation at a time.
#[derive(Debug, Default)]
pub(super) struct Invocations {
    pending: Vec<Timing>,
    done: Vec<Vec<Timing>>,
}

impl Invocations {
    /// One line of output; a part of the invocation's own span closes the invocation.
    pub(super) fn line(&mut self, line: &str) {
        if let Some(part) = part(line) {
            let last = part.name == INVOCATION_SPAN;
            self.pending.push(part);
            if last {
                self.done.push(std::mem::take(&mut self.pending));
            }
        }
    }

    pub(super) fn count(&self) -> usize {
        self.done.len()
    }

    pub(super) fn take(&mut self) -> Vec<Vec<Timing>> {
        std::mem::take(&mut self.done)
    }
}

/// The time of the parts named `name` in one invocation, added up (a part may repeat), or
/// `None` when there is none.
pub(super) fn total(parts: &[Timing], name: &str) -> Option<u64> {
    let mut found = parts.iter().filter(|p| p.name == name).peekable();
    found.peek()?;
    Some(found.map(|p| p.micros).sum())
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
pub(super) fn inside(subjects: &[Subject], results: &[(Vec<Round>, Option<String>)]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracing_s_timings_are_read_in_every_unit() {
        assert_eq!(micros("1.50ms"), Some(1_500.0));
        assert_eq!(micros("456µs"), Some(456.0));
        assert_eq!(micros("250ns"), Some(0.25));
        assert_eq!(micros("1.2s"), Some(1_200_000.0));
        assert_eq!(micros("fast"), None);
    }

    fn close(name: &str, busy: &str, idle: &str) -> String {
        format!(
            r#"{{"timestamp":"t","level":"INFO","message":"close","time.busy":"{busy}","time.idle":"{idle}","span":{{"name":"{name}"}},"spans":[]}}"#
        )
    }

    #[test]
    fn close_lines_are_grouped_by_invocation_and_other_lines_are_skipped() {
        let mut invocations = Invocations::default();
        invocations.line(&close("verify", "20µs", "1µs"));
        invocations.line(r#"{"level":"INFO","message":"inbound message"}"#);
        invocations.line("not json");
        invocations.line(&close("DynamoDB.GetItem", "100µs", "0.9ms"));
        invocations.line(&close("DynamoDB.GetItem", "100µs", "0.9ms"));
        invocations.line(&close(INVOCATION_SPAN, "1ms", "2ms"));
        invocations.line(&close("verify", "30µs", "0ns"));
        assert_eq!(invocations.count(), 1, "the second is not over yet");
        invocations.line(&close(INVOCATION_SPAN, "1ms", "0ns"));
        let done = invocations.take();
        assert_eq!(done.len(), 2);
        assert_eq!(total(&done[0], "verify"), Some(21));
        assert_eq!(total(&done[0], "DynamoDB.GetItem"), Some(2_000));
        assert_eq!(total(&done[0], INVOCATION_SPAN), Some(3_000));
        assert_eq!(total(&done[0], "store"), None);
        assert_eq!(total(&done[1], "verify"), Some(30));
    }
}
