//! send-reply's handler on the in-memory store and the recording Twilio twin, driven by the
//! `events/` fixtures.

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use send_reply::{SendReply, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::{ConversationId, InboundMessage};
use whatsapp_channel::ports::{ConversationStore, ReplyContent, SessionStore};
use whatsapp_channel::testing::{
    RecordingSender, event_for_conversation, inbound_params, new_sid, t0,
};

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    sender: Arc<RecordingSender>,
    state: SendReply,
    conversation: String,
}

/// A customer wrote at t0 and agent-alice (the events' caller) accepted.
async fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let sender = Arc::new(RecordingSender::default());
    let message =
        InboundMessage::from_params(inbound_params(&new_sid(), "whatsapp:+447700900123", "Hi"))
            .unwrap();
    let receipt = receive_inbound(store.as_ref(), clock.as_ref(), &message)
        .await
        .unwrap();
    store
        .accept(&receipt.conversation_id, "agent-alice", true, t0())
        .await
        .unwrap();
    clock.advance(TimeDelta::minutes(1));
    let settings = ReplySettings {
        status_callback: "https://example.com/twilio/status".into(),
    };
    let state = SendReply::new(store.clone(), sender.clone(), clock.clone(), settings);
    Harness {
        conversation: receipt.conversation_id.to_string(),
        store,
        clock,
        sender,
        state,
    }
}

fn json(response: &Response<Body>) -> serde_json::Value {
    match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        _ => serde_json::Value::Null,
    }
}

#[tokio::test]
async fn the_text_reply_event_is_sent_and_answered_201() {
    let h = harness().await;
    let response = function_handler(
        &h.state,
        event_for_conversation("send-reply.reply-text", &h.conversation),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        json(&response)["body"],
        "Your order #1234 ships today. Anything else?"
    );
    let sent = h.sender.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "whatsapp:+447700900123");
    assert_eq!(sent[0].status_callback, "https://example.com/twilio/status");
}

#[tokio::test]
async fn the_media_reply_event_sends_one_media_with_its_caption() {
    let h = harness().await;
    let response = function_handler(
        &h.state,
        event_for_conversation("send-reply.reply-media", &h.conversation),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        h.sender.requests()[0].content,
        ReplyContent::Media {
            url: "https://cdn.example.com/labels/1234.pdf".into(),
            caption: Some("Your return label".into())
        }
    );
}

#[tokio::test]
async fn the_text_reply_event_outside_the_window_is_refused_with_409_and_not_sent() {
    let h = harness().await;
    h.clock.advance(TimeDelta::hours(24));
    let response = function_handler(
        &h.state,
        event_for_conversation("send-reply.reply-text", &h.conversation),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = json(&response);
    assert_eq!(body["error"], "window_expired");
    assert_eq!(
        body["message"],
        "This conversation has exceeded the 24 hour limit to respond to the customer."
    );
    assert_eq!(body["window_expired_at"], "2026-11-24T10:00:00.000Z");
    assert!(h.sender.requests().is_empty());
}

#[tokio::test]
async fn the_template_event_is_sent_outside_the_window() {
    let h = harness().await;
    h.clock.advance(TimeDelta::days(2));
    let response = function_handler(
        &h.state,
        event_for_conversation("send-reply.reply-template", &h.conversation),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(matches!(
        h.sender.requests()[0].content,
        ReplyContent::Template { .. }
    ));
}

#[tokio::test]
async fn the_events_idempotency_key_makes_a_retry_return_the_first_answer() {
    let h = harness().await;
    let first = function_handler(
        &h.state,
        event_for_conversation("send-reply.reply-text", &h.conversation),
    )
    .await
    .unwrap();
    let second = function_handler(
        &h.state,
        event_for_conversation("send-reply.reply-text", &h.conversation),
    )
    .await
    .unwrap();
    assert_eq!(json(&first), json(&second));
    assert_eq!(h.sender.requests().len(), 1);
    let id = ConversationId::parse(&h.conversation).unwrap();
    assert_eq!(h.store.conversation_messages(&id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_request_without_an_agent_identity_is_401_and_a_bad_key_is_400() {
    let h = harness().await;
    let text = whatsapp_channel::testing::event_text("send-reply.reply-text")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &h.conversation);
    let mut event: serde_json::Value = serde_json::from_str(&text).unwrap();
    event["headers"]["idempotency-key"] = "has spaces".into();
    let bad_key = function_handler(
        &h.state,
        lambda_http::request::from_str(&event.to_string()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(bad_key.status(), StatusCode::BAD_REQUEST);
    event["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let anonymous = function_handler(
        &h.state,
        lambda_http::request::from_str(&event.to_string()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(h.sender.requests().is_empty());
}
