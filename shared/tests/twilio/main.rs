//! The Twilio Messages API adapter against a wiremock Twilio. Every request the mock receives is
//! checked against the `CreateMessage` operation of Twilio's OpenAPI spec
//! (tests/fixtures/twilio-create-message.json).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use whatsapp_channel::adapters::{TwilioConfig, TwilioReplySender};
use whatsapp_channel::domain::MessageStatus;
use whatsapp_channel::ports::{OutboundRequest, ReplyContent, ReplySender, SendError};
use wiremock::http::{HeaderValue, Url};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[path = "../support/mod.rs"]
mod support;

mod config;
mod erase;
mod failures;
mod rate_limits;
mod requests;

use support::openapi::{FIXTURE, TwilioOperation, form};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "tok3n-that-must-never-leak-0123456789";
const TO: &str = "whatsapp:+15552229999";
const FROM: &str = "whatsapp:+14155238886";
const STATUS_URL: &str = "https://abc123.execute-api.eu-west-1.amazonaws.com/twilio/status";
const CONTENT_SID: &str = "HX0123456789abcdef0123456789abcdef";
const MEDIA_URL: &str = "https://example.com/media/receipt.jpg";

// ---------------------------------------------------------------------------------------------
// Helpers

fn config(base: &str) -> TwilioConfig {
    TwilioConfig {
        api_base_url: base.to_owned(),
        account_sid: ACCOUNT_SID.to_owned(),
        auth_token: AUTH_TOKEN.to_owned(),
    }
}

fn sender(server: &MockServer) -> TwilioReplySender {
    TwilioReplySender::new(config(&server.uri())).unwrap()
}

fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
}

fn outbound(content: ReplyContent) -> OutboundRequest {
    OutboundRequest {
        to: TO.to_owned(),
        from: FROM.to_owned(),
        content,
        status_callback: STATUS_URL.to_owned(),
        budget: None,
    }
}

fn text(body: &str) -> OutboundRequest {
    outbound(ReplyContent::Text {
        body: body.to_owned(),
    })
}

/// Twilio's 201, with the spec's own example of a created message.
fn created() -> ResponseTemplate {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let example = fixture["responses"]["201"]["content"]["application/json"]["example"].clone();
    assert_eq!(example["status"], "queued");
    ResponseTemplate::new(201).set_body_json(example)
}

fn example_sid() -> String {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    fixture["responses"]["201"]["content"]["application/json"]["example"]["sid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Twilio's error JSON.
fn twilio_error(http_status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(http_status).set_body_json(json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": http_status,
    }))
}

fn too_many_requests() -> ResponseTemplate {
    twilio_error(429, 20429, "Too Many Requests")
}

async fn twilio_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// Every request the mock received, each checked against the CreateMessage schema.
async fn checked_requests(server: &MockServer) -> Vec<Request> {
    let requests = server.received_requests().await.unwrap();
    let schema = TwilioOperation::load();
    for (i, request) in requests.iter().enumerate() {
        if let Err(problems) = schema.check(request) {
            panic!(
                "request {i} does not match CreateMessage:\n  {}",
                problems.join("\n  ")
            );
        }
    }
    requests
}

fn param(request: &Request, name: &str) -> Option<String> {
    let values: Vec<String> = form(request)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect();
    assert!(values.len() <= 1, "{name} was sent {} times", values.len());
    values.into_iter().next()
}

fn names(request: &Request) -> Vec<String> {
    let mut names: Vec<String> = form(request).into_iter().map(|(n, _)| n).collect();
    names.sort();
    names
}

fn assert_no_token(error: &SendError) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(AUTH_TOKEN), "the token leaked: {shown}");
}

// ---------------------------------------------------------------------------------------------
// What is posted
