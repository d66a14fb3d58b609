//! For the functions' "nothing personal in the logs" tests (feature `testing`): capture what a
//! handler logs, at any level, exactly as Lambda would print it, and check it against the
//! personal data of the events it ran over.

use lambda_http::tracing::subscriber::filter::LevelFilter;
use lambda_http::tracing::subscriber::util::SubscriberInitExt;

use super::{LogBuffer, LogSettings, subscriber};
use crate::testing::{event_text, events_dir};

/// Captures this thread's log events as JSON at `level` until the guard is dropped. A
/// `#[tokio::test]` runs on one thread, so everything its handler logs lands here.
pub fn capture(level: LevelFilter) -> (LogBuffer, lambda_http::tracing::dispatcher::DefaultGuard) {
    capture_with(LogSettings::json(level))
}

/// [`capture`] with other settings (`LOG_TIMINGS=on`, say).
pub fn capture_with(
    settings: LogSettings,
) -> (LogBuffer, lambda_http::tracing::dispatcher::DefaultGuard) {
    let buffer = LogBuffer::default();
    let guard = subscriber(settings, buffer.clone()).set_default();
    (buffer, guard)
}

/// Form parameters whose values are a customer's words, place, name or number.
const PERSONAL_PARAMETERS: &[&str] = &[
    "Body",
    "ProfileName",
    "From",
    "To",
    "WaId",
    "ChannelToAddress",
    "Latitude",
    "Longitude",
    "Address",
    "Label",
    "ButtonText",
    "ButtonPayload",
];

/// The business's own numbers are not personal: they are metric dimensions.
const BUSINESS_NUMBERS: &[&str] = &["14155238886"];

/// What a log must never contain, from form parameters: each personal value, and for a number
/// its digits alone and its last 9 digits (the number without its country code).
pub fn personal_values(params: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in params {
        if !PERSONAL_PARAMETERS.contains(&name.as_str()) || value.trim().is_empty() {
            continue;
        }
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        let is_number = digits.len() >= 7
            && value
                .trim_start_matches("whatsapp:")
                .trim_start_matches('+')
                .bytes()
                .all(|b| b.is_ascii_digit());
        if is_number {
            if BUSINESS_NUMBERS.contains(&digits.as_str()) {
                continue;
            }
            out.push(digits[digits.len() - 9..].to_owned());
        }
        out.push(value.trim_start_matches('-').to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// The form parameters of an HTTP event (its body, base64 or not).
pub fn event_params(name: &str) -> Vec<(String, String)> {
    use base64::Engine;
    let event: serde_json::Value = serde_json::from_str(&event_text(name)).unwrap_or_default();
    let body = event["body"].as_str().unwrap_or_default();
    let bytes = if event["isBase64Encoded"].as_bool() == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    crate::form::decode_lenient(&bytes)
}

/// The `x-twilio-signature` of an HTTP event, if it has one.
pub fn event_signature(name: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(&event_text(name)).unwrap_or_default();
    event["headers"]["x-twilio-signature"]
        .as_str()
        .map(str::to_owned)
}

/// The secrets of `events/env.json`: every Twilio token in it.
pub fn event_secrets() -> Vec<String> {
    let text = std::fs::read_to_string(events_dir().join("env.json")).unwrap_or_default();
    let env: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut out: Vec<String> = env
        .as_object()
        .into_iter()
        .flat_map(|functions| functions.values())
        .filter_map(|vars| vars["TWILIO_AUTH_TOKEN"].as_str().map(str::to_owned))
        .collect();
    out.dedup();
    out
}

/// Panics, naming the line, when a log line is not JSON or contains one of `forbidden`.
pub fn assert_clean(logs: &LogBuffer, forbidden: &[String]) {
    let lines = logs.lines();
    assert!(!lines.is_empty(), "nothing was logged");
    for line in &lines {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "a log line is not JSON: {line}"
        );
        for value in forbidden {
            assert!(
                !line.contains(value.as_str()),
                "a log line contains {value:?}: {line}"
            );
        }
    }
}
