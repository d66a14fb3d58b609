//! notify-agent's metrics (EMF) and logs, driven by the `events/` stream records.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use chrono::{DateTime, TimeDelta, Utc};
use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock, RecordingNotifier};
use whatsapp_channel::domain::Presence;
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::ports::AgentStore;
use whatsapp_channel::testing::{event_text, t0};

struct Harness {
    store: Arc<InMemoryChannelStore>,
    notifier: Arc<RecordingNotifier>,
    state: NotifyAgent,
    sink: MemorySink,
}

fn harness(now: DateTime<Utc>) -> Harness {
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
async fn a_request_nobody_is_available_for_counts_as_no_agent_available() {
    let h = harness(t0() + TimeDelta::seconds(3));
    assert_eq!(h.deliver("notify-agent.insert-conversation").await, 0);
    let waiting = h.sink.named("NoAgentAvailable");
    assert_eq!(waiting.len(), 1, "{:?}", h.sink.lines());
    assert_eq!(waiting[0]["BusinessNumber"], "+14155238886");
    assert!(h.sink.named("NotificationsPublished").is_empty());
}

#[tokio::test]
async fn a_published_request_counts_per_business_number() {
    let h = harness(t0() + TimeDelta::seconds(3));
    h.available("agent-alice").await;
    h.deliver("notify-agent.insert-conversation").await;
    let published = h.sink.named("NotificationsPublished");
    assert_eq!(published.len(), 1, "{:?}", h.sink.lines());
    assert_eq!(published[0]["BusinessNumber"], "+14155238886");
    assert!(h.sink.named("NoAgentAvailable").is_empty());
}

#[tokio::test]
async fn a_failed_publish_counts_as_a_notification_failure_and_the_record_is_retried() {
    let h = harness(t0() + TimeDelta::seconds(3));
    h.available("agent-alice").await;
    h.notifier.fail_next(1);
    assert_eq!(h.deliver("notify-agent.insert-conversation").await, 1);
    let failures = h.sink.named("NotificationFailures");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["BusinessNumber"], "+14155238886");
    assert!(h.sink.named("NotificationsPublished").is_empty());
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
