use std::sync::Arc;

use chrono::TimeDelta;
use whatsapp_channel::adapters::{InMemoryChannelStore, RecordingNotifier};
use whatsapp_channel::app::notify::handle_change;
use whatsapp_channel::domain::{ConversationId, Presence};
use whatsapp_channel::ports::{
    AgentStore, ChangeKind, ChannelStore, Contact, ContactStore, ConversationRecord,
    ConversationState, SessionRecord, StoredItem, StreamChange,
};
use whatsapp_channel::testing::new_sid;

use crate::helpers::{Webhook, t0};

const CUSTOMER: &str = "whatsapp:+447700900123";

/// The embedded store's stream, fed to notify-agent's use case as Lambda would feed it.
struct Outbox {
    memory: Arc<InMemoryChannelStore>,
    changes: tokio::sync::mpsc::UnboundedReceiver<StreamChange>,
    notifier: RecordingNotifier,
    webhook: Webhook,
}

fn outbox() -> Outbox {
    let memory = Arc::new(InMemoryChannelStore::new());
    let changes = memory.stream();
    Outbox {
        webhook: Webhook::new(memory.clone()),
        memory,
        changes,
        notifier: RecordingNotifier::new(),
    }
}

impl Outbox {
    /// Delivers every pending change; returns them for redelivery tests.
    async fn drain(&mut self) -> Vec<StreamChange> {
        let mut delivered = Vec::new();
        while let Ok(change) = self.changes.try_recv() {
            handle_change(
                self.memory.as_ref(),
                &self.notifier,
                self.webhook.clock.as_ref(),
                &change,
            )
            .await
            .unwrap();
            delivered.push(change);
        }
        delivered
    }

    fn published(&self, event_type: &str) -> Vec<whatsapp_channel::ports::Notification> {
        self.notifier
            .published()
            .into_iter()
            .filter(|n| n.event_type == event_type)
            .collect()
    }
}

#[tokio::test]
async fn a_new_conversation_is_offered_to_available_agents_only() {
    let mut o = outbox();
    o.memory
        .set_presence("alice", Presence::Available, t0())
        .await
        .unwrap();
    o.memory
        .set_presence("bob", Presence::Offline, t0())
        .await
        .unwrap();
    o.memory
        .set_presence("carol", Presence::Busy, t0())
        .await
        .unwrap();
    o.drain().await;
    o.webhook
        .text(&new_sid(), CUSTOMER, "Where is my order?")
        .await;
    o.drain().await;
    let requests = o.published("conversation.requested");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].agent_ids, ["alice"]);
    assert!(!requests[0].authenticated);
    let body = &requests[0].body;
    assert_eq!(body["customer"]["address"], CUSTOMER);
    assert_eq!(body["customer"]["profile_name"], "Test Customer");
    assert_eq!(body["customer"]["authenticated"], false);
    assert_eq!(body["first_message_preview"], "Where is my order?");
    assert_eq!(body["window_expires_at"], "2026-11-24T10:00:00.000Z");
    assert!(body["customer"].get("contact_id").is_none());
}

#[tokio::test]
async fn a_known_contacts_request_is_authenticated_and_carries_the_contact() {
    let mut o = outbox();
    o.memory
        .set_presence("alice", Presence::Available, t0())
        .await
        .unwrap();
    let mut summary = serde_json::Map::new();
    summary.insert("tier".into(), "gold".into());
    o.memory
        .put_contact(&Contact {
            address: CUSTOMER.into(),
            name: "Zoë O'Brien".into(),
            contact_id: "C-1042".into(),
            summary,
        })
        .await
        .unwrap();
    o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
    o.drain().await;
    let request = &o.published("conversation.requested")[0];
    assert!(request.authenticated);
    assert_eq!(request.body["customer"]["name"], "Zoë O'Brien");
    assert_eq!(request.body["customer"]["contact_id"], "C-1042");
    assert_eq!(request.body["customer"]["summary"]["tier"], "gold");
}

#[tokio::test]
async fn follow_ups_and_retries_raise_no_new_request() {
    let mut o = outbox();
    o.memory
        .set_presence("alice", Presence::Available, t0())
        .await
        .unwrap();
    let sid = new_sid();
    o.webhook.text(&sid, CUSTOMER, "Hi").await;
    o.webhook.text(&sid, CUSTOMER, "Hi").await;
    o.webhook.clock.advance(TimeDelta::minutes(2));
    o.webhook.text(&new_sid(), CUSTOMER, "Anyone?").await;
    o.drain().await;
    assert_eq!(o.published("conversation.requested").len(), 1);
    assert!(
        o.published("message.received").is_empty(),
        "nobody accepted yet"
    );
}

