//! notify-agent's metrics (EMF), driven by the `events/` stream records.

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
