//! The set-up agent-api's logs and metrics tests share: the API over the in-memory store at t0,
//! its metrics kept in memory. Each test binary uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::http::StatusCode;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::testing::{event_for_conversation, inbound_params, new_sid, t0};

pub const CUSTOMER: &str = "whatsapp:+447700900123";
pub const WORDS: &str = "My card ending 4242 was charged twice";

pub struct Harness {
    pub store: Arc<InMemoryChannelStore>,
    pub clock: Arc<ManualClock>,
    pub api: AgentApi,
    pub sink: MemorySink,
}

pub fn harness() -> Harness {
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
    pub async fn requested(&self) -> String {
        let message =
            InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, WORDS)).unwrap();
        receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .unwrap()
            .conversation_id
            .as_str()
            .to_owned()
    }

    pub async fn call(&self, name: &str, conversation: &str) -> StatusCode {
        function_handler(&self.api, event_for_conversation(name, conversation))
            .await
            .unwrap()
            .status()
    }
}
