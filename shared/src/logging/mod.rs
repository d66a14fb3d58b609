//! Logs: Lambda's advanced logging controls (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`),
//! one JSON line per event, and nothing personal at any level.
//!
//! `lambda_runtime`'s own `init_default_subscriber` reads the same variables, but applies the
//! level to every crate: at DEBUG the AWS SDK prints its errors with `Debug` (a failed
//! conditional write carries the old item: a customer's number, name and words), and at TRACE
//! the runtime prints the raw event. Here the level applies to this workspace's crates only;
//! the dependencies stay at INFO at most (the runtime at DEBUG at most).
//!
//! Our own events log ids (request id from the runtime's span, conversation id, message SID),
//! states and masked numbers ([`crate::domain::mask_number`]); never a body, location, profile
//! name, full number, token or signature, and errors only through [`chain`] (`Display` of the
//! error and its sources, never `Debug`).
//!
//! `LOG_TIMINGS=on` adds one line per timed part of each request as it ends (`"message":"close"`
//! with `time.busy` and `time.idle`): the runtime's whole invocation, each AWS SDK call
//! (`DynamoDB.GetItem`, …) and the parts a handler marks with [`timed`]. Only spans are added:
//! the dependencies' events stay at INFO at most. In that mode each line lists its spans
//! (`"spans"`, the runtime's with `requestId` first). `cargo xtask bench` reads these lines to
//! split a webhook's time (docs/performance.md).

use std::error::Error;
use std::fmt;
use std::io;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use lambda_http::tracing::subscriber::filter::{FilterExt, LevelFilter, filter_fn};
use lambda_http::tracing::subscriber::fmt::MakeWriter;
use lambda_http::tracing::subscriber::fmt::format::FmtSpan;
use lambda_http::tracing::subscriber::layer::SubscriberExt;
use lambda_http::tracing::subscriber::{EnvFilter, Layer, Registry, fmt as tfmt};
use lambda_http::tracing::{Metadata, Subscriber};

use crate::ports::StoreError;

#[cfg(feature = "testing")]
pub mod testing;

/// The crates whose events follow `AWS_LAMBDA_LOG_LEVEL`.
const OWN_CRATES: &[&str] = &[
    "whatsapp_channel",
    "webhook_ingest",
    "send_reply",
    "notify_agent",
    "agent_api",
    "agent_console",
    "live_authorizer",
    "live_connections",
    "window_deadlines",
    "routing_timers",
];

/// How to log, from Lambda's variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSettings {
    pub json: bool,
    pub level: LevelFilter,
    /// `LOG_TIMINGS=on`: a line with the time of each timed part of a request.
    pub timings: bool,
}

/// The target of the spans [`timed`] opens: enabled only with `LOG_TIMINGS=on`.
pub const TIMINGS: &str = "timings";

/// A part of a request whose time `LOG_TIMINGS=on` logs (`"span":{"name":…}` with
/// `time.busy`). Without it the span is disabled: nothing is recorded or printed.
#[macro_export]
macro_rules! timed {
    ($name:literal) => {
        ::tracing::debug_span!(target: "timings", $name)
    };
}
pub use timed;

impl LogSettings {
    /// `AWS_LAMBDA_LOG_FORMAT` (`JSON` or text) and `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG` as a
    /// plain level, else INFO), as Lambda sets them from the function's logging configuration.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            timings: var("LOG_TIMINGS").is_some_and(|v| {
                ["on", "true", "1"]
                    .iter()
                    .any(|on| v.trim().eq_ignore_ascii_case(on))
            }),
            ..Self::from_values(
                var("AWS_LAMBDA_LOG_FORMAT").as_deref(),
                var("AWS_LAMBDA_LOG_LEVEL")
                    .or_else(|| var("RUST_LOG"))
                    .as_deref(),
            )
        }
    }

    pub fn from_values(format: Option<&str>, level: Option<&str>) -> Self {
        Self {
            json: format.is_some_and(|f| f.eq_ignore_ascii_case("json")),
            level: level
                .and_then(|l| LevelFilter::from_str(l).ok())
                .unwrap_or(LevelFilter::INFO),
            timings: false,
        }
    }

    /// JSON at `level`: what the tests capture.
    pub fn json(level: LevelFilter) -> Self {
        Self {
            json: true,
            level,
            timings: false,
        }
    }

    /// Our crates at the level; every dependency at INFO at most, the runtime at DEBUG at most.
    pub fn filter(&self) -> EnvFilter {
        let own = self.level;
        let mut directives = vec![own.min(LevelFilter::INFO).to_string()];
        directives.extend(OWN_CRATES.iter().map(|c| format!("{c}={own}")));
        directives.push(format!("lambda_runtime={}", own.min(LevelFilter::DEBUG)));
        EnvFilter::builder().parse_lossy(directives.join(","))
    }
}

