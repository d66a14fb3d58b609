//! notify-agent's metrics (EMF), driven by the `events/` stream records.

mod support;

use chrono::TimeDelta;
use support::harness;
use whatsapp_channel::testing::t0;

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
