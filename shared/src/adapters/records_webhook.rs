//! [`RecordsWebhook`] over HTTPS (`RECORDS_WEBHOOK_URL`), and its in-memory twin.
//!
//! - `POST` JSON `{"event": "record.create", "conversation_id", "customer", "business_number",
//!   "system", "title", "summary"}`, signed like Stripe's webhooks:
//!   `X-WhatsApp-Channel-Timestamp: {unix seconds}` and
//!   `X-WhatsApp-Channel-Signature: v1={hex HMAC-SHA256(secret, "{timestamp}.{body}")}`, so a
//!   replayed body with a new timestamp fails, and receivers refuse timestamps older than
//!   5 minutes ([`verify_signature`]).
//! - https only (http only for a loopback host); redirects never followed; connect timeout 2 s,
//!   5 s per attempt.
//! - One retry on a connect failure, a timeout or a 5xx, with the same `Idempotency-Key`
//!   (`{conversation_id}:{system}:{16 hex of SHA-256(title)}`) so the CRM can drop a duplicate;
//!   a 4xx is never retried.
//! - The secret is never logged, nor in any error or `Debug` output.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::outcomes::RecordRef;
use crate::ports::{CreateRecord, CreatedRecord, RecordsWebhook, RecordsWebhookError};

/// How long to wait for a TCP/TLS connection to the CRM.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one attempt may take, from connecting to the end of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts of one create: the first and one retry.
pub const MAX_ATTEMPTS: u32 = 2;
/// The pause before the retry.
const RETRY_DELAY: Duration = Duration::from_millis(250);
/// Receivers refuse a signature whose timestamp is further than this from their clock.
pub const SIGNATURE_TOLERANCE_SECONDS: u64 = 300;
pub const TIMESTAMP_HEADER: &str = "X-WhatsApp-Channel-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-WhatsApp-Channel-Signature";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// The request's `event`.
pub const EVENT: &str = "record.create";
/// The most of a CRM's error message an error keeps.
const MAX_MESSAGE_CHARS: usize = 200;

/// Why an [`HttpRecordsWebhook`] could not be built. No variant carries the secret or the whole
/// URL (its query might hold a token).
#[derive(Debug, thiserror::Error)]
pub enum RecordsWebhookConfigError {
    #[error("RECORDS_WEBHOOK_URL is not a valid absolute URL")]
    InvalidUrl,
    #[error(
        "RECORDS_WEBHOOK_URL must be https:// (http:// only for a loopback host), not {scheme}://"
    )]
    InsecureScheme { scheme: String },
    #[error("RECORDS_WEBHOOK_URL must not carry a user, password or fragment")]
    UnexpectedUrlParts,
    #[error("the records webhook secret is empty")]
    EmptySecret,
    #[error("the HTTP client could not be built")]
    HttpClient(#[source] reqwest::Error),
}

/// Creates records through the CRM's webhook. Build it once per cold start and share it.
pub struct HttpRecordsWebhook {
    endpoint: Url,
    secret: String,
    client: reqwest::Client,
}

