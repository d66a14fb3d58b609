//! routing-timers' logs: one line per timer, naming the conversation and the agent, never a
//! customer's number, not even from a body that is not a timer. Alone in its test binary: a
//! scoped log capture must not race other tests for the same log callsites.

use std::sync::Arc;

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use lambda_runtime::{Context, LambdaEvent};
use routing_timers::{RoutingTimers, function_handler};
use serde_json::json;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::ports::{ScheduleError, Timer, TimerQueue};
use whatsapp_channel::testing::{event_text, t0};

struct RefusingQueue;

#[derive(Debug, thiserror::Error)]
#[error("refused")]
struct Refused;

#[async_trait::async_trait]
impl TimerQueue for RefusingQueue {
    async fn schedule(&self, _: &Timer) -> Result<(), ScheduleError> {
        Err(ScheduleError(Box::new(Refused)))
    }
}

#[tokio::test]
async fn even_at_trace_level_timers_are_logged_without_customer_data() {
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let state = RoutingTimers::new(
        Arc::new(InMemoryChannelStore::new()),
        Arc::new(RefusingQueue),
        Arc::new(ManualClock::at(t0())),
    );
    let mut records = Vec::new();
    for name in ["routing-timers.offer-expiry", "routing-timers.overflow"] {
        let event: SqsEvent = serde_json::from_str(&event_text(name)).unwrap();
        records.extend(event.records);
    }
    // Not timers: a body quoting a number, and a timer naming one where an id belongs.
    let mut event: SqsEvent = serde_json::from_value(json!({ "Records": [
        { "messageId": "m-1", "body": "{\"to\":\"whatsapp:+447700900123\"}" },
        { "messageId": "m-2", "body": "{\"timer\":\"overflow\",\"conversation_id\":7,\"due_at\":\"+447700900123\"}" },
        { "messageId": "m-3", "body": "whatsapp:+447700900123" },
    ]}))
    .unwrap();
    event.records.extend(records);
    // The events' timers are due in 2026-01; the clock says 2026-11: they run (moot).
    let response = function_handler(&state, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());

    // An early timer the queue refuses: the error line too.
    let early = json!({
        "Records": [{ "messageId": "m-4", "body": serde_json::to_string(&json!({
            "timer": "overflow",
            "conversation_id": "01a20a57-f1b0-7342-9a4c-552c53ee9bf3",
            "due_at": (t0() + chrono::TimeDelta::hours(1)).timestamp_millis()
        })).unwrap() }]
    });
    let response = function_handler(
        &state,
        LambdaEvent::new(serde_json::from_value(early).unwrap(), Context::default()),
    )
    .await
    .unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);

    let forbidden = ["447700900123", "700900123"].map(str::to_owned).to_vec();
    assert_clean(&logs, &forbidden);
    let lines = logs.lines();
    for id in ["m-1", "m-2", "m-3", "m-4"] {
        assert!(
            lines.iter().any(|l| l.contains(id)),
            "no line names message {id}: {lines:?}"
        );
    }
    assert!(
        lines.iter().any(
            |l| l.contains("01a20a57-f1b0-7342-9a4c-552c53ee9bf3") && l.contains("agent-alice")
        ),
        "no line names the offer's conversation and agent: {lines:?}"
    );
}