#[tokio::test]
async fn a_redelivered_stream_record_publishes_once() {
    let mut o = outbox();
    o.memory
        .set_presence("alice", Presence::Available, t0())
        .await
        .unwrap();
    o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
    let delivered = o.drain().await;
    for change in &delivered {
        let again = handle_change(
            o.memory.as_ref(),
            &o.notifier,
            o.webhook.clock.as_ref(),
            change,
        )
        .await
        .unwrap();
        assert_eq!(again, 0);
    }
    assert_eq!(o.published("conversation.requested").len(), 1);
}

#[tokio::test]
async fn a_failed_publish_is_reported_and_its_retry_publishes_once() {
    let mut o = outbox();
    o.memory
        .set_presence("alice", Presence::Available, t0())
        .await
        .unwrap();
    o.drain().await;
    o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
    // The conversation's record (the session's comes first and raises no notification).
    let change = std::iter::from_fn(|| o.changes.try_recv().ok())
        .find(|c| {
            matches!(
                c.new,
                Some(whatsapp_channel::ports::StoredItem::Conversation(_))
            )
        })
        .unwrap();
    o.notifier.fail_next(1);
    let first = handle_change(
        o.memory.as_ref(),
        &o.notifier,
        o.webhook.clock.as_ref(),
        &change,
    )
    .await;
    assert!(first.is_err());
    assert!(o.published("conversation.requested").is_empty());
    let retry = handle_change(
        o.memory.as_ref(),
        &o.notifier,
        o.webhook.clock.as_ref(),
        &change,
    )
    .await;
    assert_eq!(retry.unwrap(), 1);
    let again = handle_change(
        o.memory.as_ref(),
        &o.notifier,
        o.webhook.clock.as_ref(),
        &change,
    )
    .await;
    assert_eq!(again.unwrap(), 0);
    assert_eq!(o.published("conversation.requested").len(), 1);
}

#[tokio::test]
async fn a_waiting_request_reaches_the_agent_who_becomes_available() {
    let mut o = outbox();
    o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
    o.drain().await;
    assert!(
        o.notifier.published().is_empty(),
        "nobody available: the request waits"
    );
    o.memory
        .set_presence("dave", Presence::Available, t0() + TimeDelta::minutes(5))
        .await
        .unwrap();
    o.drain().await;
    let requests = o.published("conversation.requested");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].agent_ids, ["dave"]);
    // Available again while already available: nothing new.
    o.memory
        .set_presence("dave", Presence::Available, t0() + TimeDelta::minutes(9))
        .await
        .unwrap();
    o.drain().await;
    assert_eq!(o.published("conversation.requested").len(), 1);
}

#[tokio::test]
async fn an_agent_available_within_the_requests_millisecond_is_told_of_it_once() {
    let mut o = outbox();
    // Available 0.4 ms into the millisecond in which the customer writes (0.8 ms into it): the
    // request's time is kept at the millisecond, the presence's at the nanosecond.
    o.memory
        .set_presence(
            "alice",
            Presence::Available,
            t0() + TimeDelta::microseconds(400),
        )
        .await
        .unwrap();
    o.drain().await;
    o.webhook.clock.set(t0() + TimeDelta::microseconds(800));
    o.webhook.text(&new_sid(), CUSTOMER, "Hello?").await;
    o.drain().await;
    let requests = o.published("conversation.requested");
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].agent_ids, ["alice"]);
}

#[tokio::test]
async fn an_accept_tells_the_other_agents_and_later_messages_go_to_the_assigned_agent() {
    let mut o = outbox();
    for agent in ["alice", "bob"] {
        o.memory
            .set_presence(agent, Presence::Available, t0())
            .await
            .unwrap();
    }
    o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
    o.drain().await;
    let id = whatsapp_channel::ports::ConversationStore::list_conversations(o.memory.as_ref(), 1)
        .await
        .unwrap()[0]
        .id
        .clone();
    let id = ConversationId::parse(&id).unwrap();
    whatsapp_channel::ports::ConversationStore::accept(o.memory.as_ref(), &id, "alice", true, t0())
        .await
        .unwrap();
    o.webhook.clock.advance(TimeDelta::minutes(1));
    o.webhook
        .text(&new_sid(), CUSTOMER, "It's order 1234")
        .await;
    o.drain().await;
    let accepted = o.published("conversation.accepted");
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].agent_ids, ["bob"]);
    assert_eq!(accepted[0].body["assigned_agent"], "alice");
    let received = o.published("message.received");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].agent_ids, ["alice"]);
    assert_eq!(received[0].body["preview"], "It's order 1234");
}