impl fmt::Debug for HttpRecordsWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRecordsWebhook")
            .field("host", &self.endpoint.host_str().unwrap_or_default())
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl HttpRecordsWebhook {
    /// Checks the URL and the secret and builds the HTTP client (2 s connect, 5 s per attempt).
    pub fn new(url: &str, secret: String) -> Result<Self, RecordsWebhookConfigError> {
        Self::with_timeouts(url, secret, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// [`Self::new`] with other timeouts, so that tests of timeouts stay fast.
    #[doc(hidden)]
    pub fn with_timeouts(
        url: &str,
        secret: String,
        connect_timeout: Duration,
        request_timeout: Duration,
    ) -> Result<Self, RecordsWebhookConfigError> {
        if secret.is_empty() {
            return Err(RecordsWebhookConfigError::EmptySecret);
        }
        let endpoint = Url::parse(url.trim()).map_err(|_| RecordsWebhookConfigError::InvalidUrl)?;
        if !endpoint.username().is_empty()
            || endpoint.password().is_some()
            || endpoint.fragment().is_some()
        {
            return Err(RecordsWebhookConfigError::UnexpectedUrlParts);
        }
        // The parsed host, not the string: "https://localhost@evil.com" is evil.com.
        let host = endpoint
            .host_str()
            .ok_or(RecordsWebhookConfigError::InvalidUrl)?;
        let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
        match endpoint.scheme() {
            "https" => {}
            "http" if loopback => {}
            scheme => {
                return Err(RecordsWebhookConfigError::InsecureScheme {
                    scheme: scheme.to_owned(),
                });
            }
        }
        let mut builder = crate::adapters::https::client_builder()
            .connect_timeout(connect_timeout)
            .timeout(request_timeout)
            // A redirect would carry the signed request somewhere nobody configured.
            .redirect(reqwest::redirect::Policy::none());
        if loopback {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(RecordsWebhookConfigError::HttpClient)?;
        Ok(Self {
            endpoint,
            secret,
            client,
        })
    }

    /// Removes the secret from a text that leaves this adapter, should anything ever echo it.
    fn redact(&self, text: String) -> String {
        if text.contains(&self.secret) {
            text.replace(&self.secret, "[redacted]")
        } else {
            text
        }
    }

    /// One attempt: its result, or the error after which a retry may succeed.
    async fn attempt(&self, body: &str, key: &str) -> Attempt {
        let timestamp = unix_now().to_string();
        let sent = self
            .client
            .post(self.endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(
                SIGNATURE_HEADER,
                signature(&self.secret, &timestamp, body.as_bytes()),
            )
            .header(IDEMPOTENCY_HEADER, key)
            .body(body.to_owned())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => return self.unreachable(e),
        };
        let status = response.status();
        let answer = match response.bytes().await {
            Ok(answer) => answer,
            // A 2xx whose answer did not arrive: the retry's key lets the CRM drop a duplicate.
            Err(e) => return self.unreachable(e),
        };
        if status.is_success() {
            return Attempt::Done(created(&answer));
        }
        let refused = RecordsWebhookError::Refused {
            status: status.as_u16(),
            message: self.redact(error_message(status, &answer)),
        };
        if status.is_server_error() {
            Attempt::Again(refused)
        } else {
            Attempt::Done(Err(refused))
        }
    }

    /// A request that got no (complete) answer: retried only after a connect failure or a
    /// timeout. The text names the cause, never the URL (its query might hold a token).
    fn unreachable(&self, error: reqwest::Error) -> Attempt {
        let again = error.is_connect() || error.is_timeout();
        let what = if error.is_timeout() {
            "no answer in time"
        } else if error.is_connect() {
            "could not connect"
        } else {
            "the request failed"
        };
        let error = error.without_url();
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        let e = RecordsWebhookError::Unreachable(self.redact(format!("{what} ({detail})")));
        if again {
            Attempt::Again(e)
        } else {
            Attempt::Done(Err(e))
        }
    }
}

enum Attempt {
    Done(Result<CreatedRecord, RecordsWebhookError>),
    Again(RecordsWebhookError),
}

#[async_trait]
impl RecordsWebhook for HttpRecordsWebhook {
    async fn create(&self, request: &CreateRecord) -> Result<CreatedRecord, RecordsWebhookError> {
        let body = request_body(request);
        let key = idempotency_key(request);
        let mut attempt = 1;
        loop {
            match self.attempt(&body, &key).await {
                Attempt::Done(result) => return result,
                Attempt::Again(e) if attempt >= MAX_ATTEMPTS => return Err(e),
                Attempt::Again(e) => {
                    // The kind only: a CRM's message may echo the customer.
                    let status = match &e {
                        RecordsWebhookError::Refused { status, .. } => Some(*status),
                        _ => None,
                    };
                    tracing::warn!(
                        conversation_id = %request.conversation_id,
                        attempt,
                        http_status = status,
                        "records webhook failed; retrying once"
                    );
                    tokio::time::sleep(RETRY_DELAY).await;
                    attempt += 1;
                }
            }
        }
    }
}

/// The request's JSON body.
#[derive(Serialize)]
struct RequestBody<'a> {
    event: &'a str,
    conversation_id: &'a str,
    customer: &'a str,
    business_number: &'a str,
    system: &'a str,
    title: &'a str,
    summary: Option<&'a str>,
}

/// The JSON the CRM receives (and the signature covers).
pub fn request_body(request: &CreateRecord) -> String {
    let body = RequestBody {
        event: EVENT,
        conversation_id: &request.conversation_id,
        customer: &request.customer,
        business_number: &request.business_number,
        system: &request.system,
        title: &request.title,
        summary: request.summary.as_deref(),
    };
    // Strings and an option only: serialising cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

/// `{conversation_id}:{system}:{16 hex of SHA-256(title)}`: the same for a retry, and for an
/// agent's second click on the same record.
pub fn idempotency_key(request: &CreateRecord) -> String {
    let digest = Sha256::digest(request.title.as_bytes());
    format!(
        "{}:{}:{}",
        request.conversation_id,
        request.system,
        &hex(&digest)[..16]
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// `v1={hex HMAC-SHA256(secret, "{timestamp}.{body}")}`: the signature header's value.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body)
        .map(|m| hex(&m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("v1={digest}")
}

/// Whether a request is ours: `header` (`X-WhatsApp-Channel-Signature`, one or more
/// comma-separated `v1=` values) holds the HMAC of `"{timestamp}.{body}"` under `secret`, and
/// `timestamp` (`X-WhatsApp-Channel-Timestamp`) is within 5 minutes of `now_unix`. Compared in
/// constant time.
pub fn verify_signature(
    secret: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
    now_unix: i64,
) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Ok(sent_at) = timestamp.parse::<i64>() else {
        return false;
    };
    if sent_at.abs_diff(now_unix) > SIGNATURE_TOLERANCE_SECONDS {
        return false;
    }
    header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("v1="))
        .filter_map(unhex)
        .any(|candidate| {
            mac(secret, timestamp, body).is_some_and(|m| m.verify_slice(&candidate).is_ok())
        })
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// `{"id": "...", "url"?: "https://..."}`; an id may come as a number.
#[derive(Deserialize)]
struct Answer {
    id: serde_json::Value,
    #[serde(default)]
    url: Option<serde_json::Value>,
}

/// The record a 2xx answer names: an id of 1–128 visible ASCII characters, and its link only
/// when it is https.
fn created(answer: &[u8]) -> Result<CreatedRecord, RecordsWebhookError> {
    let invalid = |why: &str| RecordsWebhookError::InvalidAnswer(why.to_owned());
    let answer: Answer = serde_json::from_slice(answer)
        .map_err(|_| invalid("expected JSON {\"id\": \"...\", \"url\": \"https://...\"}"))?;
    let id = match answer.id {
        serde_json::Value::String(id) => id.trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err(invalid("id is not a string")),
    };
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid("id must be 1 to 128 visible ASCII characters"));
    }
    // The link's rule is the one an agent's link obeys; anything else is dropped, not refused.
    let url = match answer.url {
        Some(serde_json::Value::String(url)) => RecordRef::parse("crm", &id, Some(&url))
            .ok()
            .and_then(|r| r.url),
        _ => None,
    };
    Ok(CreatedRecord { id, url })
}

/// What a refusal says: the CRM's JSON `message` (or `error`), shortened, else the status line.
fn error_message(status: reqwest::StatusCode, answer: &[u8]) -> String {
    let said = serde_json::from_slice::<serde_json::Value>(answer)
        .ok()
        .and_then(|v| {
            ["message", "error"]
                .iter()
                .find_map(|k| v.get(k).and_then(|m| m.as_str()).map(str::to_owned))
        })
        .map(|m| m.trim().chars().take(MAX_MESSAGE_CHARS).collect::<String>())
        .filter(|m| !m.is_empty());
    said.unwrap_or_else(|| match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(unhex(&hex(&[0, 15, 255])), Some(vec![0, 15, 255]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("éé"), None);
    }

    #[test]
    fn an_answer_needs_a_visible_id_and_keeps_only_an_https_link() {
        let ok = created(br#"{"id": "CASE-1", "url": "https://crm.example.com/1"}"#).unwrap();
        assert_eq!(ok.url.as_deref(), Some("https://crm.example.com/1"));
        let plain = created(br#"{"id": 42, "url": "javascript:alert(1)"}"#).unwrap();
        assert_eq!((plain.id.as_str(), plain.url), ("42", None));
        assert!(created(br#"{"id": ""}"#).is_err());
        assert!(created(br#"{"id": "a b"}"#).is_err());
        assert!(created(format!(r#"{{"id": "{}"}}"#, "x".repeat(129)).as_bytes()).is_err());
    }
}
