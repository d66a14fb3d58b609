//! send-reply's metrics (EMF), on the in-memory store with Twilio twins.

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
    sink: MemorySink,
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
async fn a_sent_reply_counts_per_business_number_with_twilio_s_latency() {
    let h = harness(Arc::new(RecordingSender::default())).await;
    assert_eq!(h.reply("send-reply.reply-text").await, StatusCode::CREATED);
    let sent = h.sink.named("RepliesSent");
    assert_eq!(sent.len(), 1, "{:?}", h.sink.lines());
    assert_eq!(sent[0]["BusinessNumber"], "+14155238886");
    let latency = h.sink.named("TwilioLatency");
    assert_eq!(latency.len(), 1);
    assert_eq!(
        latency[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
        "Milliseconds"
    );
    assert!(h.sink.named("TemplatesSent").is_empty());
}

#[tokio::test]
async fn a_template_counts_as_a_template_not_a_reply() {
    let h = harness(Arc::new(RecordingSender::default())).await;
    assert_eq!(
        h.reply("send-reply.reply-template").await,
        StatusCode::CREATED
    );
    assert_eq!(h.sink.named("TemplatesSent").len(), 1);
    assert!(h.sink.named("RepliesSent").is_empty());
}

#[tokio::test]
async fn a_reply_after_the_window_closed_counts_as_a_window_refusal_and_calls_no_twilio() {
    let h = harness(Arc::new(RecordingSender::default())).await;
    h.clock.advance(TimeDelta::hours(24));
    assert_eq!(h.reply("send-reply.reply-text").await, StatusCode::CONFLICT);
    let refusals = h.sink.named("WindowRefusals");
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["BusinessNumber"], "+14155238886");
    assert!(h.sink.named("TwilioLatency").is_empty());
}

#[tokio::test]
async fn twilio_s_refusal_counts_as_a_twilio_error_with_its_code() {
    let h = harness(Arc::new(RefusingTwilio)).await;
    assert_eq!(
        h.reply("send-reply.reply-text").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let errors = h.sink.named("TwilioErrors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["ErrorCode"], "21211");
    assert_eq!(errors[0]["BusinessNumber"], "+14155238886");
    assert!(h.sink.named("RepliesSent").is_empty());
}
