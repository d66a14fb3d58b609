//! Erasing a customer, and expiring old conversations: the store's side. The use case
//! (`app::privacy::erasure`) decides what goes; these calls delete it by key, a page at a time,
//! so that each call is small and a crash between two calls loses nothing a retry cannot finish.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationRecord, Deadline, MessageRecord, StoreError, TermEntry};

/// What an erasure removed so far. Each count is what the store reported deleted, so a step
/// repeated after a crash does not count twice what the first attempt removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedCounts {
    #[serde(default)]
    pub conversations: u64,
    #[serde(default)]
    pub messages: u64,
    /// Search postings of their messages' words.
    #[serde(default)]
    pub postings: u64,
    /// Notes, events, linked records, tags, typing and read markers, ticked script steps, and
    /// the routing items (waiting, offer, assignment, wrap-up hold) of their conversations.
    #[serde(default)]
    pub conversation_items: u64,
    /// Window warnings filed for their messages.
    #[serde(default)]
    pub deadlines: u64,
    /// Sessions and deferred replies' markers.
    #[serde(default)]
    pub sessions: u64,
    /// Replies' idempotency records (they hold the reply's answer).
    #[serde(default)]
    pub idempotency: u64,
    #[serde(default)]
    pub contact: u64,
    /// Media objects: inbound copies and agents' uploads.
    #[serde(default)]
    pub media: u64,
    /// Messages deleted at Twilio (`ERASE_AT_TWILIO=on`), and those Twilio refused.
    #[serde(default)]
    pub twilio_deleted: u64,
    #[serde(default)]
    pub twilio_failed: u64,
}

impl ErasedCounts {
    pub fn add(&mut self, other: &ErasedCounts) {
        self.conversations += other.conversations;
        self.messages += other.messages;
        self.postings += other.postings;
        self.conversation_items += other.conversation_items;
        self.deadlines += other.deadlines;
        self.sessions += other.sessions;
        self.idempotency += other.idempotency;
        self.contact += other.contact;
        self.media += other.media;
        self.twilio_deleted += other.twilio_deleted;
        self.twilio_failed += other.twilio_failed;
    }
}

/// Where an erasure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureState {
    /// Accepted; steps remain.
    Running,
    /// Everything found was removed, and the final sweep found nothing more.
    Done,
    /// A legal hold was placed while it ran: it stopped, and resumes only by a new request.
    Held,
}

/// The tombstone of an erasure and its progress. It holds no personal data: the customer
/// appears only as the keyed pseudonym ([`crate::domain::privacy::PrivacyKey::pseudonym`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRecord {
    pub id: String,
    pub pseudonym: String,
    pub requested_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub requested_at: DateTime<Utc>,
    pub state: ErasureState,
    /// Steps run so far (each a queue message, or one call of local-api's runner).
    pub steps: u32,
    /// Passes over the customer's conversations: the last is the sweep that found nothing.
    pub passes: u32,
    pub counts: ErasedCounts,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
    #[serde(default, with = "chrono::serde::ts_milliseconds_option")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Kept as long as the audit log (`AUDIT_RETENTION_DAYS`).
    #[serde(with = "chrono::serde::ts_seconds")]
    pub expires_at: DateTime<Utc>,
}

/// The store's side of an erasure: pages of deletes by key.
#[async_trait]
pub trait ErasureStore: Send + Sync {
    /// Marks the conversation as being erased. From then on the stream's writes derived from it
    /// (search postings) are refused, so nothing it held comes back behind the sweep. `false`
    /// when the conversation does not exist.
    async fn mark_erasing(&self, conversation_id: &str) -> Result<bool, StoreError>;

    /// The conversation's oldest messages, at most `limit`: what the next page erases.
    async fn messages_to_erase(
        &self,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError>;

    /// Deletes these messages with their postings, window warnings and replies' idempotency
    /// records (`idempotency`: their keys). Deleting what is already gone is no error.
    async fn erase_messages(
        &self,
        messages: &[MessageRecord],
        postings: &[TermEntry],
        deadlines: &[Deadline],
        idempotency: &[String],
    ) -> Result<ErasedCounts, StoreError>;

    /// Deletes the customer's session and deferred replies' markers on the conversation's
    /// business number (an erasure, first: the window warnings are conditional on the session,
    /// and a new message then starts a new conversation rather than joining this one).
    async fn erase_session(
        &self,
        conversation: &ConversationRecord,
    ) -> Result<ErasedCounts, StoreError>;

    /// Deletes the rest of a conversation whose messages are gone: its notes, events, records,
    /// tags, typing and script items, its routing items, and last the conversation item itself.
    async fn erase_conversation(
        &self,
        conversation: &ConversationRecord,
    ) -> Result<ErasedCounts, StoreError>;

    /// Deletes the customer's contact entry.
    async fn erase_contact(&self, address: &str) -> Result<ErasedCounts, StoreError>;

    /// Writes the erasure's record (its tombstone and progress) as it now stands.
    async fn put_erasure(&self, record: &ErasureRecord) -> Result<(), StoreError>;

    async fn erasure(&self, id: &str) -> Result<Option<ErasureRecord>, StoreError>;

    /// Conversations created before `before` (their ids are UUIDv7), oldest first, at most
    /// `limit`, after `after` (a conversation id): the retention sweep's candidates.
    async fn conversations_created_before(
        &self,
        before: DateTime<Utc>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError>;
}

/// One step of an erasure to run: the queue message's body. The address travels only here
/// (and in the queue, until the step is done), never in the erasure's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureJob {
    pub erasure_id: String,
    pub address: String,
    /// The last pass: after it, the erasure is done whatever it found.
    #[serde(default)]
    pub final_sweep: bool,
}

/// The next page of the retention sweep: conversations created after `after` (an id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionJob {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// What erasure-worker is asked to do: one queue message (or the daily schedule's input,
/// `{"retention":{}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WorkerTask {
    Erase(ErasureJob),
    Retention { retention: RetentionJob },
}

/// Where erasure steps and retention pages wait to run: SQS in AWS (erasure-worker consumes
/// it), a task in local-api.
#[async_trait]
pub trait ErasureQueue: Send + Sync {
    /// Queues `task` to run after `delay_seconds` (0 to 900).
    async fn enqueue(&self, task: &WorkerTask, delay_seconds: u32) -> Result<(), StoreError>;
}
