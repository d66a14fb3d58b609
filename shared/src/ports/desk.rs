//! The desk around a conversation: agents' notes, system events in the transcript (a transfer),
//! hand-overs between agents, quick replies, a customer's conversations and the transcript
//! search index.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationRecord, Direction, SessionRecord, SessionTouch, StoreError, Stored};
use crate::domain::{ConversationId, ConversationState};

/// `last_inbound_at` of a business-started conversation (and its session) until the customer
/// answers: the customer never wrote, so its window is closed.
pub const NEVER: DateTime<Utc> = DateTime::UNIX_EPOCH;

/// How long a business-started conversation's session waits for the customer's answer (its
/// TTL); after that, an answer starts a conversation request as usual.
pub const AWAIT_ANSWER: chrono::TimeDelta = chrono::TimeDelta::days(28);

impl SessionRecord {
    /// A business-started conversation's session before the customer's first answer: the
    /// answer continues that conversation (same agent, no new request).
    pub fn awaits_customer(&self) -> bool {
        self.last_inbound_at == NEVER && self.state == ConversationState::Active
    }

    /// When the table's TTL may delete the item (its `expires_at`): when the window ends, or,
    /// for a session that never had a customer message, [`AWAIT_ANSWER`] after its start.
    pub fn expires_at(&self) -> DateTime<Utc> {
        if self.last_inbound_at == NEVER {
            self.started_at + AWAIT_ANSWER
        } else {
            crate::domain::SessionWindow::new(self.last_inbound_at).ends_at()
        }
    }
}

/// A conversation's own partition, beside the conversation item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeskItems {
    pub notes: Vec<NoteRecord>,
    pub events: Vec<EventRecord>,
    pub records: Vec<super::RecordLink>,
    pub read: Option<super::ReadMarker>,
    /// The script steps its agent ticked.
    pub steps: Vec<super::StepDone>,
}

/// An agent's note on a conversation: for agents only, never sent to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRecord {
    pub id: String,
    pub conversation_id: String,
    pub author: String,
    pub body: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

/// Something that happened to a conversation, shown in its transcript (e.g. a transfer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub id: String,
    pub conversation_id: String,
    /// `conversation.transferred`.
    pub event_type: String,
    /// Who did it.
    pub by: String,
    #[serde(default)]
    pub from_agent: Option<String>,
    #[serde(default)]
    pub to_agent: Option<String>,
    /// `suggestion_used`: the kind (`article`, `quick_reply`) and id of what was inserted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

/// What a conditional hand-over did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferResult {
    /// Assigned to the target now, with the event recorded.
    Transferred(Box<ConversationRecord>),
    /// The conversation was not active and assigned to the expected agent any more.
    Changed,
    NotFound,
}

/// A canned answer agents insert into the composer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub id: String,
    pub title: String,
    pub body: String,
    pub updated_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
}

/// One posting of the search index: a term of one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermEntry {
    /// Folded ([`crate::domain::search::fold`]).
    pub term: String,
    pub message_id: String,
    pub conversation_id: String,
    /// The conversation's customer, `whatsapp:+E164`.
    pub customer: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

impl TermEntry {
    /// The order of results, newest first: `{created ms, 15 digits}#{message id}`.
    pub fn position(&self) -> String {
        position(self.created_at, &self.message_id)
    }
}

/// A result's place in the newest-first order (and the search cursor's form).
pub fn position(at: DateTime<Utc>, message_id: &str) -> String {
    format!("{:015}#{}", at.timestamp_millis().max(0), message_id)
}

/// Which postings of a term to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TermQuery {
    pub term: String,
    /// Only this customer's.
    pub customer: Option<String>,
    /// Only at or after / at or before these times.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only strictly older than this position ([`position`]).
    pub before: Option<String>,
}

/// One read of a term's postings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TermPage {
    /// Newest first.
    pub entries: Vec<TermEntry>,
    /// Present while older postings may remain: pass it as [`TermQuery::before`] to continue.
    /// Every posting of the query from `before` down to this position is in `entries`, so
    /// nothing is skipped or read twice.
    pub next: Option<String>,
}

