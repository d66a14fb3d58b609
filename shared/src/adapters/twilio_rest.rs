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
use std::hash::BuildHasher;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::domain::MessageStatus;
use crate::ports::{OutboundRequest, ReplyContent, ReplySender, SendError, SentMessage};

/// How long to wait for a TCP/TLS connection to Twilio.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one attempt may take, from connecting to the end of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// All attempts of one send together, backoff included: API Gateway gives up at 29 s.
pub const SEND_BUDGET: Duration = Duration::from_secs(20);
/// Attempts of one send when Twilio keeps rate limiting (the first one included).
pub const MAX_ATTEMPTS: u32 = 3;
/// The backoff before the first retry, doubled before each later one.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// No wait between attempts is longer, whatever `Retry-After` asks for.
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// Twilio's error code for "too many requests".
const RATE_LIMITED_CODE: u32 = 20429;
/// A retry is not started with less time than this left in the budget.
const MIN_ATTEMPT_TIME: Duration = Duration::from_secs(1);

/// Where and as whom to call Twilio.
#[derive(Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    /// `https://api.twilio.com` in production; a loopback URL for local runs and tests.
    pub api_base_url: String,
    /// `AC…`: the account in the path and the Basic auth user.
    pub account_sid: String,
    /// The Basic auth password. Never logged, never shown by `Debug`.
    pub auth_token: String,
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("api_base_url", &self.api_base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .finish()
    }
}

/// Why a [`TwilioReplySender`] could not be built. No variant carries the token or the whole URL
/// (which might hold credentials in its userinfo).
#[derive(Debug, thiserror::Error)]
pub enum TwilioConfigError {
    #[error("the Twilio API base URL is not a valid absolute URL")]
    InvalidBaseUrl,
    #[error(
        "the Twilio API base URL must be https:// (http:// only for a loopback host), not {scheme}://"
    )]
    InsecureScheme { scheme: String },
    #[error(
        "the Twilio API base URL must point to twilio.com or a *.twilio.com host (or loopback), not {host}"
    )]
    NotTwilioHost { host: String },
    #[error("the Twilio API base URL must not carry a user, password, query or fragment")]
    UnexpectedUrlParts,
    #[error("the Twilio account SID must match ^AC[0-9a-fA-F]{{32}}$")]
    InvalidAccountSid,
    #[error("the Twilio auth token is empty")]
    EmptyAuthToken,
    #[error("the HTTP client could not be built")]
    HttpClient(#[source] reqwest::Error),
}

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

/// `Retry-After` in seconds; the HTTP-date form is ignored (backoff applies instead).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The wait after failed attempt number `attempt` (1-based): `Retry-After` when Twilio gave
/// one, else exponential backoff; never more than [`BACKOFF_CAP`].
fn retry_wait(attempt: u32, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(asked) => asked.min(BACKOFF_CAP),
        None => backoff(attempt, jitter()),
    }
}

/// Equal jitter: half of the exponential delay is fixed, half random (`jitter` in [0, 1]), so
/// concurrent senders spread out yet never retry at once.
fn backoff(attempt: u32, jitter: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    let delay = BACKOFF_BASE
        .saturating_mul(1u32 << doublings)
        .min(BACKOFF_CAP);
    delay / 2 + (delay / 2).mul_f64(jitter.clamp(0.0, 1.0))
}

/// A number in [0, 1): the clock's nanoseconds hashed with a randomly keyed hasher (no crate).
fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let random = std::collections::hash_map::RandomState::new().hash_one(nanos);
    // The top 53 bits fill an f64 mantissa exactly.
    (random >> 11) as f64 / (1u64 << 53) as f64
}

/// `^AC[0-9a-fA-F]{32}$`, the spec's pattern for the path's AccountSid.
pub(crate) fn is_account_sid(sid: &str) -> bool {
    sid.len() == 34 && sid.starts_with("AC") && sid.bytes().skip(2).all(|b| b.is_ascii_hexdigit())
}

/// The endpoint `path` under `base`, and whether `base` is a loopback host. Credentials only
/// go to `twilio.com`/`*.twilio.com` over https, or to `127.0.0.1`/`localhost`/`[::1]`.
fn endpoint(base: &str, path: &[&str]) -> Result<(Url, bool), TwilioConfigError> {
    let (mut url, loopback) = checked_base(base)?;
    url.path_segments_mut()
        .map_err(|()| TwilioConfigError::InvalidBaseUrl)?
        .pop_if_empty()
        .extend(path);
    Ok((url, loopback))
}

