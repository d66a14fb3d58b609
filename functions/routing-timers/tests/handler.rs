//! routing-timers over the in-memory store, with a clock the tests move and a queue that
//! records what is sent back to it: a due offer's expiry ends the offer once however often SQS
//! delivers it, an early timer goes back to the queue, and what is not a timer is dropped.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, TimeDelta, Utc};
use lambda_runtime::{Context, LambdaEvent};
use routing_timers::{Handled, RoutingTimers, function_handler};
use serde_json::json;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::routing::timers::TimerOutcome;
use whatsapp_channel::domain::{ConversationId, InboundMessage, OfferEnd, Presence};
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::ports::{
    AgentRecord, AgentStore, Clock, ConversationRecord, ConversationStore, MISSED_OFFERS,
    OfferRecord, ProfileStore, RoutingStore, ScheduleError, Timer, TimerKind, TimerQueue,
};
use whatsapp_channel::testing::{inbound_params, new_sid, t0};

const ALICE: &str = "agent-alice";

/// The timers sent back to the queue; can refuse them on demand.
#[derive(Default)]
struct RecordingTimers {
    sent: Mutex<Vec<Timer>>,
    refuse: Mutex<bool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the queue refused the timer (injected)")]
struct Refused;

#[async_trait]
impl TimerQueue for RecordingTimers {
    async fn schedule(&self, timer: &Timer) -> Result<(), ScheduleError> {
        if *self.refuse.lock().unwrap() {
            return Err(ScheduleError(Box::new(Refused)));
        }
        self.sent.lock().unwrap().push(timer.clone());
        Ok(())
    }
}

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    queue: Arc<RecordingTimers>,
    sink: MemorySink,
    state: RoutingTimers,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let queue = Arc::new(RecordingTimers::default());
    let sink = MemorySink::default();
    let state = RoutingTimers::new(store.clone(), queue.clone(), clock.clone())
        .with_metrics(Metrics::to(Arc::new(sink.clone()), "routing-timers"));
    Harness {
        store,
        clock,
        queue,
        sink,
        state,
    }
}

