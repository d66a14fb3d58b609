//! [`ReplySender`] on Twilio's Messages API (`CreateMessage`,
//! `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`).
//!
//! - Form-encoded, HTTP Basic `AccountSid:AuthToken`. The credentials only ever go to a Twilio
//!   host over https (or to a loopback host, for local runs and tests): anything else is refused
//!   when the sender is built, and redirects are never followed.
//! - One client per cold start: connect timeout 3 s, 10 s per attempt, and the whole send (retries
//!   included) kept under [`SEND_BUDGET`], well inside API Gateway's 29 s.
//! - Only rate limiting (HTTP 429 or code 20429) is retried, with bounded exponential backoff and
//!   jitter: Twilio created nothing. A connect failure or a timeout is never retried, because the
//!   message may have been sent and a retry could send it twice.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::config::{TwilioConfig, TwilioConfigError, twilio_client};
use super::errors::{TwilioError, status_line};
use super::retry::{MAX_ATTEMPTS, MIN_ATTEMPT_TIME, RATE_LIMITED_CODE, retry_after, retry_wait};
use crate::domain::MessageStatus;
use crate::ports::{OutboundRequest, ReplyContent, ReplySender, SendError, SentMessage};

/// How long to wait for a TCP/TLS connection to Twilio.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one attempt may take, from connecting to the end of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// All attempts of one send together, backoff included: API Gateway gives up at 29 s.
pub const SEND_BUDGET: Duration = Duration::from_secs(20);

/// Sends replies through Twilio's Messages API. Build it once per cold start and share it.
pub struct TwilioReplySender {
    config: TwilioConfig,
    /// `{base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, built once.
    endpoint: Url,
    client: reqwest::Client,
    request_timeout: Duration,
}

