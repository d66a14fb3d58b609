//! notify-agent's logs, driven by the `events/` stream records: never a customer's data.
//! Alone in its test binary: a scoped log capture must not race other tests for the same
//! log callsites.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use chrono::{DateTime, TimeDelta, Utc};
use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock, RecordingNotifier};
use whatsapp_channel::domain::Presence;
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::ports::AgentStore;
use whatsapp_channel::testing::{event_text, t0};

struct Harness {
    store: Arc<InMemoryChannelStore>,
    notifier: Arc<RecordingNotifier>,
    state: NotifyAgent,
}

fn harness(now: DateTime<Utc>) -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let state = NotifyAgent::new(
        store.clone(),
        notifier.clone(),
        Arc::new(ManualClock::at(now)),
    );
    Harness {
        store,
        notifier,
        state,
    }
}

impl Harness {
    async fn available(&self, agent: &str) {
        self.store
            .set_presence(agent, Presence::Available, t0() - TimeDelta::hours(1))
            .await
            .unwrap();
    }

    async fn deliver(&self, name: &str) -> usize {
        let event: Event = serde_json::from_str(&event_text(name)).unwrap();
        function_handler(&self.state, LambdaEvent::new(event, Context::default()))
            .await
            .unwrap()
            .batch_item_failures
            .len()
    }
}

#[tokio::test]
async fn even_at_trace_level_stream_records_are_logged_without_customer_data() {
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let h = harness(t0() + TimeDelta::days(2));
    h.available("agent-alice").await;
    h.available("agent-bob").await;
    for name in [
        "notify-agent.insert-conversation",
        "notify-agent.modify-accepted",
        "notify-agent.ttl-remove",
        "notify-agent.ttl-remove-without-identity",
    ] {
        h.deliver(name).await;
    }
    // A failed publish is logged too.
    let failing = harness(t0() + TimeDelta::seconds(3));
    failing.available("agent-alice").await;
    failing.notifier.fail_next(1);
    assert_eq!(failing.deliver("notify-agent.insert-conversation").await, 1);
    let forbidden: Vec<String> = [
        "447700900123",
        "700900123",
        "Zoë O'Brien",
        "Hi! Order #1234 – where is it? 😕",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_clean(&logs, &forbidden);
    assert!(
        logs.lines()
            .iter()
            .any(|l| l.contains("01a20a57-f1b0-7342-9a4c-552c53ee9bf3")),
        "no line names the conversation: {:?}",
        logs.lines()
    );
}