/// What a search result shows of its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundMessage {
    pub id: String,
    pub direction: Direction,
    pub body: Option<String>,
}

/// Notes, events, hand-overs, quick replies, customers' conversations and the search index.
#[async_trait]
pub trait DeskStore: Send + Sync {
    /// Stores a note once: a note with the same id is a [`Stored::Duplicate`].
    async fn add_note(&self, note: &NoteRecord) -> Result<Stored, StoreError>;
    /// Adds an event to the conversation's transcript (`suggestion_used`).
    async fn add_event(&self, event: &EventRecord) -> Result<Stored, StoreError>;

    /// What a conversation's partition holds beside it, in one read: its notes and events
    /// (each oldest first), its linked records, and what the business marked read.
    async fn desk_items(&self, id: &ConversationId) -> Result<DeskItems, StoreError>;

    /// Assigns an active conversation assigned to `from` to `event.to_agent`, and records
    /// `event`, at once.
    async fn transfer(
        &self,
        conversation: &ConversationRecord,
        from: &str,
        event: &EventRecord,
    ) -> Result<TransferResult, StoreError>;

    /// Closes a conversation in `conversation.state` (an administrator's close: any assignee,
    /// or none yet), with its session while current. `false` when its state changed meanwhile.
    async fn close_any(
        &self,
        conversation: &ConversationRecord,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Every quick reply, by id.
    async fn quick_replies(&self) -> Result<Vec<QuickReply>, StoreError>;

    /// Creates or replaces a quick reply; `true` when it is new.
    async fn put_quick_reply(&self, reply: &QuickReply) -> Result<bool, StoreError>;

    /// Removes a quick reply; `true` when it existed.
    async fn delete_quick_reply(&self, id: &str) -> Result<bool, StoreError>;
}

/// A customer's conversations, and the conversations the business starts.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// A customer's conversations (every business number), newest first, at most `limit`.
    async fn customer_conversations(
        &self,
        customer: &str,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError>;

    /// A customer's first conversation and how many they have.
    async fn customer_history(
        &self,
        customer: &str,
    ) -> Result<(Option<ConversationRecord>, usize), StoreError>;

    /// The newest message of a conversation.
    async fn last_message(
        &self,
        id: &ConversationId,
    ) -> Result<Option<super::MessageRecord>, StoreError>;

    /// Creates a business-started conversation and its session, awaiting the customer, unless
    /// the customer's session is open or awaiting already (`false`). `previous` is the session
    /// item it replaces (expired or closed).
    async fn start_by_business(
        &self,
        session: &SessionRecord,
        conversation: &ConversationRecord,
        previous: Option<&SessionRecord>,
    ) -> Result<bool, StoreError>;

    /// The customer answered a business-started conversation: its session (`old`) and
    /// conversation take the message's time, at once. `false` when `old` changed meanwhile.
    async fn continue_started(
        &self,
        touch: &SessionTouch,
        old: &SessionRecord,
    ) -> Result<bool, StoreError>;
}

/// The transcript search index: postings of folded words, and the few reads a result needs.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Adds postings (writing one again changes nothing).
    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError>;

    /// Postings of one term, newest first, at most `limit`, reading at most one page of each of
    /// the term's partitions (DynamoDB: one `Query` per shard; with a customer, one `Query` of
    /// that customer's postings on `gsi2`).
    async fn search_term(&self, query: &TermQuery, limit: usize) -> Result<TermPage, StoreError>;

    /// Which of these (term, message) postings exist.
    async fn has_terms(
        &self,
        wanted: &[(String, TermEntry)],
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// These messages' text and direction (unknown ids left out), for results' snippets.
    async fn result_messages(&self, ids: &[String]) -> Result<Vec<FoundMessage>, StoreError>;

    /// These conversations (unknown ids left out), for the `agent` filter.
    async fn result_conversations(
        &self,
        ids: &[String],
    ) -> Result<Vec<ConversationRecord>, StoreError>;
}