/// The subscriber for these settings, writing to `writer`.
pub fn subscriber<W>(settings: LogSettings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    if settings.timings {
        return with_timings(settings, writer);
    }
    let builder = lambda_http::tracing::subscriber::fmt()
        .with_target(false)
        .with_env_filter(settings.filter())
        .with_writer(writer);
    if settings.json {
        // Lambda's JSON shape: level, message and fields at the top, the runtime's span (with
        // `requestId`) beside them.
        Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        )
    } else {
        Box::new(builder.without_time().finish())
    }
}

/// A span `LOG_TIMINGS=on` times: an AWS SDK operation's (DEBUG, target `aws_sdk_*`) or one of
/// ours ([`timed`]). Spans only: the dependencies' events stay filtered as always.
fn timed_span(metadata: &Metadata<'_>) -> bool {
    metadata.is_span()
        && (metadata.target() == TIMINGS || metadata.target().starts_with("aws_sdk_"))
}

/// The subscriber with `LOG_TIMINGS=on`: the usual filter, plus the timed spans, each logged
/// when it closes; every line lists its spans, so the runtime's `requestId` stays on each.
fn with_timings<W>(settings: LogSettings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = settings.filter().or(filter_fn(timed_span));
    let layer = tfmt::layer()
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(writer);
    if settings.json {
        let layer = layer
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true);
        Box::new(Registry::default().with(layer.with_filter(filter)))
    } else {
        Box::new(Registry::default().with(layer.without_time().with_filter(filter)))
    }
}

/// Installs the subscriber for the function's environment, writing to stdout. Call once, first
/// thing in `main`.
pub fn init() {
    let subscriber = subscriber(LogSettings::from_env(), io::stdout);
    // A second call (tests) keeps the first subscriber.
    let _ = lambda_http::tracing::subscriber::util::SubscriberInitExt::try_init(subscriber);
}

/// An error for a log line: its `Display` and its sources' `Display`, joined by `: `. Never
/// `Debug`, which for an AWS SDK error includes the raw response (items, with customers' data).
/// A store's "could not read an item" stays generic: the decoder's message may quote a value.
pub struct ErrorChain<'a>(&'a (dyn Error + 'static));

pub fn chain<'a>(error: &'a (dyn Error + 'static)) -> ErrorChain<'a> {
    ErrorChain(error)
}

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut current = Some(self.0);
        let mut first = true;
        while let Some(error) = current {
            if !first {
                f.write_str(": ")?;
            }
            first = false;
            if let Some(StoreError::Corrupt(_)) = error.downcast_ref::<StoreError>() {
                return f.write_str("a stored item could not be read");
            }
            write!(f, "{error}")?;
            current = error.source();
        }
        Ok(())
    }
}

/// Log output kept in memory, for tests that read what was printed.
#[derive(Debug, Default, Clone)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }
}