/// An SQS event of one message per body, as the event source mapping delivers it.
fn sqs_event(bodies: &[Option<String>]) -> SqsEvent {
    let records: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({
                "messageId": format!("message-{i}"),
                "receiptHandle": format!("handle-{i}"),
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:routing-timers",
                "awsRegion": "eu-west-1"
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
}

fn body(timer: &Timer) -> Option<String> {
    Some(serde_json::to_string(timer).unwrap())
}

fn failed_ids(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

impl Harness {
    /// A customer's first message: a conversation request, waiting.
    async fn request(&self, customer: &str) -> ConversationRecord {
        let message = InboundMessage::from_params(inbound_params(&new_sid(), customer, "Hello"))
            .expect("a valid message");
        let receipt = receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .expect("stored");
        self.conversation(&receipt.conversation_id).await
    }

    async fn conversation(&self, id: &ConversationId) -> ConversationRecord {
        self.store
            .conversation(id)
            .await
            .unwrap()
            .expect("the conversation")
    }

    /// Offers the request to `agent` until `expires_at`; the offer's expiry timer.
    async fn offer(
        &self,
        conversation: &ConversationRecord,
        agent: &str,
        expires_at: DateTime<Utc>,
    ) -> Timer {
        let seq = conversation.offer_seq + 1;
        let version = self
            .store
            .agent(agent)
            .await
            .unwrap()
            .routing
            .map(|r| r.version)
            .unwrap_or_default();
        let offer = OfferRecord {
            agent_id: agent.into(),
            conversation_id: conversation.id.clone(),
            business: conversation.business.clone(),
            seq,
            requested_at: conversation.started_at,
            offered_at: self.clock.now(),
            expires_at,
        };
        assert!(
            self.store
                .make_offer(conversation, &offer, version)
                .await
                .unwrap(),
            "the offer is made"
        );
        Timer {
            kind: TimerKind::OfferExpiry {
                conversation_id: conversation.id.clone(),
                agent_id: agent.into(),
                seq,
            },
            due_at: expires_at,
        }
    }

    async fn deliver(&self, bodies: &[Option<String>]) -> SqsBatchResponse {
        function_handler(
            &self.state,
            LambdaEvent::new(sqs_event(bodies), Context::default()),
        )
        .await
        .expect("the handler answers")
    }

    async fn handle(&self, timer: &Timer) -> Handled {
        let event = sqs_event(&[body(timer)]);
        routing_timers::handle_message(&self.state, &event.records[0]).await
    }

    fn expired_count(&self, record: &AgentRecord) -> u32 {
        record.counts.iter().map(|c| c.expired).sum()
    }
}

fn id_of(conversation: &ConversationRecord) -> ConversationId {
    ConversationId::parse(&conversation.id).expect("a conversation id")
}

#[tokio::test]
async fn a_due_offer_expiry_ends_the_offer_and_counts_it_for_the_agent() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    let timer = h
        .offer(&conversation, ALICE, t0() + TimeDelta::seconds(60))
        .await;

    h.clock.set(t0() + TimeDelta::seconds(61));
    let response = h.deliver(&[body(&timer)]).await;

    assert!(failed_ids(&response).is_empty());
    let now = h.conversation(&id_of(&conversation)).await;
    assert_eq!(now.offered_to, None);
    assert_eq!(now.offer_ended, Some(OfferEnd::Expired));
    assert_eq!(now.declined, vec![ALICE.to_owned()]);
    let alice = h.store.agent(ALICE).await.unwrap();
    assert!(alice.offers.is_empty(), "{:?}", alice.offers);
    assert_eq!(h.expired_count(&alice), 1);
    assert!(h.queue.sent.lock().unwrap().is_empty());
    assert_eq!(h.sink.named("OffersExpired").len(), 1);
    assert_eq!(h.sink.named("TimerLatenessMs").len(), 1);
    assert_eq!(
        h.sink.named("TimerLatenessMs")[0]["TimerLatenessMs"],
        json!(1000.0)
    );
}

#[tokio::test]
async fn the_same_timer_delivered_twice_does_nothing_the_second_time() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    let timer = h
        .offer(&conversation, ALICE, t0() + TimeDelta::seconds(60))
        .await;
    h.clock.set(t0() + TimeDelta::seconds(60));

    let first = h.handle(&timer).await;
    let second = h.handle(&timer).await;
    // And once more in a batch of its own, as a redelivery after a timeout would come.
    let response = h.deliver(&[body(&timer), body(&timer)]).await;

    assert!(
        matches!(
            first,
            Handled::Ran(TimerOutcome::OfferExpired {
                set_away: false,
                ..
            })
        ),
        "{first:?}"
    );
    assert_eq!(second, Handled::Ran(TimerOutcome::Moot));
    assert!(failed_ids(&response).is_empty());
    let alice = h.store.agent(ALICE).await.unwrap();
    assert_eq!(h.expired_count(&alice), 1);
    assert_eq!(alice.routing.map(|r| r.misses), Some(1));
    assert_eq!(h.sink.named("OffersExpired").len(), 1);
}

#[tokio::test]
async fn an_expiry_for_an_earlier_offer_does_not_end_the_current_one() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    let stale = h
        .offer(&conversation, ALICE, t0() + TimeDelta::seconds(60))
        .await;
    h.clock.set(t0() + TimeDelta::seconds(60));
    h.handle(&stale).await;
    let conversation = h.conversation(&id_of(&conversation)).await;
    let current = h
        .offer(&conversation, "agent-bob", t0() + TimeDelta::seconds(120))
        .await;

    // The first offer's timer again, after the second offer was made.
    assert_eq!(h.handle(&stale).await, Handled::Ran(TimerOutcome::Moot));

    let now = h.conversation(&id_of(&conversation)).await;
    assert_eq!(now.offered_to.as_deref(), Some("agent-bob"));
    h.clock.set(t0() + TimeDelta::seconds(120));
    assert!(matches!(
        h.handle(&current).await,
        Handled::Ran(TimerOutcome::OfferExpired { .. })
    ));
}

#[tokio::test]
async fn an_early_timer_is_sent_back_to_the_queue_and_not_run() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    // Due beyond SQS's longest delay: the queue hands it over after 15 minutes.
    let timer = h
        .offer(&conversation, ALICE, t0() + TimeDelta::minutes(20))
        .await;
    h.clock.set(t0() + TimeDelta::minutes(15));

    let response = h.deliver(&[body(&timer)]).await;

    assert!(failed_ids(&response).is_empty());
    assert_eq!(*h.queue.sent.lock().unwrap(), vec![timer]);
    let now = h.conversation(&id_of(&conversation)).await;
    assert_eq!(now.offered_to.as_deref(), Some(ALICE));
    assert_eq!(h.store.agent(ALICE).await.unwrap().offers.len(), 1);
    assert_eq!(h.sink.named("TimersRescheduled").len(), 1);
    assert!(h.sink.named("OffersExpired").is_empty());
}

#[tokio::test]
async fn an_early_timer_the_queue_refuses_is_reported_for_retry() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    let early = h
        .offer(&conversation, ALICE, t0() + TimeDelta::minutes(20))
        .await;
    *h.queue.refuse.lock().unwrap() = true;

    let malformed = Some("{\"timer\":\"bedtime\"}".to_owned());
    let response = h.deliver(&[malformed, body(&early)]).await;

    // Only the early timer's message: the other was dropped, not failed.
    assert_eq!(failed_ids(&response), vec!["message-1".to_owned()]);
    assert_eq!(h.sink.named("TimerFailures").len(), 1);
    let now = h.conversation(&id_of(&conversation)).await;
    assert_eq!(now.offered_to.as_deref(), Some(ALICE));
}

