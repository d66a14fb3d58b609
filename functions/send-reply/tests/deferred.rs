//! Deferred replies on the in-memory store with the recording Twilio twin: kept (202) while the
//! window is closed, sent once when the customer writes again, cancellable until then.

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use send_reply::{SendReply, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::deferred::{DeferredSending, release_for_change};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::{ConversationId, InboundMessage, MessageStatus};
use whatsapp_channel::ports::{
    ConversationStore, Direction, ReplyContent, SessionStore, StreamChange,
};
use whatsapp_channel::testing::{
    RecordingSender, event_for_conversation, event_text, inbound_params, new_sid, t0,
};

const CUSTOMER: &str = "whatsapp:+447700900123";
const DEFERRED_TEXT: &str = "Your refund was sent today; it shows in 3 to 5 days.";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    stream: tokio::sync::mpsc::UnboundedReceiver<StreamChange>,
    clock: Arc<ManualClock>,
    sender: Arc<RecordingSender>,
    settings: ReplySettings,
    state: SendReply,
    conversation: ConversationId,
}

async fn customer_writes(store: &InMemoryChannelStore, clock: &ManualClock) -> ConversationId {
    let message =
        InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, "Any news?")).unwrap();
    receive_inbound(store, clock, &message)
        .await
        .unwrap()
        .conversation_id
}

/// A customer wrote at t0, agent-alice (the events' caller) accepted, and 25 h have passed.
async fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let stream = store.stream();
    let clock = Arc::new(ManualClock::at(t0()));
    let sender = Arc::new(RecordingSender::default());
    let conversation = customer_writes(&store, &clock).await;
    store
        .accept(&conversation, "agent-alice", true, t0())
        .await
        .unwrap();
    clock.advance(TimeDelta::hours(25));
    let settings = ReplySettings {
        status_callback: "https://example.com/twilio/status".into(),
    };
    let state = SendReply::new(
        store.clone(),
        sender.clone(),
        clock.clone(),
        settings.clone(),
    );
    Harness {
        store,
        stream,
        clock,
        sender,
        settings,
        state,
        conversation,
    }
}

fn json(response: &Response<Body>) -> serde_json::Value {
    match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        _ => serde_json::Value::Null,
    }
}

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.state, request).await.unwrap()
    }

    async fn defer(&self) -> Response<Body> {
        self.call(event_for_conversation(
            "send-reply.defer-text",
            self.conversation.as_str(),
        ))
        .await
    }

    fn cancel(&self, message_id: &str) -> Request {
        let text = event_text("send-reply.cancel-deferred")
            .replace(
                "01a20a57-f1b0-7342-9a4c-552c53ee9bf3",
                self.conversation.as_str(),
            )
            .replace("deferred-4f0c2a9b1e7d4c3a8b6e5d4c3b2a1908", message_id);
        lambda_http::request::from_str(&text).unwrap()
    }

    /// Every stream record so far through the release, twice (a redelivery changes nothing).
    async fn pump(&mut self) -> usize {
        let sending = DeferredSending {
            sender: self.sender.as_ref(),
            settings: &self.settings,
            max_wait: TimeDelta::days(28),
        };
        let mut sent = 0;
        while let Ok(change) = self.stream.try_recv() {
            for _ in 0..2 {
                sent +=
                    release_for_change(self.store.as_ref(), &sending, self.clock.now(), &change)
                        .await
                        .unwrap();
            }
        }
        sent
    }

    async fn outbound(&self) -> Vec<whatsapp_channel::ports::MessageRecord> {
        self.store
            .conversation_messages(&self.conversation)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.direction == Direction::Outbound)
            .collect()
    }
}

use whatsapp_channel::ports::Clock;

