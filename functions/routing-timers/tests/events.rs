//! The `events/routing-timers.*.json` fixtures: each is the SQS event the queue's event source
//! mapping delivers, each body a timer, and the handler takes them as they are.

use std::sync::Arc;

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{Context, LambdaEvent};
use routing_timers::{RoutingTimers, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::ports::{Timer, TimerKind, TimerQueue};
use whatsapp_channel::testing::{event_text, events_dir};

fn event(name: &str) -> SqsEvent {
    serde_json::from_str(&event_text(name))
        .unwrap_or_else(|e| panic!("events/{name}.json is not an SQS event: {e}"))
}

fn timers_of(name: &str) -> Vec<Timer> {
    event(name)
        .records
        .iter()
        .map(|r| {
            serde_json::from_str(r.body.as_deref().expect("a body"))
                .unwrap_or_else(|e| panic!("events/{name}.json: a body that is not a timer: {e}"))
        })
        .collect()
}

#[test]
fn every_routing_timers_event_is_an_sqs_event_of_timers() {
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| {
            f.strip_prefix("routing-timers.")
                .and(f.strip_suffix(".json"))
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "routing-timers.offer-expiry",
            "routing-timers.overflow",
            "routing-timers.wrap-up-end"
        ]
    );
    for name in &names {
        let event = event(name);
        assert!(!event.records.is_empty(), "{name}");
        for record in &event.records {
            assert_eq!(record.event_source.as_deref(), Some("aws:sqs"), "{name}");
            assert!(record.message_id.is_some(), "{name}");
        }
        assert!(!timers_of(name).is_empty(), "{name}");
    }
}

#[test]
fn the_events_hold_one_timer_of_each_kind() {
    assert!(matches!(
        timers_of("routing-timers.offer-expiry")[..],
        [Timer {
            kind: TimerKind::OfferExpiry { seq: 1, .. },
            ..
        }]
    ));
    assert!(matches!(
        timers_of("routing-timers.overflow")[..],
        [Timer {
            kind: TimerKind::Overflow { .. },
            ..
        }]
    ));
    assert!(matches!(
        timers_of("routing-timers.wrap-up-end")[..],
        [Timer {
            kind: TimerKind::WrapUpEnd { .. },
            ..
        }]
    ));
}

/// Never asked: the events' timers are due when delivered.
struct NoQueue;

#[async_trait::async_trait]
impl TimerQueue for NoQueue {
    async fn schedule(&self, _: &Timer) -> Result<(), whatsapp_channel::ports::ScheduleError> {
        panic!("a due timer was sent back to the queue")
    }
}

#[tokio::test]
async fn the_handler_takes_each_event_without_a_failure() {
    for name in [
        "routing-timers.offer-expiry",
        "routing-timers.overflow",
        "routing-timers.wrap-up-end",
    ] {
        let due = timers_of(name)[0].due_at;
        let state = RoutingTimers::new(
            Arc::new(InMemoryChannelStore::new()),
            Arc::new(NoQueue),
            Arc::new(ManualClock::at(due)),
        );
        let response = function_handler(&state, LambdaEvent::new(event(name), Context::default()))
            .await
            .expect("an answer");
        // Nothing in an empty store to act on: moot, and not a failure.
        assert!(response.batch_item_failures.is_empty(), "{name}");
    }
}