#[tokio::test]
async fn a_message_that_is_not_a_timer_is_dropped_without_a_batch_failure() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    let timer = h
        .offer(&conversation, ALICE, t0() + TimeDelta::seconds(60))
        .await;
    h.clock.set(t0() + TimeDelta::seconds(60));

    let response = h
        .deliver(&[
            Some("not json at all".into()),
            Some("{\"timer\":\"offer_expiry\",\"conversation_id\":\"x\"}".into()),
            Some("{\"hello\":\"whatsapp:+447700900123\"}".into()),
            Some(String::new()),
            None,
            body(&timer),
        ])
        .await;

    assert!(failed_ids(&response).is_empty(), "{response:?}");
    assert_eq!(h.sink.named("TimersDropped").len(), 5);
    // The good timer in the same batch still ran.
    let now = h.conversation(&id_of(&conversation)).await;
    assert_eq!(now.offer_ended, Some(OfferEnd::Expired));
}

#[tokio::test]
async fn a_second_offer_in_a_row_let_expire_sets_an_available_agent_away() {
    let h = harness();
    h.store
        .set_presence(ALICE, Presence::Available, t0())
        .await
        .unwrap();
    let first = h.request("whatsapp:+447700900123").await;
    let second = h.request("whatsapp:+447700900124").await;
    let first_timer = h.offer(&first, ALICE, t0() + TimeDelta::seconds(60)).await;
    let second_timer = h.offer(&second, ALICE, t0() + TimeDelta::seconds(60)).await;
    h.clock.set(t0() + TimeDelta::seconds(60));

    let outcomes = [h.handle(&first_timer).await, h.handle(&second_timer).await];

    assert!(matches!(
        &outcomes[0],
        Handled::Ran(TimerOutcome::OfferExpired {
            set_away: false,
            ..
        })
    ));
    assert!(matches!(
        &outcomes[1],
        Handled::Ran(TimerOutcome::OfferExpired { set_away: true, .. })
    ));
    let alice = h.store.agent(ALICE).await.unwrap();
    let presence = alice.presence.expect("a presence");
    assert_eq!(presence.status, Presence::Away);
    assert_eq!(presence.reason.as_deref(), Some(MISSED_OFFERS));
    // Forgiven once set away: the next expiry starts counting again.
    assert_eq!(alice.routing.map(|r| r.misses), Some(0));
}

#[tokio::test]
async fn a_due_overflow_raises_a_waiting_request_once() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    let timer = Timer {
        kind: TimerKind::Overflow {
            conversation_id: conversation.id.clone(),
        },
        due_at: conversation.started_at + TimeDelta::seconds(300),
    };
    h.clock.set(timer.due_at);

    let first = h.handle(&timer).await;
    let again = h.handle(&timer).await;

    assert!(
        matches!(first, Handled::Ran(TimerOutcome::Overflowed { .. })),
        "{first:?}"
    );
    assert_eq!(again, Handled::Ran(TimerOutcome::Moot));
    let now = h.conversation(&id_of(&conversation)).await;
    assert_eq!(now.overflowed_at, Some(timer.due_at));
    assert_eq!(h.sink.named("Overflows").len(), 1);
}

#[tokio::test]
async fn an_overflow_for_a_request_an_agent_accepted_does_nothing() {
    let h = harness();
    let conversation = h.request("whatsapp:+447700900123").await;
    let id = id_of(&conversation);
    h.store
        .accept(&id, ALICE, true, t0() + TimeDelta::seconds(10))
        .await
        .unwrap();
    let timer = Timer {
        kind: TimerKind::Overflow {
            conversation_id: conversation.id.clone(),
        },
        due_at: conversation.started_at + TimeDelta::seconds(300),
    };
    h.clock.set(timer.due_at);

    assert_eq!(h.handle(&timer).await, Handled::Ran(TimerOutcome::Moot));
    assert_eq!(h.conversation(&id).await.overflowed_at, None);
    assert!(h.sink.named("Overflows").is_empty());
}

#[tokio::test]
async fn a_timer_for_a_conversation_that_does_not_exist_is_moot() {
    let h = harness();
    let timer = Timer {
        kind: TimerKind::OfferExpiry {
            conversation_id: "01a20a57-f1b0-7342-9a4c-552c53ee9bf3".into(),
            agent_id: ALICE.into(),
            seq: 1,
        },
        due_at: t0(),
    };

    assert_eq!(h.handle(&timer).await, Handled::Ran(TimerOutcome::Moot));
}
