//! notify-agent's logs, driven by the `events/` stream records: never a customer's data.
//! Alone in its test binary: a scoped log capture must not race other tests for the same
//! log callsites.

mod support;

use chrono::TimeDelta;
use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use support::harness;
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::testing::t0;

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
