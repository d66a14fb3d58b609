//! notify-agent's handler on the in-memory store and the recording notifier, driven by the
//! `events/` stream fixtures.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use chrono::{DateTime, TimeDelta, Utc};
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock, RecordingNotifier};
use whatsapp_channel::domain::{ConversationId, Presence};
use whatsapp_channel::ports::{AgentStore, SessionKey, SessionStore, SessionTouch};
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

/// The conversation the `ttl-remove` fixtures' session held, as webhook-ingest created it.
async fn seed_the_expired_conversation(store: &InMemoryChannelStore) {
    let touch = SessionTouch {
        key: SessionKey::parse("whatsapp:+14155238886", "whatsapp:+447700900123").unwrap(),
        conversation_id: ConversationId::parse("01a20a57-f1b0-7342-9a4c-552c53ee9bf3").unwrap(),
        at: t0(),
        profile_name: Some("Zoë O'Brien".into()),
        preview: None,
        ad: None,
    };
    store.start_session(&touch, None).await.unwrap();
}

fn stream_event(name: &str) -> LambdaEvent<Event> {
    let event: Event = serde_json::from_str(&event_text(name)).unwrap();
    LambdaEvent::new(event, Context::default())
}

#[tokio::test]
async fn the_insert_event_offers_the_request_to_the_available_agents() {
    let h = harness(t0() + TimeDelta::seconds(3));
    h.store
        .set_presence(
            "agent-alice",
            Presence::Available,
            t0() - TimeDelta::hours(1),
        )
        .await
        .unwrap();
    h.store
        .set_presence("agent-bob", Presence::Away, t0() - TimeDelta::hours(1))
        .await
        .unwrap();
    let response = function_handler(&h.state, stream_event("notify-agent.insert-conversation"))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let published = h.notifier.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].event_type, "conversation.requested");
    assert_eq!(published[0].agent_ids, ["agent-alice"]);
    assert_eq!(published[0].body["wait_seconds"], 3);
    assert_eq!(
        published[0].body["first_message_preview"],
        "Hi! Order #1234 – where is it? 😕"
    );
}

#[tokio::test]
async fn the_insert_event_delivered_twice_publishes_once() {
    let h = harness(t0());
    h.store
        .set_presence(
            "agent-alice",
            Presence::Available,
            t0() - TimeDelta::hours(1),
        )
        .await
        .unwrap();
    for _ in 0..2 {
        function_handler(&h.state, stream_event("notify-agent.insert-conversation"))
            .await
            .unwrap();
    }
    assert_eq!(h.notifier.published().len(), 1);
}

#[tokio::test]
async fn the_accepted_event_tells_the_other_available_agents() {
    let h = harness(t0());
    for agent in ["agent-alice", "agent-bob"] {
        h.store
            .set_presence(agent, Presence::Available, t0())
            .await
            .unwrap();
    }
    function_handler(&h.state, stream_event("notify-agent.modify-accepted"))
        .await
        .unwrap();
    let published = h.notifier.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].event_type, "conversation.accepted");
    assert_eq!(published[0].agent_ids, ["agent-bob"]);
}

#[tokio::test]
async fn both_ttl_remove_events_tell_the_assigned_agent_the_window_closed() {
    for name in [
        "notify-agent.ttl-remove",
        "notify-agent.ttl-remove-without-identity",
    ] {
        let h = harness(t0() + TimeDelta::days(2));
        seed_the_expired_conversation(&h.store).await;
        function_handler(&h.state, stream_event(name))
            .await
            .unwrap();
        let published = h.notifier.published();
        assert_eq!(published.len(), 1, "{name}");
        assert_eq!(published[0].event_type, "window.closed", "{name}");
        assert_eq!(published[0].agent_ids, ["agent-alice"], "{name}");
        assert_eq!(
            published[0].body["window_expired_at"], "2026-11-24T13:00:00.000Z",
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_ttl_remove_of_an_erased_conversation_announces_nothing() {
    // An erasure deletes the conversation and then its session: the removal names no one.
    let h = harness(t0() + TimeDelta::days(2));
    let response = function_handler(&h.state, stream_event("notify-agent.ttl-remove"))
        .await
        .unwrap();
    assert!(response.batch_item_failures.is_empty());
    assert!(h.notifier.published().is_empty());
}

#[tokio::test]
async fn a_record_whose_publish_fails_is_reported_by_its_sequence_number_alone() {
    let h = harness(t0());
    seed_the_expired_conversation(&h.store).await;
    h.store
        .set_presence(
            "agent-alice",
            Presence::Available,
            t0() - TimeDelta::hours(1),
        )
        .await
        .unwrap();
    let mut event: Event =
        serde_json::from_str(&event_text("notify-agent.insert-conversation")).unwrap();
    let removal: Event = serde_json::from_str(&event_text("notify-agent.ttl-remove")).unwrap();
    event.records.extend(removal.records);
    h.notifier.fail_next(1);
    let response = function_handler(
        &h.state,
        LambdaEvent::new(event.clone(), Context::default()),
    )
    .await
    .unwrap();
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, [Some("000000000000000000111".to_owned())]);
    assert_eq!(
        h.notifier.published().len(),
        1,
        "the other record was published"
    );
    // Lambda redelivers from the failed record on: each notification ends up published once.
    let retry = function_handler(&h.state, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert!(retry.batch_item_failures.is_empty());
    assert_eq!(h.notifier.published().len(), 2);
}
