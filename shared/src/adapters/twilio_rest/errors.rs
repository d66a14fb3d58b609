//! Twilio's error answers, read the same way by every Twilio adapter: the JSON error's code and
//! message, or the status line when the answer is not Twilio's JSON.

use reqwest::StatusCode;
use serde::Deserialize;

/// Twilio's error JSON: `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`.
#[derive(Default, Deserialize)]
pub(crate) struct TwilioError {
    #[serde(default)]
    pub(crate) code: Option<u32>,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

impl TwilioError {
    /// Anything that is not Twilio's error JSON (an HTML page from a proxy…) has no code.
    pub(crate) fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

/// `HTTP 500 Internal Server Error`: the message of an error without Twilio's JSON. The body
/// itself is left out: it may be long, and is not Twilio's.
pub(crate) fn status_line(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}
