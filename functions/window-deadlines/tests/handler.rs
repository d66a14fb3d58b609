//! window-deadlines over the in-memory store, with a clock the tests move: the stream files each
//! window's warnings, and runs send those that are due, once.

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_runtime::{Context, LambdaEvent};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock, RecordingNotifier};
use whatsapp_channel::app::deadline::WarningRun;
use whatsapp_channel::app::deadline::arm_for_change;
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::{ConversationId, InboundMessage, Presence, WindowWarnings};
use whatsapp_channel::ports::{AgentStore, ConversationStore};
use whatsapp_channel::testing::{event_text, inbound_params, new_sid, t0};
use window_deadlines::{WindowDeadlines, function_handler, run_once};

const CUSTOMER: &str = "whatsapp:+447700900123";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    stream: tokio::sync::mpsc::UnboundedReceiver<whatsapp_channel::ports::StreamChange>,
    clock: Arc<ManualClock>,
    notifier: Arc<RecordingNotifier>,
    state: WindowDeadlines,
    warnings: WindowWarnings,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let stream = store.stream();
    let clock = Arc::new(ManualClock::at(t0()));
    let notifier = Arc::new(RecordingNotifier::new());
    let warnings = WindowWarnings::default();
    let state = WindowDeadlines::new(
        store.clone(),
        notifier.clone(),
        clock.clone(),
        warnings.clone(),
    );
    Harness {
        store,
        stream,
        clock,
        notifier,
        state,
        warnings,
    }
}

impl Harness {
    /// A customer message, with its stream records handled as notify-agent handles them.
    async fn customer_writes(&mut self, body: &str) -> ConversationId {
        let message = InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, body))
            .expect("a valid message");
        let receipt = receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .expect("stored");
        self.pump().await;
        receipt.conversation_id
    }

    async fn pump(&mut self) {
        while let Ok(change) = self.stream.try_recv() {
            arm_for_change(self.store.as_ref(), &self.warnings, &change)
                .await
                .expect("armed");
        }
    }

    async fn run_at(&self, after: TimeDelta) -> WarningRun {
        self.clock.set(t0() + after);
        run_once(&self.state).await.expect("a run")
    }

    fn warnings_sent(&self) -> Vec<serde_json::Value> {
        self.notifier
            .published()
            .into_iter()
            .filter(|n| n.event_type == "window.closing")
            .map(|n| {
                let mut body = n.body.clone();
                body["agent_ids"] = n.agent_ids.into();
                body
            })
            .collect()
    }
}

fn hm(hours: i64, minutes: i64) -> TimeDelta {
    TimeDelta::hours(hours) + TimeDelta::minutes(minutes)
}

#[tokio::test]
async fn an_accepted_conversation_warns_its_agent_at_22_h_and_23_h_45_and_never_again() {
    let mut h = harness();
    let id = h.customer_writes("Where is my order?").await;
    h.store.accept(&id, "alice", true, t0()).await.unwrap();
    h.pump().await;

    assert_eq!(h.run_at(hm(21, 59)).await.sent, 0);
    assert_eq!(h.run_at(hm(22, 0)).await.sent, 1);
    assert_eq!(h.run_at(hm(22, 30)).await.sent, 0);
    assert_eq!(h.run_at(hm(23, 45)).await.sent, 1);
    assert_eq!(h.run_at(hm(23, 59)).await.sent, 0);
    assert_eq!(h.run_at(hm(25, 0)).await.sent, 0);

    let sent = h.warnings_sent();
    assert_eq!(sent.len(), 2);
    for (warning, label) in sent.iter().zip(["2h", "15m"]) {
        assert_eq!(warning["warning"], label);
        assert_eq!(warning["conversation_id"], id.as_str());
        assert_eq!(warning["agent"], "alice");
        assert_eq!(warning["agent_ids"], serde_json::json!(["alice"]));
        assert_eq!(warning["customer"]["address"], CUSTOMER);
        assert_eq!(warning["business_number"], "whatsapp:+14155238886");
        assert_eq!(warning["expires_at"], "2026-11-24T10:00:00.000Z");
    }
    assert_eq!(sent[0]["seconds_left"], 7200);
    assert_eq!(sent[1]["seconds_left"], 900);
}

#[tokio::test]
async fn a_customer_message_moves_the_warnings_to_the_new_end() {
    let mut h = harness();
    let id = h.customer_writes("First").await;
    h.store.accept(&id, "alice", true, t0()).await.unwrap();
    h.clock.set(t0() + TimeDelta::hours(10));
    h.customer_writes("Still there?").await;

    let run = h.run_at(hm(22, 1)).await;
    assert_eq!(
        (run.sent, run.stale),
        (0, 1),
        "the old window's warning is stale"
    );
    assert_eq!(h.run_at(hm(32, 0)).await.sent, 1);
    assert_eq!(
        h.warnings_sent()[0]["expires_at"],
        "2026-11-24T20:00:00.000Z"
    );
}

#[tokio::test]
async fn a_request_nobody_accepted_warns_the_available_agents() {
    let mut h = harness();
    h.store
        .set_presence("bob", Presence::Available, t0())
        .await
        .unwrap();
    h.customer_writes("Hello?").await;
    assert_eq!(h.run_at(hm(22, 0)).await.sent, 1);
    let sent = h.warnings_sent();
    assert_eq!(sent[0]["agent_ids"], serde_json::json!(["bob"]));
    assert!(sent[0]["agent"].is_null());
}

#[tokio::test]
async fn a_missed_run_is_caught_up_and_a_repeated_run_sends_nothing_twice() {
    let mut h = harness();
    let id = h.customer_writes("Hi").await;
    h.store.accept(&id, "alice", true, t0()).await.unwrap();
    assert_eq!(h.run_at(hm(1, 0)).await.sent, 0);
    // No run from 1 h until 23 h 50: both warnings are still for an open window.
    assert_eq!(h.run_at(hm(23, 50)).await.sent, 2);
    assert_eq!(h.run_at(hm(23, 50)).await.sent, 0);
    assert_eq!(h.warnings_sent().len(), 2);
}

#[tokio::test]
async fn a_closed_conversation_gets_no_warning() {
    let mut h = harness();
    let id = h.customer_writes("Thanks, solved").await;
    h.store.accept(&id, "alice", true, t0()).await.unwrap();
    h.store
        .close(&id, "alice", t0() + TimeDelta::hours(1))
        .await
        .unwrap();
    let run = h.run_at(hm(23, 50)).await;
    assert_eq!((run.sent, run.stale), (0, 2));
}

#[tokio::test]
async fn the_scheduled_event_runs_the_warnings() {
    let mut h = harness();
    let id = h.customer_writes("Hi").await;
    h.store.accept(&id, "alice", true, t0()).await.unwrap();
    h.clock.set(t0() + hm(22, 0));
    let event = serde_json::from_str(&event_text("window-deadlines.schedule"))
        .expect("events/window-deadlines.schedule.json is an EventBridge event");
    let summary = function_handler(&h.state, LambdaEvent::new(event, Context::default()))
        .await
        .expect("a run");
    assert_eq!(summary.sent, 1);
}