#[tokio::test]
async fn an_administrators_close_of_a_waiting_request_tells_the_agents_it_was_shown_to() {
    let mut o = outbox();
    for agent in ["alice", "bob"] {
        o.memory
            .set_presence(agent, Presence::Available, t0())
            .await
            .unwrap();
    }
    o.webhook
        .text(&new_sid(), CUSTOMER, "Buy cheap watches")
        .await;
    o.drain().await;
    let id = whatsapp_channel::ports::ConversationStore::list_conversations(o.memory.as_ref(), 1)
        .await
        .unwrap()[0]
        .id
        .clone();
    let id = ConversationId::parse(&id).unwrap();
    let admin = whatsapp_channel::domain::AgentId::parse("supervisor").unwrap();
    whatsapp_channel::app::desk::close::close_as_admin(
        o.memory.as_ref(),
        o.webhook.clock.as_ref(),
        &id,
        &admin,
    )
    .await
    .unwrap()
    .unwrap();
    o.drain().await;
    let closed = o.published("conversation.closed");
    assert_eq!(closed.len(), 1, "{:#?}", o.notifier.published());
    let mut told = closed[0].agent_ids.clone();
    told.sort();
    assert_eq!(told, ["alice", "bob"]);
    assert_eq!(closed[0].body["conversation_id"], id.as_str());
}

fn session(conversation: &ConversationRecord, agent: Option<&str>) -> SessionRecord {
    SessionRecord {
        business: conversation.business.clone(),
        customer: conversation.customer.clone(),
        conversation_id: conversation.id.clone(),
        profile_name: None,
        state: ConversationState::Active,
        assigned_agent: agent.map(str::to_owned),
        started_at: t0(),
        last_inbound_at: t0() + TimeDelta::hours(3),
        csat_until: None,
    }
}

fn ttl_removal(session: &SessionRecord, by_ttl: Option<bool>) -> StreamChange {
    StreamChange {
        id: uuid::Uuid::now_v7().to_string(),
        kind: ChangeKind::Remove,
        old: Some(StoredItem::Session(session.clone())),
        new: None,
        by_ttl,
    }
}

#[tokio::test]
async fn a_ttl_removal_tells_the_assigned_agent_the_window_closed_with_or_without_user_identity() {
    for by_ttl in [Some(true), None] {
        let mut o = outbox();
        o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
        o.drain().await;
        let store: &dyn ChannelStore = o.memory.as_ref();
        let conversation = store.list_conversations(1).await.unwrap().remove(0);
        o.webhook.clock.advance(TimeDelta::days(2));
        let change = ttl_removal(&session(&conversation, Some("alice")), by_ttl);
        let published = handle_change(store, &o.notifier, o.webhook.clock.as_ref(), &change)
            .await
            .unwrap();
        assert_eq!(published, 1, "{by_ttl:?}");
        let closed = &o.published("window.closed")[0];
        assert_eq!(closed.agent_ids, ["alice"]);
        assert_eq!(closed.body["window_expired_at"], "2026-11-24T13:00:00.000Z");
        // The conversation keeps its exact last customer message time.
        let id = ConversationId::parse(&conversation.id).unwrap();
        let settled = store.conversation(&id).await.unwrap().unwrap();
        assert_eq!(settled.last_inbound_at, t0() + TimeDelta::hours(3));
    }
}

#[tokio::test]
async fn a_removal_of_an_open_session_that_the_ttl_did_not_make_is_no_window_closed() {
    let mut o = outbox();
    o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
    o.drain().await;
    let store: &dyn ChannelStore = o.memory.as_ref();
    let conversation = store.list_conversations(1).await.unwrap().remove(0);
    for by_ttl in [Some(false), None] {
        let change = ttl_removal(&session(&conversation, Some("alice")), by_ttl);
        assert_eq!(
            handle_change(store, &o.notifier, o.webhook.clock.as_ref(), &change)
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn the_embedded_ttl_removes_expired_sessions_into_the_stream() {
    let mut o = outbox();
    o.memory
        .set_presence("alice", Presence::Available, t0())
        .await
        .unwrap();
    o.webhook.text(&new_sid(), CUSTOMER, "Hi").await;
    o.drain().await;
    let id = whatsapp_channel::ports::ConversationStore::list_conversations(o.memory.as_ref(), 1)
        .await
        .unwrap()[0]
        .id
        .clone();
    whatsapp_channel::ports::ConversationStore::accept(
        o.memory.as_ref(),
        &ConversationId::parse(&id).unwrap(),
        "alice",
        true,
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(o.memory.expire_sessions(t0() + TimeDelta::hours(23)), 0);
    o.webhook.clock.advance(TimeDelta::hours(25));
    assert_eq!(o.memory.expire_sessions(t0() + TimeDelta::hours(25)), 1);
    o.drain().await;
    assert_eq!(o.published("window.closed").len(), 1);
}
