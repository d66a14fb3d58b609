//! Where a webhook's time goes inside the function: the `close` lines webhook-ingest prints with
//! `LOG_TIMINGS=on` (shared/src/logging), one per timed part as it ends, read back per
//! invocation.

use serde_json::Value;

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
