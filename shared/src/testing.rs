//! Test support shared by the functions' and the integration tests (feature `testing`):
//! the `events/` fixtures, their configuration, and Twilio-signed requests.

use std::path::PathBuf;

use lambda_http::Request;

use crate::config::WebhookConfig;
use crate::twilio::RequestValidator;

/// The workspace's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The text of `events/<name>.json`.
pub fn event_text(name: &str) -> String {
    let path = events_dir().join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `events/<name>.json` as the request Lambda hands the function.
pub fn event(name: &str) -> Request {
    lambda_http::request::from_str(&event_text(name))
        .unwrap_or_else(|e| panic!("events/{name}.json is not an HTTP API event: {e}"))
}

fn env_json() -> serde_json::Value {
    let path = events_dir().join("env.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("events/env.json: {e}"))
}

/// The webhook configuration the events were signed for (`events/env.json`, as `sam local
/// invoke --env-vars` reads it).
pub fn events_webhook_config() -> WebhookConfig {
    let env = env_json();
    let var = |name: &str| {
        env["WebhookIngestFunction"][name]
            .as_str()
            .unwrap_or_else(|| panic!("events/env.json has no WebhookIngestFunction.{name}"))
            .to_owned()
    };
    WebhookConfig {
        auth_token: var("TWILIO_AUTH_TOKEN"),
        inbound_url: var("TWILIO_INBOUND_URL"),
        status_url: var("TWILIO_STATUS_URL"),
        senders: crate::domain::Senders::parse(&var("WHATSAPP_SENDERS"))
            .unwrap_or_else(|e| panic!("events/env.json WHATSAPP_SENDERS: {e}")),
    }
}

/// Owned pairs from borrowed ones.
pub fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// Form-encodes parameters as Twilio does.
pub fn encode(params: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// A webhook request to `path` (`/twilio/inbound` or `/twilio/status`) with a raw body and a
/// given signature header (none when `signature` is `None`), shaped like the events.
pub fn webhook_request(path: &str, body: &[u8], signature: Option<&str>) -> Request {
    let mut event: serde_json::Value =
        serde_json::from_str(&event_text("webhook-ingest.inbound-text")).unwrap_or_default();
    event["rawPath"] = path.into();
    event["routeKey"] = format!("POST {path}").into();
    event["requestContext"]["http"]["path"] = path.into();
    event["body"] = base64_encode(body).into();
    event["isBase64Encoded"] = true.into();
    match signature {
        Some(sig) => event["headers"]["x-twilio-signature"] = sig.into(),
        None => {
            if let Some(headers) = event["headers"].as_object_mut() {
                headers.remove("x-twilio-signature");
            }
        }
    }
    lambda_http::request::from_str(&event.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// A correctly signed webhook request for these parameters.
pub fn signed_request(config: &WebhookConfig, path: &str, params: &[(String, String)]) -> Request {
    let url = if path.ends_with("/status") {
        &config.status_url
    } else {
        &config.inbound_url
    };
    let signature = RequestValidator::new(config.auth_token.clone()).compute_signature(url, params);
    webhook_request(path, encode(params).as_bytes(), Some(&signature))
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The parameters of a WhatsApp text message from `from`, as Twilio posts them.
pub fn inbound_params(sid: &str, from: &str, body: &str) -> Vec<(String, String)> {
    params(&[
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ProfileName", "Test Customer"),
        ("MessageType", "text"),
        ("SmsSid", sid),
        ("WaId", from.trim_start_matches("whatsapp:+")),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", "whatsapp:+14155238886"),
        ("NumSegments", "1"),
        ("ReferralNumMedia", "0"),
        ("MessageSid", sid),
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
    ])
}

/// A fresh `SM…` id.
pub fn new_sid() -> String {
    format!("SM{}", uuid::Uuid::now_v7().simple())
}

/// The in-memory twin of Twilio's Messages API: records what it is asked to send and answers
/// `queued` with a fresh sid.
#[derive(Debug, Default)]
pub struct RecordingSender {
    pub sent: std::sync::Mutex<Vec<crate::ports::OutboundRequest>>,
}

impl RecordingSender {
    pub fn requests(&self) -> Vec<crate::ports::OutboundRequest> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl crate::ports::ReplySender for RecordingSender {
    async fn send(
        &self,
        request: &crate::ports::OutboundRequest,
    ) -> Result<crate::ports::SentMessage, crate::ports::SendError> {
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(request.clone());
        }
        Ok(crate::ports::SentMessage {
            sid: new_sid(),
            status: crate::domain::MessageStatus::Queued,
        })
    }
}

/// `events/<name>.json` with its path pointed at another conversation id.
pub fn event_for_conversation(name: &str, id: &str) -> Request {
    let text = event_text(name).replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", id);
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
}

/// The tests' reference time, 2026-11-23T10:00:00Z.
pub fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// A response's body as text, whatever form it has.
pub fn body_text(response: &lambda_http::Response<lambda_http::Body>) -> String {
    match response.body() {
        lambda_http::Body::Text(t) => t.clone(),
        lambda_http::Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// A response's body as JSON; panics when it is not JSON.
pub fn body_json(response: &lambda_http::Response<lambda_http::Body>) -> serde_json::Value {
    let text = body_text(response);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
