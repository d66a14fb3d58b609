//! send-reply's logs, on the in-memory store with Twilio twins: never the reply's words or the
//! customer's number. Alone in its test binary: a scoped log capture must not race other tests
//! for the same log callsites.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use lambda_http::tracing::subscriber::filter::LevelFilter;
use send_reply::{SendReply, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::ports::{
    ConversationStore, OutboundRequest, ReplySender, SendError, SentMessage,
};
use whatsapp_channel::testing::{
    RecordingSender, event_for_conversation, inbound_params, new_sid, t0,
};

const CUSTOMER: &str = "whatsapp:+447700900123";

/// Twilio refusing every message, with the customer's number in its message as Twilio writes it.
struct RefusingTwilio;

#[async_trait]
impl ReplySender for RefusingTwilio {
    async fn send(&self, request: &OutboundRequest) -> Result<SentMessage, SendError> {
        Err(SendError::Rejected {
            http_status: 400,
            code: Some(21211),
            message: format!(
                "The 'To' number {} is not a valid phone number.",
                request.to
            ),
        })
    }
}

struct Harness {
    clock: Arc<ManualClock>,
    state: SendReply,
    conversation: String,
}

/// A customer wrote at t0 and agent-alice (the events' caller) accepted.
async fn harness(sender: Arc<dyn ReplySender>) -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let message = InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, "Hi")).unwrap();
    let receipt = receive_inbound(store.as_ref(), clock.as_ref(), &message)
        .await
        .unwrap();
    store
        .accept(&receipt.conversation_id, "agent-alice", t0())
        .await
        .unwrap();
    clock.advance(TimeDelta::minutes(1));
    let settings = ReplySettings {
        status_callback: "https://example.com/twilio/status".into(),
    };
    let state = SendReply::new(store, sender, clock.clone(), settings);
    Harness {
        conversation: receipt.conversation_id.to_string(),
        clock,
        state,
    }
}

impl Harness {
    async fn reply(&self, event: &str) -> StatusCode {
        function_handler(
            &self.state,
            event_for_conversation(event, &self.conversation),
        )
        .await
        .unwrap()
        .status()
    }
}

#[tokio::test]
async fn even_at_trace_level_replies_are_logged_without_their_words_or_the_customer_s_number() {
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let h = harness(Arc::new(RecordingSender::default())).await;
    for event in [
        "send-reply.reply-text",
        "send-reply.reply-media",
        "send-reply.reply-template",
    ] {
        h.reply(event).await;
    }
    h.clock.advance(TimeDelta::hours(24));
    h.reply("send-reply.reply-text").await;
    let refused = harness(Arc::new(RefusingTwilio)).await;
    refused.reply("send-reply.reply-text").await;

    let forbidden: Vec<String> = [
        "Your order #1234 ships today. Anything else?",
        "Your return label",
        "https://cdn.example.com/labels/1234.pdf",
        "Zoë",
        "447700900123",
        "700900123",
        "is not a valid phone number",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_clean(&logs, &forbidden);
    let lines = logs.lines();
    let sent = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["message"] == "reply" && l["status"] == 201)
        .expect("a reply line");
    assert_eq!(sent["conversation_id"], h.conversation.as_str());
    assert!(
        sent["message_sid"]
            .as_str()
            .is_some_and(|s| s.starts_with("SM"))
    );
}
