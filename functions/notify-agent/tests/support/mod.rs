//! The set-up notify-agent's logs and metrics tests share: the handler over the in-memory store
//! and a recording notifier, driven by the `events/` stream records, its metrics kept in memory.
//! Each test binary uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use chrono::{DateTime, TimeDelta, Utc};
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock, RecordingNotifier};
use whatsapp_channel::domain::Presence;
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::ports::AgentStore;
use whatsapp_channel::testing::{event_text, t0};

pub struct Harness {
    pub store: Arc<InMemoryChannelStore>,
    pub notifier: Arc<RecordingNotifier>,
    pub state: NotifyAgent,
    pub sink: MemorySink,
}

pub fn harness(now: DateTime<Utc>) -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let sink = MemorySink::default();
    let state = NotifyAgent::new(
        store.clone(),
        notifier.clone(),
        Arc::new(ManualClock::at(now)),
    )
    .with_metrics(Metrics::to(Arc::new(sink.clone()), "notify-agent"));
    Harness {
        store,
        notifier,
        state,
        sink,
    }
}

impl Harness {
    pub async fn available(&self, agent: &str) {
        self.store
            .set_presence(agent, Presence::Available, t0() - TimeDelta::hours(1))
            .await
            .unwrap();
    }

    /// Delivers the stream records of event `name`; how many were reported failed.
    pub async fn deliver(&self, name: &str) -> usize {
        let event: Event = serde_json::from_str(&event_text(name)).unwrap();
        function_handler(&self.state, LambdaEvent::new(event, Context::default()))
            .await
            .unwrap()
            .batch_item_failures
            .len()
    }
}