impl io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_s_variables_choose_the_format_and_the_level() {
        let s = LogSettings::from_values(Some("JSON"), Some("DEBUG"));
        assert!(s.json);
        assert_eq!(s.level, LevelFilter::DEBUG);
        let s = LogSettings::from_values(Some("Text"), None);
        assert!(!s.json);
        assert_eq!(s.level, LevelFilter::INFO);
        let s = LogSettings::from_values(None, Some("not a level"));
        assert_eq!(s.level, LevelFilter::INFO);
    }

    #[test]
    fn dependencies_never_log_below_info_whatever_the_level() {
        let text = LogSettings::from_values(Some("JSON"), Some("TRACE"))
            .filter()
            .to_string();
        assert!(text.contains("whatsapp_channel=trace"), "{text}");
        assert!(text.contains("lambda_runtime=debug"), "{text}");
        assert!(text.split(',').any(|d| d == "info"), "{text}");
        let quiet = LogSettings::from_values(None, Some("WARN"))
            .filter()
            .to_string();
        assert!(quiet.split(',').any(|d| d == "warn"), "{quiet}");
    }

    #[test]
    fn a_debug_event_of_a_dependency_is_not_printed_and_ours_is() {
        let buffer = LogBuffer::default();
        let _guard = lambda_http::tracing::subscriber::util::SubscriberInitExt::set_default(
            subscriber(LogSettings::json(LevelFilter::DEBUG), buffer.clone()),
        );
        lambda_http::tracing::debug!(target: "aws_smithy_runtime::client", "raw response");
        lambda_http::tracing::debug!(message_sid = "SM1", "ours");
        let lines = buffer.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["level"], "DEBUG");
        assert_eq!(line["message"], "ours");
        assert_eq!(line["message_sid"], "SM1");
    }

    #[test]
    fn log_timings_is_read_as_a_switch() {
        let settings = |value: &str| {
            // SAFETY: the variable is read by this test only.
            unsafe { std::env::set_var("LOG_TIMINGS", value) };
            LogSettings::from_env().timings
        };
        assert!(settings("on") && settings("TRUE") && settings("1"));
        assert!(!settings("off") && !settings(""));
        unsafe { std::env::remove_var("LOG_TIMINGS") };
    }

    /// Lines of the JSON subscriber after one request: the runtime's span, a timed part inside
    /// it with an event, and an SDK call (DEBUG span and DEBUG event of `aws_sdk_dynamodb`).
    fn one_request(timings: bool) -> Vec<serde_json::Value> {
        let buffer = LogBuffer::default();
        let settings = LogSettings {
            timings,
            ..LogSettings::json(LevelFilter::INFO)
        };
        {
            let _guard = lambda_http::tracing::subscriber::util::SubscriberInitExt::set_default(
                subscriber(settings, buffer.clone()),
            );
            let runtime =
                lambda_http::tracing::info_span!("Lambda runtime invoke", requestId = "r-1");
            let _in_runtime = runtime.enter();
            {
                let _verify = timed!("verify").entered();
                lambda_http::tracing::info!("inside");
            }
            let call = lambda_http::tracing::debug_span!(target: "aws_sdk_dynamodb::operation::get_item", "DynamoDB.GetItem");
            let _in_call = call.enter();
            lambda_http::tracing::debug!(target: "aws_sdk_dynamodb::operation::get_item", "item body");
        }
        buffer
            .lines()
            .iter()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    #[test]
    fn with_log_timings_each_timed_part_and_sdk_call_logs_its_time_when_it_closes() {
        let lines = one_request(true);
        let closed: Vec<&str> = lines
            .iter()
            .filter(|l| l["message"] == "close")
            .filter_map(|l| l["span"]["name"].as_str())
            .collect();
        assert_eq!(
            closed,
            ["verify", "DynamoDB.GetItem", "Lambda runtime invoke"],
            "{lines:?}"
        );
        for line in lines.iter().filter(|l| l["message"] == "close") {
            assert!(line["time.busy"].is_string(), "{line}");
            assert!(line["time.idle"].is_string(), "{line}");
        }
        // Our event inside a timed part keeps the runtime's requestId in its list of spans.
        let inside = lines
            .iter()
            .find(|l| l["message"] == "inside")
            .expect("our event");
        assert_eq!(inside["spans"][0]["requestId"], "r-1", "{inside}");
        // The SDK's own events stay filtered: only its span is added.
        assert!(
            !lines.iter().any(|l| l["message"] == "item body"),
            "{lines:?}"
        );
    }

    #[test]
    fn without_log_timings_nothing_is_timed_and_events_name_the_runtime_s_span() {
        let lines = one_request(false);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["message"], "inside");
        assert_eq!(lines[0]["span"]["requestId"], "r-1", "{}", lines[0]);
    }

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] StoreError);

    #[test]
    fn an_error_chain_shows_each_display_and_hides_a_corrupt_item_s_text() {
        let inner = StoreError::Unavailable("connection reset".into());
        assert_eq!(
            chain(&Outer(inner)).to_string(),
            "outer: the store did not complete the request: connection reset"
        );
        let corrupt = StoreError::Corrupt("invalid type: string \"Hi Zoë\"".into());
        assert_eq!(
            chain(&Outer(corrupt)).to_string(),
            "outer: a stored item could not be read"
        );
    }
}