#[tokio::test]
async fn a_reply_deferred_after_24_h_is_kept_and_reaches_twilio_once_when_the_customer_writes() {
    let mut h = harness().await;
    let response = h.defer().await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(json(&response)["status"], "deferred");
    assert_eq!(json(&response)["body"], DEFERRED_TEXT);
    assert_eq!(h.pump().await, 0);
    assert!(
        h.sender.requests().is_empty(),
        "nothing before the customer writes"
    );

    h.clock.advance(TimeDelta::days(2));
    let new_conversation = customer_writes(&h.store, &h.clock).await;
    assert_ne!(new_conversation, h.conversation);
    assert_eq!(h.pump().await, 1);

    let sent = h.sender.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, CUSTOMER);
    assert_eq!(sent[0].from, "whatsapp:+14155238886");
    assert_eq!(
        sent[0].content,
        ReplyContent::Text {
            body: DEFERRED_TEXT.into()
        }
    );
    let outbound = h.outbound().await;
    assert_eq!(outbound.len(), 1);
    assert!(outbound[0].id.starts_with("SM"), "{:?}", outbound[0].id);
    assert_eq!(outbound[0].status, MessageStatus::Queued);
}

#[tokio::test]
async fn a_cancelled_deferred_reply_never_goes_out() {
    let mut h = harness().await;
    let id = json(&h.defer().await)["id"].as_str().unwrap().to_owned();
    assert_eq!(h.call(h.cancel(&id)).await.status(), StatusCode::NO_CONTENT);
    let again = h.call(h.cancel(&id)).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(json(&again)["error"], "not_deferred");

    customer_writes(&h.store, &h.clock).await;
    assert_eq!(h.pump().await, 0);
    assert!(h.sender.requests().is_empty());
    assert_eq!(h.outbound().await[0].status, MessageStatus::Canceled);
}

#[tokio::test]
async fn a_retry_with_the_same_key_finds_the_first_deferred_reply() {
    let mut h = harness().await;
    let first = json(&h.defer().await);
    let second = h.defer().await;
    assert_eq!(second.status(), StatusCode::ACCEPTED);
    assert_eq!(json(&second)["id"], first["id"]);
    assert_eq!(h.outbound().await.len(), 1);
    customer_writes(&h.store, &h.clock).await;
    assert_eq!(h.pump().await, 1);
}

#[tokio::test]
async fn defer_inside_an_open_window_is_refused_and_nothing_is_kept() {
    let h = harness().await;
    customer_writes(&h.store, &h.clock).await;
    // The customer's new message opened a new conversation; the old one's window stays closed,
    // so defer there is still allowed. In the new, open one it is not.
    let open = h.store.list_conversations(1).await.unwrap()[0].id.clone();
    let open = ConversationId::parse(&open).unwrap();
    h.store
        .accept(&open, "agent-alice", true, h.clock.now())
        .await
        .unwrap();
    let response = h
        .call(event_for_conversation(
            "send-reply.defer-text",
            open.as_str(),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&response)["error"], "window_open");
    assert!(h.sender.requests().is_empty());
}

#[tokio::test]
async fn a_deferred_reply_older_than_the_wait_expires_unsent() {
    let mut h = harness().await;
    h.defer().await;
    h.clock.advance(TimeDelta::days(29));
    customer_writes(&h.store, &h.clock).await;
    assert_eq!(h.pump().await, 0);
    assert!(h.sender.requests().is_empty());
    assert_eq!(h.outbound().await[0].status, MessageStatus::Expired);
}

#[tokio::test]
async fn only_the_assigned_agent_may_cancel_a_deferred_reply() {
    let h = harness().await;
    let id = json(&h.defer().await)["id"].as_str().unwrap().to_owned();
    let text = event_text("send-reply.cancel-deferred")
        .replace(
            "01a20a57-f1b0-7342-9a4c-552c53ee9bf3",
            h.conversation.as_str(),
        )
        .replace("deferred-4f0c2a9b1e7d4c3a8b6e5d4c3b2a1908", &id)
        .replace("\"agent-alice\"", "\"agent-bob\"");
    let response = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(h.outbound().await[0].status, MessageStatus::Deferred);
}
