//! agent-api's metrics (EMF), over the in-memory store.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::testing::{event_for_conversation, inbound_params, new_sid, t0};

const CUSTOMER: &str = "whatsapp:+447700900123";
const WORDS: &str = "My card ending 4242 was charged twice";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    api: AgentApi,
    sink: MemorySink,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let sink = MemorySink::default();
    let api = AgentApi::new(store.clone(), clock.clone())
        .with_metrics(Metrics::to(Arc::new(sink.clone()), "agent-api"));
    Harness {
        store,
        clock,
        api,
        sink,
    }
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
async fn an_accept_counts_with_how_long_the_customer_waited_and_a_repeated_accept_does_not() {
    let h = harness();
    let id = h.requested().await;
    h.clock.advance(TimeDelta::seconds(90));
    assert_eq!(
        h.call("agent-api.accept-conversation", &id).await,
        StatusCode::OK
    );
    assert_eq!(
        h.call("agent-api.accept-conversation", &id).await,
        StatusCode::OK
    );
    let accepts = h.sink.named("Accepts");
    assert_eq!(accepts.len(), 1, "{:?}", h.sink.lines());
    assert_eq!(accepts[0]["BusinessNumber"], "+14155238886");
    let waits = h.sink.named("TimeToAccept");
    assert_eq!(waits.len(), 1);
    assert_eq!(waits[0]["TimeToAccept"], 90_000.0);
    assert_eq!(
        waits[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
        "Milliseconds"
    );
}
