//! `POST /conversations` from `events/` over the in-memory store and a recording Twilio twin:
//! the business writes first with an approved template.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::{InboundMessage, ReplyContent, Senders};
use whatsapp_channel::ports::{ConversationStore, StreamChange};
use whatsapp_channel::testing::{
    RecordingSender, body_json, event, event_text, inbound_params, new_sid, t0,
};

const CUSTOMER: &str = "whatsapp:+447700900123";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    twilio: Arc<RecordingSender>,
    api: AgentApi,
    stream: tokio::sync::mpsc::UnboundedReceiver<StreamChange>,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let stream = store.stream();
    let clock = Arc::new(ManualClock::at(t0()));
    let twilio = Arc::new(RecordingSender::default());
    let api = AgentApi::new(store.clone(), clock.clone()).with_sender(
        twilio.clone(),
        ReplySettings {
            status_callback: "https://abc123defg.execute-api.eu-west-1.amazonaws.com/twilio/status"
                .into(),
        },
        Senders::parse("whatsapp:+14155238887,whatsapp:+14155238886").unwrap(),
    );
    Harness {
        store,
        clock,
        twilio,
        api,
        stream,
    }
}

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.api, request).await.unwrap()
    }
}

fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Request {
    let mut value: serde_json::Value =
        serde_json::from_str(&event_text("agent-api.start-conversation")).unwrap();
    edit(&mut value);
    lambda_http::request::from_str(&value.to_string()).unwrap()
}

#[tokio::test]
async fn the_template_goes_from_the_chosen_sender_and_the_conversation_is_the_callers() {
    let mut h = harness();
    let response = h.call(event("agent-api.start-conversation")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = body_json(&response);
    assert_eq!(body["assigned_agent"], "agent-alice");
    assert_eq!(body["business_number"], "whatsapp:+14155238886");
    assert_eq!(body["customer"]["address"], CUSTOMER);
    assert_eq!(body["window"]["open"], false, "the customer never wrote");
    assert_eq!(body["message"]["status"], "queued");
    assert_eq!(
        body["message"]["template"]["content_sid"],
        "HXa1b2c3d4e5f60718293a4b5c6d7e8f90"
    );
    let sent = h.twilio.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].from.as_str(), "whatsapp:+14155238886");
    assert_eq!(sent[0].to.as_str(), CUSTOMER);
    assert!(
        matches!(&sent[0].content, ReplyContent::Template { content_sid, .. } if content_sid == "HXa1b2c3d4e5f60718293a4b5c6d7e8f90")
    );
    // No conversation request: the conversation is inserted already assigned.
    while let Ok(change) = h.stream.try_recv() {
        if let Some(whatsapp_channel::ports::StoredItem::Conversation(c)) = &change.new {
            assert_eq!(c.state, whatsapp_channel::ports::ConversationState::Active);
        }
    }
}

#[tokio::test]
async fn without_a_number_the_first_sender_is_used() {
    let h = harness();
    let response = h
        .call(edited(|v| {
            v["body"] = serde_json::json!({"customer": CUSTOMER, "template": {"content_sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90"}}).to_string().into();
        }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        h.twilio.requests()[0].from.as_str(),
        "whatsapp:+14155238887"
    );
}

#[tokio::test]
async fn a_retry_with_the_same_key_answers_the_same_conversation_and_sends_once() {
    let h = harness();
    let first = body_json(&h.call(event("agent-api.start-conversation")).await);
    let again = h.call(event("agent-api.start-conversation")).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(body_json(&again)["id"], first["id"]);
    assert_eq!(h.twilio.requests().len(), 1);
    // Another start for the same customer and number, without the key, is refused.
    let other = h
        .call(edited(|v| {
            v["headers"]
                .as_object_mut()
                .unwrap()
                .remove("idempotency-key");
        }))
        .await;
    assert_eq!(other.status(), StatusCode::CONFLICT);
    let body = body_json(&other);
    assert_eq!(body["error"], "conversation_open");
    assert_eq!(body["conversation_id"], first["id"]);
}

#[tokio::test]
async fn the_customers_answer_continues_the_same_conversation_with_the_same_agent() {
    let mut h = harness();
    let started = body_json(&h.call(event("agent-api.start-conversation")).await);
    while h.stream.try_recv().is_ok() {}
    h.clock.set(t0() + chrono::TimeDelta::hours(3));
    let mut params = inbound_params(&new_sid(), CUSTOMER, "Yes please, deliver tomorrow");
    for (name, value) in &mut params {
        if name == "To" {
            *value = "whatsapp:+14155238886".into();
        }
    }
    let message = InboundMessage::from_params(params).unwrap();
    let receipt = receive_inbound(h.store.as_ref(), h.clock.as_ref(), &message)
        .await
        .unwrap();
    assert_eq!(
        receipt.conversation_id.as_str(),
        started["id"].as_str().unwrap()
    );
    let conversation = h
        .store
        .conversation(&receipt.conversation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conversation.assigned_agent.as_deref(), Some("agent-alice"));
    assert_eq!(
        conversation.last_inbound_at,
        t0() + chrono::TimeDelta::hours(3)
    );
    // No new conversation was inserted (no request card).
    while let Ok(change) = h.stream.try_recv() {
        assert!(
            !matches!(
                change.new,
                Some(whatsapp_channel::ports::StoredItem::Conversation(_))
            ),
            "{change:?}"
        );
    }
    let read = body_json(
        &h.call(whatsapp_channel::testing::event_for_conversation(
            "agent-api.get-conversation",
            started["id"].as_str().unwrap(),
        ))
        .await,
    );
    assert_eq!(read["window"]["open"], true);
    assert_eq!(read["state"], "active");
    assert_eq!(read["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_start_with_a_bad_body_or_another_number_is_refused_and_sends_nothing() {
    let h = harness();
    for (body, status, code) in [
        ("nope".to_owned(), 400, "invalid_json"),
        (serde_json::json!({"customer": "+447700900123", "template": {"content_sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90"}}).to_string(), 422, "invalid_customer"),
        (serde_json::json!({"customer": CUSTOMER}).to_string(), 422, "invalid_template"),
        (serde_json::json!({"customer": CUSTOMER, "template": {"content_sid": "HX12"}}).to_string(), 422, "invalid_template"),
        (serde_json::json!({"customer": CUSTOMER, "number": "whatsapp:+15550000000", "template": {"content_sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90"}}).to_string(), 422, "unknown_sender"),
    ] {
        let response = h.call(edited(|v| v["body"] = body.clone().into())).await;
        assert_eq!(response.status().as_u16(), status, "{body}");
        assert_eq!(body_json(&response)["error"], code, "{body}");
    }
    assert!(h.twilio.requests().is_empty());
}

#[tokio::test]
async fn without_a_twilio_account_starting_is_503() {
    let store = Arc::new(InMemoryChannelStore::new());
    let api = AgentApi::new(store, Arc::new(ManualClock::at(t0())));
    let response = function_handler(&api, event("agent-api.start-conversation"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}
