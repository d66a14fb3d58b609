//! The in-memory twin of the DynamoDB store: same semantics, conditional writes included, for
//! fast tests and the embedded `local-api`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use chrono::{DateTime, Utc};

use crate::domain::MessageStatus;
use crate::ports::{
    AssignmentRecord, ChangeKind, Contact, ConversationRecord, DayCounts, Deadline, DeferredMarker,
    IdempotencyRecord, LiveConnection, MessageRecord, OfferRecord, PresenceRecord, ProfileRecord,
    RoutingState, SessionKey, SessionRecord, StoredItem, StreamChange, WaitingRecord,
};

#[derive(Debug, Default)]
pub(super) struct Tables {
    sessions: HashMap<SessionKey, SessionRecord>,
    conversations: HashMap<String, ConversationRecord>,
    messages: HashMap<String, MessageRecord>,
    /// Status callbacks that arrived before their reply was recorded under its sid.
    early_statuses: HashMap<String, (MessageStatus, Option<String>)>,
    idempotency: HashMap<String, IdempotencyRecord>,
    presence: HashMap<String, PresenceRecord>,
    contacts: HashMap<String, Contact>,
    /// Notification markers: `true` once published.
    notifications: HashMap<String, bool>,
    /// Live connections by agent.
    connections: HashMap<String, Vec<LiveConnection>>,
    /// The deadline index: minute, then the warning's notification key.
    deadlines: BTreeMap<i64, BTreeMap<String, Deadline>>,
    deadline_cursor: Option<i64>,
    /// Deferred replies' markers by customer session key, then conversation id.
    deferred: HashMap<SessionKey, BTreeMap<String, DeferredMarker>>,
    /// Agents' routing profiles.
    profiles: HashMap<String, ProfileRecord>,
    /// Each agent's active assignments by conversation id: the table's `ASSIGNED#` items.
    assignments: HashMap<String, BTreeMap<String, AssignmentRecord>>,
    /// Each agent's outstanding offers by conversation id: the table's `OFFER#` items.
    offers: HashMap<String, BTreeMap<String, OfferRecord>>,
    /// Each agent's routing state: the table's `ROUTING` item.
    routing: HashMap<String, RoutingState>,
    /// Each agent's counts by day: the table's `STATS#` items.
    counts: HashMap<String, BTreeMap<String, DayCounts>>,
    /// Waiting requests, oldest first: the table's `WAITING` partition.
    waiting: BTreeMap<(i64, String), WaitingRecord>,
    /// When the typing indicator was last called, by conversation: the `TYPING` item.
    typing: HashMap<String, DateTime<Utc>>,
    /// What the business marked read, by conversation: the `TYPING` item's `read_sid`.
    read: HashMap<String, crate::ports::ReadMarker>,
    /// The administrators' dispositions by code: the `DISPOSITIONS` partition.
    dispositions: BTreeMap<String, crate::ports::Disposition>,
    /// Each conversation's linked records by (system, id): its `RECORD#` items.
    records: HashMap<String, BTreeMap<(String, String), crate::ports::RecordLink>>,
    /// Each agent's wrap-up holds by conversation id: the `WRAPUP#` items.
    pub(super) wrap_ups: HashMap<String, BTreeMap<String, crate::ports::WrapUpHold>>,
    /// Erasures' records by id: the `ERASURE#` items.
    erasures: HashMap<String, crate::ports::ErasureRecord>,
}

impl Tables {
    /// Mirrors a conversation's state onto its customer's session while it is the current one.
    pub(super) fn mirror(&mut self, conversation: &ConversationRecord) {
        if let Some(key) = SessionKey::of(conversation)
            && let Some(session) = self.sessions.get_mut(&key)
            && session.conversation_id == conversation.id
        {
            session.state = conversation.state;
            session.assigned_agent = conversation.assigned_agent.clone();
        }
    }

