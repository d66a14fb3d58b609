//! The desk's routes log no customer's data, no note and no quick reply, even at TRACE.
//! Alone in its test binary: a scoped log capture must not race other tests for the same
//! log callsites.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::tracing::subscriber::filter::LevelFilter;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::{InboundMessage, Senders};
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::ports::ConversationStore;
use whatsapp_channel::testing::{
    RecordingSender, event, event_for_conversation, inbound_params, new_sid, t0,
};

const CUSTOMER: &str = "whatsapp:+447700900123";
const WORDS: &str = "My card ending 4242 was charged twice";

#[tokio::test]
async fn even_at_trace_level_the_desk_logs_no_customer_data_notes_or_quick_replies() {
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let api = AgentApi::new(store.clone(), clock.clone()).with_sender(
        Arc::new(RecordingSender::default()),
        ReplySettings {
            status_callback: "https://example.com/twilio/status".into(),
        },
        Senders::parse("whatsapp:+14155238886").unwrap(),
    );
    let message = InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, WORDS)).unwrap();
    let id = receive_inbound(store.as_ref(), clock.as_ref(), &message)
        .await
        .unwrap()
        .conversation_id;
    store.accept(&id, "agent-alice", true, t0()).await.unwrap();
    for name in [
        "agent-api.add-note",
        "agent-api.transfer-conversation",
        "agent-api.list-agents",
        "agent-api.put-quick-reply",
        "agent-api.list-quick-replies",
        "agent-api.delete-quick-reply",
        "agent-api.get-customer",
        "agent-api.search",
    ] {
        function_handler(&api, event_for_conversation(name, id.as_str()))
            .await
            .unwrap();
    }
    // A business-started conversation with another customer.
    let start = event("agent-api.start-conversation");
    let _ = function_handler(&api, start).await.unwrap();
    let forbidden: Vec<String> = [
        WORDS,
        "Customer asked for a refund",
        "Refunds reach your card",
        "Zebra42",
        "447700900123",
        "700900123",
        "Test Customer",
        "order 1042",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_clean(&logs, &forbidden);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "conversation transferred"
                && l["conversation_id"] == id.as_str()),
        "{lines:#?}"
    );
}
