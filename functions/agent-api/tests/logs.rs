//! agent-api's logs over the in-memory store: never a customer's data.
//! Alone in its test binary: a scoped log capture must not race other tests for the same
//! log callsites.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::http::StatusCode;
use lambda_http::tracing::subscriber::filter::LevelFilter;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::testing::{event, event_for_conversation, inbound_params, new_sid, t0};

const CUSTOMER: &str = "whatsapp:+447700900123";
const WORDS: &str = "My card ending 4242 was charged twice";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    api: AgentApi,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let api = AgentApi::new(store.clone(), clock.clone());
    Harness { store, clock, api }
}

impl Harness {
    /// A customer's first message at the clock's time: a conversation request.
    async fn requested(&self) -> String {
        let message =
            InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, WORDS)).unwrap();
        receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .unwrap()
            .conversation_id
            .as_str()
            .to_owned()
    }

    async fn call(&self, name: &str, conversation: &str) -> StatusCode {
        function_handler(&self.api, event_for_conversation(name, conversation))
            .await
            .unwrap()
            .status()
    }
}

#[tokio::test]
async fn even_at_trace_level_the_agents_routes_log_no_customer_data() {
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let h = harness();
    let id = h.requested().await;
    function_handler(&h.api, event("agent-api.put-contact"))
        .await
        .unwrap();
    for name in [
        "agent-api.list-conversations",
        "agent-api.list-requested",
        "agent-api.get-conversation",
        "agent-api.accept-conversation",
        "agent-api.close-conversation",
        "agent-api.set-presence",
    ] {
        h.call(name, &id).await;
    }
    let forbidden: Vec<String> = [
        WORDS,
        "Zoë O'Brien",
        "C-1042",
        "447700900123",
        "700900123",
        "Test Customer",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_clean(&logs, &forbidden);
    let accepted = logs
        .lines()
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["message"] == "conversation accepted")
        .expect("an accept line");
    assert_eq!(accepted["conversation_id"], id.as_str());
}