    /// Moves a conversation's entry in its agents' assignment index from what `old` stood for to
    /// what `new` stands for, as the table's transactions do.
    pub(super) fn reassign(
        &mut self,
        old: Option<&ConversationRecord>,
        new: &ConversationRecord,
        at: DateTime<Utc>,
    ) {
        if let Some(gone) = old.and_then(|c| AssignmentRecord::of(c, at))
            && let Some(held) = self.assignments.get_mut(&gone.agent_id)
        {
            held.remove(&gone.conversation_id);
        }
        if let Some(now) = AssignmentRecord::of(new, at) {
            self.assignments
                .entry(now.agent_id.clone())
                .or_default()
                .insert(now.conversation_id.clone(), now);
        }
    }
}

/// One lock over everything: each port call is atomic, as each DynamoDB request is.
#[derive(Debug, Default)]
pub struct InMemoryChannelStore {
    tables: Mutex<Tables>,
    /// The embedded twin of the table's stream: the records notify-agent consumes.
    stream: Mutex<Option<UnboundedSender<StreamChange>>>,
    /// Notes, events, quick replies and the search index.
    desk: Mutex<desk::DeskTables>,
    /// Articles, scripts and ticked steps.
    assist: Mutex<assist::AssistTables>,
    /// The audit log and legal holds.
    privacy: Mutex<privacy::PrivacyTables>,
}

impl InMemoryChannelStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the stream: every later change that matters to notify-agent is sent here, typed,
    /// as the DynamoDB adapter decodes what DynamoDB Streams delivers.
    pub fn stream(&self) -> UnboundedReceiver<StreamChange> {
        let (sender, receiver) = unbounded_channel();
        *self.stream.lock().unwrap_or_else(|e| e.into_inner()) = Some(sender);
        receiver
    }

    pub(super) fn emit(
        &self,
        kind: ChangeKind,
        old: Option<StoredItem>,
        new: Option<StoredItem>,
        by_ttl: Option<bool>,
    ) {
        if let Some(sender) = self
            .stream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            let _ = sender.send(StreamChange {
                id: uuid::Uuid::now_v7().to_string(),
                kind,
                old,
                new,
                by_ttl,
            });
        }
    }

    /// A message item put (no `old`) or changed, as the stream shows it.
    pub(super) fn message_changed(&self, old: Option<MessageRecord>, new: MessageRecord) {
        let kind = if old.is_some() {
            ChangeKind::Modify
        } else {
            ChangeKind::Insert
        };
        let item = |m| Some(StoredItem::Message(Box::new(m)));
        self.emit(kind, old.and_then(item), item(new), None);
    }

    /// What DynamoDB's TTL does, eventually: removes session items whose `expires_at` has
    /// passed (the window's end, or a business-started session's wait for the answer).
    /// Returns how many it removed.
    pub fn expire_sessions(&self, now: DateTime<Utc>) -> usize {
        let expired: Vec<SessionRecord> = self
            .tables()
            .sessions
            .extract_if(|_, s| s.expires_at() <= now)
            .map(|(_, s)| s)
            .collect();
        let removed = expired.len();
        for session in expired {
            let old = Some(StoredItem::Session(session));
            self.emit(ChangeKind::Remove, old, None, Some(true));
        }
        removed
    }

    pub(super) fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of stored messages, for tests.
    pub fn message_count(&self) -> usize {
        self.tables().messages.len()
    }

    /// Number of stored conversations, for tests.
    pub fn conversation_count(&self) -> usize {
        self.tables().conversations.len()
    }
}

mod agents;
mod assist;
mod connections;
mod conversations;
mod customers;
mod deadlines;
mod deferred;
mod desk;
mod erasure;
mod media;
mod outcomes;
mod privacy;
mod profiles;
mod records_webhook;
mod replies;
mod routing;
mod search;
mod sessions;
mod typing;

pub use media::InMemoryMediaStore;
pub use records_webhook::InMemoryRecordsWebhook;