impl fmt::Debug for TwilioReplySender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioReplySender")
            .field("endpoint", &self.endpoint.as_str())
            .field("config", &self.config)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl TwilioReplySender {
    /// Checks the configuration and builds the HTTP client (3 s connect, 10 s per attempt).
    pub fn new(config: TwilioConfig) -> Result<Self, TwilioConfigError> {
        Self::with_timeouts(config, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// [`Self::new`] with other timeouts, so that tests of timeouts stay fast.
    #[doc(hidden)]
    pub fn with_timeouts(
        config: TwilioConfig,
        connect_timeout: Duration,
        request_timeout: Duration,
    ) -> Result<Self, TwilioConfigError> {
        let (endpoint, client) = twilio_client(
            &config,
            &[
                "2010-04-01",
                "Accounts",
                &config.account_sid,
                "Messages.json",
            ],
            connect_timeout,
            request_timeout,
        )?;
        Ok(Self {
            config,
            endpoint,
            client,
            request_timeout,
        })
    }

    /// An error for a request that got no (complete) answer, without the token.
    fn unreachable(&self, error: &reqwest::Error, timeout: Duration) -> SendError {
        let what = if error.is_timeout() {
            format!("no answer within {} ms", timeout.as_millis())
        } else if error.is_connect() {
            "could not connect".to_owned()
        } else {
            "the request failed".to_owned()
        };
        // The chain names the cause (refused, DNS, TLS…); the URL holds the SID but no secret.
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        SendError::Unreachable(self.redact(format!("{what} ({detail})")))
    }

    /// Removes the token from a text that leaves this adapter, should anything ever echo it.
    fn redact(&self, text: String) -> String {
        if text.contains(&self.config.auth_token) {
            text.replace(&self.config.auth_token, "[redacted]")
        } else {
            text
        }
    }
}

#[async_trait]
impl ReplySender for TwilioReplySender {
    async fn send(&self, request: &OutboundRequest) -> Result<SentMessage, SendError> {
        let form = form_fields(request);
        let started = Instant::now();
        let budget = request.budget.map_or(SEND_BUDGET, |b| b.min(SEND_BUDGET));
        let mut attempt = 1;
        loop {
            let timeout = self.request_timeout.min(
                budget
                    .saturating_sub(started.elapsed())
                    .max(MIN_ATTEMPT_TIME),
            );
            let response = self
                .client
                .post(self.endpoint.clone())
                .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
                .timeout(timeout)
                .form(&form)
                .send()
                .await
                .map_err(|e| self.unreachable(&e, timeout))?;
            let status = response.status();
            let retry_after = retry_after(response.headers());
            // Reading the answer can still time out: then whether Twilio sent it is unknown.
            let body = response
                .bytes()
                .await
                .map_err(|e| self.unreachable(&e, timeout))?;

            if status.is_success() {
                return sent_message(&body).ok_or_else(|| {
                    // Twilio took the message, so this must not look like "nothing was sent".
                    SendError::Unreachable(format!(
                        "Twilio answered {status} without a readable message sid"
                    ))
                });
            }

            let error = TwilioError::parse(&body);
            let rate_limited =
                status == StatusCode::TOO_MANY_REQUESTS || error.code == Some(RATE_LIMITED_CODE);
            if !rate_limited {
                return Err(SendError::Rejected {
                    http_status: status.as_u16(),
                    code: error.code,
                    message: self.redact(error.message.unwrap_or_else(|| status_line(status))),
                });
            }
            let wait = retry_wait(attempt, retry_after);
            if attempt >= MAX_ATTEMPTS || started.elapsed() + wait + MIN_ATTEMPT_TIME > budget {
                return Err(SendError::RateLimited);
            }
            tracing::warn!(
                attempt,
                max_attempts = MAX_ATTEMPTS,
                http_status = status.as_u16(),
                code = error.code,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "Twilio rate limited a send; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// The CreateMessage form for one request. `StatusCallback` always, so every reply is tracked.
fn form_fields(request: &OutboundRequest) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("To", request.to.clone()),
        ("From", request.from.clone()),
        ("StatusCallback", request.status_callback.clone()),
    ];
    match &request.content {
        ReplyContent::Text { body } => form.push(("Body", body.clone())),
        ReplyContent::Media { url, caption } => {
            form.push(("MediaUrl", url.clone()));
            // WhatsApp shows the Body of a media message as its caption.
            if let Some(caption) = caption.as_deref().filter(|c| !c.is_empty()) {
                form.push(("Body", caption.to_owned()));
            }
        }
        ReplyContent::Template {
            content_sid,
            variables,
            ..
        } => {
            form.push(("ContentSid", content_sid.clone()));
            // Twilio wants the variables as one JSON string, e.g. {"1":"12/1"}; none, none sent.
            if !variables.is_empty() {
                let object: serde_json::Map<String, serde_json::Value> = variables
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect();
                form.push((
                    "ContentVariables",
                    serde_json::Value::Object(object).to_string(),
                ));
            }
        }
    }
    form
}

/// The fields of Twilio's message resource that we keep.
#[derive(Deserialize)]
struct MessageResource {
    sid: String,
    #[serde(default)]
    status: Option<String>,
}

/// `sid` and `status` of a 2xx answer; an unknown or missing status reads as queued, which is
/// what a new message is.
fn sent_message(body: &[u8]) -> Option<SentMessage> {
    let resource: MessageResource = serde_json::from_slice(body).ok()?;
    if resource.sid.is_empty() {
        return None;
    }
    let status = resource
        .status
        .and_then(|s| s.parse().ok())
        .unwrap_or(MessageStatus::Queued);
    Some(SentMessage {
        sid: resource.sid,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_a_known_status_reads_as_queued() {
        let sent = sent_message(br#"{"sid":"SM1","status":"new-thing"}"#).unwrap();
        assert_eq!(sent.status, MessageStatus::Queued);
        let sent = sent_message(br#"{"sid":"SM1","status":"accepted"}"#).unwrap();
        assert_eq!(sent.status, MessageStatus::Accepted);
        assert!(sent_message(br#"{"status":"queued"}"#).is_none());
        assert!(sent_message(b"<html>").is_none());
    }
}
