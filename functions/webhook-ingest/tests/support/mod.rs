//! The set-up webhook-ingest's logs and metrics tests share: the handler over the in-memory store
//! at t0 with the events' configuration, its metrics kept in memory.

use std::sync::Arc;

use webhook_ingest::WebhookIngest;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::testing::{events_webhook_config, t0};

pub fn measured() -> (WebhookIngest, MemorySink) {
    let sink = MemorySink::default();
    let state = WebhookIngest::new(
        &events_webhook_config(),
        Arc::new(InMemoryChannelStore::new()),
        Arc::new(ManualClock::at(t0())),
    )
    .with_metrics(Metrics::to(Arc::new(sink.clone()), "webhook-ingest"));
    (state, sink)
}