/// What every Twilio adapter that sends the account's credentials checks and builds once: the
/// account SID's pattern, a token, the endpoint `path` under a Twilio (or loopback) base, and an
/// HTTP client that follows no redirect (it would carry the credentials off Twilio's hosts) and
/// uses no proxy for a loopback host (this machine).
pub(crate) fn twilio_client(
    config: &TwilioConfig,
    path: &[&str],
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<(Url, reqwest::Client), TwilioConfigError> {
    if !is_account_sid(&config.account_sid) {
        return Err(TwilioConfigError::InvalidAccountSid);
    }
    if config.auth_token.is_empty() {
        return Err(TwilioConfigError::EmptyAuthToken);
    }
    let (endpoint, loopback) = endpoint(&config.api_base_url, path)?;
    let mut builder = crate::adapters::https::client_builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .redirect(reqwest::redirect::Policy::none());
    if loopback {
        builder = builder.no_proxy();
    }
    let client = builder.build().map_err(TwilioConfigError::HttpClient)?;
    Ok((endpoint, client))
}

/// `TWILIO_API_BASE_URL` parsed, and whether it is a loopback host: only `twilio.com` or
/// `*.twilio.com` over https, or `127.0.0.1`/`localhost`/`[::1]`, may receive the credentials.
pub(crate) fn checked_base(base: &str) -> Result<(Url, bool), TwilioConfigError> {
    let url = Url::parse(base.trim()).map_err(|_| TwilioConfigError::InvalidBaseUrl)?;
    let scheme = url.scheme().to_owned();
    if scheme != "https" && scheme != "http" {
        return Err(TwilioConfigError::InsecureScheme { scheme });
    }
    // Userinfo would be sent as credentials of its own; a query or fragment has no meaning here.
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(TwilioConfigError::UnexpectedUrlParts);
    }
    // The parsed host, not the string: "https://api.twilio.com@evil.com" is evil.com. The
    // parser lowercases domains and normalises IPs ("127.1" is 127.0.0.1, IPv6 is compressed).
    let host = url
        .host_str()
        .ok_or(TwilioConfigError::InvalidBaseUrl)?
        .to_owned();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    let twilio = host == "twilio.com" || host.ends_with(".twilio.com");
    if !loopback {
        if !twilio {
            return Err(TwilioConfigError::NotTwilioHost { host });
        }
        if scheme != "https" {
            return Err(TwilioConfigError::InsecureScheme { scheme });
        }
    }
    Ok((url, loopback))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "AC0123456789abcdef0123456789ABCDEF";

    fn messages_endpoint(base: &str) -> Result<(Url, bool), TwilioConfigError> {
        endpoint(base, &["2010-04-01", "Accounts", SID, "Messages.json"])
    }

    #[test]
    fn the_endpoint_is_the_create_message_path_under_the_base() {
        for base in [
            "https://api.twilio.com",
            "https://api.twilio.com/",
            " https://api.twilio.com ",
        ] {
            let (url, loopback) = messages_endpoint(base).unwrap();
            assert_eq!(
                url.as_str(),
                format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json")
            );
            assert!(!loopback);
        }
        let (url, loopback) = messages_endpoint("http://127.0.0.1:4010/twilio/").unwrap();
        assert_eq!(
            url.as_str(),
            format!("http://127.0.0.1:4010/twilio/2010-04-01/Accounts/{SID}/Messages.json")
        );
        assert!(loopback);
    }

    #[test]
    fn only_twilio_hosts_over_https_and_loopback_hosts_are_accepted() {
        for ok in [
            "https://api.twilio.com",
            "https://twilio.com",
            "https://API.Twilio.COM",
            "https://api.twilio.com:8443",
            "http://127.0.0.1:1",
            "https://127.0.0.1:1",
            "http://localhost:8080",
            "http://[::1]:8080",
            "http://[0:0:0:0:0:0:0:1]:8080",
            "http://127.1:8080",
        ] {
            assert!(messages_endpoint(ok).is_ok(), "{ok} was refused");
        }
        for refused in [
            "https://evil.example.com",
            "http://api.twilio.com",
            "https://api.twilio.com.evil.com",
            "https://eviltwilio.com",
            "https://api.twilio.com@evil.com",
            "https://user:pass@api.twilio.com",
            "https://api.twilio.com?x=1",
            "https://api.twilio.com#x",
            "https://127.0.0.2",
            "https://10.0.0.1",
            "ftp://api.twilio.com",
            "file:///etc/passwd",
            "api.twilio.com",
            "",
        ] {
            assert!(
                messages_endpoint(refused).is_err(),
                "{refused} was accepted"
            );
        }
    }

    #[test]
    fn account_sids_must_match_the_spec_pattern() {
        assert!(is_account_sid(SID));
        assert!(!is_account_sid("AC0123"));
        assert!(!is_account_sid("SK0123456789abcdef0123456789abcdef"));
        assert!(!is_account_sid("AC0123456789abcdef0123456789abcdeg"));
        assert!(!is_account_sid("ac0123456789abcdef0123456789abcdef"));
        assert!(!is_account_sid("AC0123456789abcdef0123456789abcdef0"));
    }

    #[test]
    fn backoff_doubles_from_250_ms_with_jitter_and_is_capped_at_2_s() {
        assert_eq!(backoff(1, 0.0), Duration::from_millis(125));
        assert_eq!(backoff(1, 1.0), Duration::from_millis(250));
        assert_eq!(backoff(2, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(3, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(10, 1.0), BACKOFF_CAP);
        assert_eq!(backoff(u32::MAX, 1.0), BACKOFF_CAP);
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "1".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(1)));
        assert_eq!(retry_wait(1, retry_after(&headers)), Duration::from_secs(1));
        assert_eq!(retry_wait(1, Some(Duration::from_secs(60))), BACKOFF_CAP);
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
        assert!(retry_wait(1, None) <= Duration::from_millis(250));
    }

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
