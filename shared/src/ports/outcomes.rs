//! Outcomes: an administrator's dispositions, a closed conversation's wrap-up (outcome and
//! tags), the CRM records a conversation is linked to, and the customer's CSAT.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationRecord, StoreError, Stored};
use crate::domain::ConversationId;

/// One of the administrators' outcome codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposition {
    pub code: String,
    pub label: String,
    pub updated_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
}

/// How a closed conversation ended, as its agent (or an administrator) wrapped it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeRecord {
    pub disposition: String,
    /// The disposition's label when the outcome was sent (a later rename does not rewrite it).
    pub label: String,
    #[serde(default)]
    pub summary: Option<String>,
    pub recorded_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub recorded_at: DateTime<Utc>,
}

/// The customer's answer to the CSAT template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatRecord {
    pub score: u8,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

/// A conversation linked to a CRM record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLink {
    pub conversation_id: String,
    pub system: String,
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
    pub linked_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub linked_at: DateTime<Utc>,
}

/// What recording an outcome did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeResult {
    Recorded,
    /// The conversation is not closed (any more, or yet).
    NotClosed,
    NotFound,
}

/// Dispositions, outcomes, tags, record links and CSAT, in the table.
#[async_trait]
pub trait OutcomeStore: Send + Sync {
    /// By label.
    async fn dispositions(&self) -> Result<Vec<Disposition>, StoreError>;
    /// Creates or replaces one; `true` when it is new.
    async fn put_disposition(&self, disposition: &Disposition) -> Result<bool, StoreError>;
    /// `true` when it existed.
    async fn delete_disposition(&self, code: &str) -> Result<bool, StoreError>;

    /// Records the outcome of a closed conversation, with its tags when `tags` is given (they
    /// replace the conversation's), in one write: refused unless the conversation is closed.
    async fn record_outcome(
        &self,
        conversation: &ConversationRecord,
        outcome: &OutcomeRecord,
        tags: Option<&[String]>,
    ) -> Result<OutcomeResult, StoreError>;

    /// Replaces a conversation's tags (and their index entries).
    async fn set_tags(
        &self,
        conversation: &ConversationRecord,
        tags: &[String],
    ) -> Result<(), StoreError>;

    /// The ids of the conversations tagged `tag` (any case), newest first, at most `limit`.
    async fn tagged(&self, tag: &str, limit: usize) -> Result<Vec<String>, StoreError>;

    /// Links a record; [`Stored::Duplicate`] when that record was linked already.
    async fn link_record(&self, link: &RecordLink) -> Result<Stored, StoreError>;
    /// `true` when it was linked.
    async fn unlink_record(
        &self,
        conversation: &ConversationId,
        system: &str,
        id: &str,
    ) -> Result<bool, StoreError>;
    /// A conversation's records, by system and id.
    async fn records(&self, conversation: &ConversationId) -> Result<Vec<RecordLink>, StoreError>;
    /// The ids of the conversations linked to `system:id`, newest first, at most `limit`.
    async fn linked(&self, system: &str, id: &str, limit: usize)
    -> Result<Vec<String>, StoreError>;

    /// Marks that the CSAT template goes to the customer of this closed conversation, once:
    /// `false` when it was marked already. The session, while it is still this conversation's,
    /// learns until when an answer counts (`csat_until`).
    async fn mark_csat_sent(
        &self,
        conversation: &ConversationRecord,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Holds `hold.agent_id`'s capacity for a closed conversation's wrap-up, in one write
    /// conditional on the conversation being closed without its outcome (an outcome sent since
    /// the caller read it released nothing yet, so a hold written now would last until its
    /// timer): `false` when that condition did not hold and nothing was written.
    async fn hold_wrap_up(&self, hold: &crate::ports::WrapUpHold) -> Result<bool, StoreError>;
    /// Ends that hold (the outcome was sent).
    /// `true` when a hold was there to remove.
    async fn release_wrap_up(&self, agent: &str, conversation: &str) -> Result<bool, StoreError>;

    /// Stores the customer's score on the closed conversation, the first answer only: `false`
    /// when one was stored already.
    async fn record_csat(
        &self,
        conversation: &ConversationId,
        csat: &CsatRecord,
    ) -> Result<bool, StoreError>;
}
