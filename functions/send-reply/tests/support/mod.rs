//! The set-up send-reply's logs and metrics tests share: a conversation on the in-memory store
//! that agent-alice (the events' caller) accepted, a Twilio twin, and the metrics kept in
//! memory. Each test binary uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use async_trait::async_trait;
use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use send_reply::{SendReply, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::ports::{
    ConversationStore, OutboundRequest, ReplySender, SendError, SentMessage,
};
use whatsapp_channel::testing::{event_for_conversation, inbound_params, new_sid, t0};

pub const CUSTOMER: &str = "whatsapp:+447700900123";

/// Twilio refusing every message, with the customer's number in its message as Twilio writes it.
pub struct RefusingTwilio;

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

pub struct Harness {
    pub clock: Arc<ManualClock>,
    pub state: SendReply,
    pub sink: MemorySink,
    pub conversation: String,
}

/// A customer wrote at t0 and agent-alice (the events' caller) accepted.
pub async fn harness(sender: Arc<dyn ReplySender>) -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let message = InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, "Hi")).unwrap();
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
    let sink = MemorySink::default();
    let state = SendReply::new(store, sender, clock.clone(), settings)
        .with_metrics(Metrics::to(Arc::new(sink.clone()), "send-reply"));
    Harness {
        conversation: receipt.conversation_id.to_string(),
        clock,
        state,
        sink,
    }
}

impl Harness {
    pub async fn reply(&self, event: &str) -> StatusCode {
        function_handler(
            &self.state,
            event_for_conversation(event, &self.conversation),
        )
        .await
        .unwrap()
        .status()
    }
}
