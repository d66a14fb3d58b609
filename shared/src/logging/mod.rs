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

use std::error::Error;
use std::fmt;
use std::io;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use lambda_http::tracing::Subscriber;
use lambda_http::tracing::subscriber::EnvFilter;
use lambda_http::tracing::subscriber::filter::LevelFilter;
use lambda_http::tracing::subscriber::fmt::MakeWriter;

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
}

impl LogSettings {
    /// `AWS_LAMBDA_LOG_FORMAT` (`JSON` or text) and `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG` as a
    /// plain level, else INFO), as Lambda sets them from the function's logging configuration.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self::from_values(
            var("AWS_LAMBDA_LOG_FORMAT").as_deref(),
            var("AWS_LAMBDA_LOG_LEVEL")
                .or_else(|| var("RUST_LOG"))
                .as_deref(),
        )
    }

    pub fn from_values(format: Option<&str>, level: Option<&str>) -> Self {
        Self {
            json: format.is_some_and(|f| f.eq_ignore_ascii_case("json")),
            level: level
                .and_then(|l| LevelFilter::from_str(l).ok())
                .unwrap_or(LevelFilter::INFO),
        }
    }

    /// JSON at `level`: what the tests capture.
    pub fn json(level: LevelFilter) -> Self {
        Self { json: true, level }
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
