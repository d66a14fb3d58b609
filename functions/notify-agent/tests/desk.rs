//! notify-agent and the desk, driven by `events/` stream fixtures on the in-memory store: a
//! transfer tells the new agent; a stored message's words reach the search index once.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use chrono::TimeDelta;
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock, RecordingNotifier};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::ports::{SearchIndex, TermQuery};
use whatsapp_channel::testing::{event_text, inbound_params, new_sid, t0};

fn stream_event(name: &str) -> LambdaEvent<Event> {
    let event: Event = serde_json::from_str(&event_text(name)).unwrap();
    LambdaEvent::new(event, Context::default())
}

#[tokio::test]
async fn a_transfer_record_tells_the_new_agent_once() {
    let store = Arc::new(InMemoryChannelStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let state = NotifyAgent::new(
        store.clone(),
        notifier.clone(),
        Arc::new(ManualClock::at(t0() + TimeDelta::minutes(1))),
    );
    for _ in 0..2 {
        // The second delivery is the stream redelivering the record.
        let response = function_handler(&state, stream_event("notify-agent.modify-transferred"))
            .await
            .unwrap();
        assert!(response.batch_item_failures.is_empty());
    }
    let published = notifier.published();
    assert_eq!(published.len(), 1, "{published:#?}");
    assert_eq!(published[0].event_type, "conversation.transferred");
    assert_eq!(published[0].agent_ids, ["agent-bob"]);
    assert_eq!(published[0].body["from_agent"], "agent-alice");
    assert_eq!(published[0].body["assigned_agent"], "agent-bob");
    assert_eq!(
        published[0].body["conversation_id"],
        "01a20a57-f1b0-7342-9a4c-552c53ee9bf3"
    );
}

#[tokio::test]
async fn a_stored_message_is_indexed_from_its_stream_record_and_again_harmlessly() {
    let store = Arc::new(InMemoryChannelStore::new());
    let mut stream = store.stream();
    let clock = Arc::new(ManualClock::at(t0()));
    let state = NotifyAgent::new(
        store.clone(),
        Arc::new(RecordingNotifier::new()),
        clock.clone(),
    );
    let message = InboundMessage::from_params(inbound_params(
        &new_sid(),
        "whatsapp:+447700900123",
        "Le colis Zébra42 est arrivé",
    ))
    .unwrap();
    receive_inbound(store.as_ref(), clock.as_ref(), &message)
        .await
        .unwrap();
    let mut changes = Vec::new();
    while let Ok(change) = stream.try_recv() {
        changes.push(change);
    }
    // The batch, then the same batch again (a redelivery).
    for _ in 0..2 {
        let mut event = Event::default();
        event.records = changes
            .iter()
            .enumerate()
            .map(|(i, c)| notify_agent::to_event_record(c, i as u64 + 1))
            .collect();
        let response = function_handler(&state, LambdaEvent::new(event, Context::default()))
            .await
            .unwrap();
        assert!(response.batch_item_failures.is_empty());
    }
    let found = store
        .search_term(
            &TermQuery {
                term: "zebra42".into(),
                ..TermQuery::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(found.entries.len(), 1);
    assert_eq!(found.entries[0].message_id, message.message_sid.as_str());
}
