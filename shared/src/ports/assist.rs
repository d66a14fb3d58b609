//! Assist: what an agent has beside the conversation. Knowledge articles and their compact
//! search entries, administrators' scripts and a conversation's ticked steps, and the
//! customer's sentiment on messages and conversations, read by a [`SentimentScorer`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{MessageRecord, StoreError};
use crate::domain::ConversationId;
use crate::domain::knowledge::IndexedDoc;
use crate::domain::scripts::Scoped;
use crate::domain::sentiment::{Sentiment, SentimentTrend};

/// A knowledge article, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub id: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub updated_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
}

/// Characters of an article's body its search entry keeps for snippets.
pub const LEAD_CHARS: usize = 1_000;

/// An article's search entry: what ranking and a result list need, without the body (its
/// first [`LEAD_CHARS`] characters only). Every entry is read to search, so it stays small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleEntry {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub lead: String,
    pub updated_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
    pub index: IndexedDoc,
}

/// An administrator's script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRecord {
    pub id: String,
    pub title: String,
    pub steps: Vec<String>,
    /// Business numbers (`whatsapp:+…`); empty: every sender.
    #[serde(default)]
    pub numbers: Vec<String>,
    pub updated_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
}

impl Scoped for ScriptRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn numbers(&self) -> &[String] {
        &self.numbers
    }
}

/// A step of a conversation's script its agent ticked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    pub conversation_id: String,
    pub script_id: String,
    pub index: u32,
    pub by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// The step's text when it was ticked: a tick counts only while the step still says that
    /// (an administrator who rewrites or re-creates the script starts its steps afresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Articles, scripts, ticked steps and sentiment, in the table.
#[async_trait]
pub trait AssistStore: Send + Sync {
    /// Changes whenever an article is written or deleted: a reader's cached entries are
    /// current while it is unchanged.
    async fn knowledge_version(&self) -> Result<u64, StoreError>;
    /// Every article's search entry, with the version they were read at (read first).
    async fn knowledge_entries(&self) -> Result<(u64, Vec<ArticleEntry>), StoreError>;
    async fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError>;
    /// Writes the article and its entry, and moves the version, at once: `true` when new.
    async fn put_article(
        &self,
        article: &ArticleRecord,
        entry: &ArticleEntry,
    ) -> Result<bool, StoreError>;
    /// `true` when it existed.
    async fn delete_article(&self, id: &str) -> Result<bool, StoreError>;

    /// Every script, by id.
    async fn scripts(&self) -> Result<Vec<ScriptRecord>, StoreError>;
    /// `true` when new.
    async fn put_script(&self, script: &ScriptRecord) -> Result<bool, StoreError>;
    /// `true` when it existed.
    async fn delete_script(&self, id: &str) -> Result<bool, StoreError>;
    /// Ticks a step (`Some`) or unticks it (`conversation`, `script`, `index`).
    async fn set_step(&self, done: &StepDone, ticked: bool) -> Result<(), StoreError>;

    /// Stores a customer message's sentiment: `false` when the message is gone (an erasure,
    /// a retention sweep), which then stays gone.
    async fn set_message_sentiment(
        &self,
        message_id: &str,
        sentiment: &Sentiment,
    ) -> Result<bool, StoreError>;
    /// Stores the conversation's rolling sentiment: `false` when the conversation is gone.
    async fn set_conversation_sentiment(
        &self,
        conversation: &ConversationId,
        sentiment: &Sentiment,
        trend: SentimentTrend,
    ) -> Result<bool, StoreError>;
    /// The conversation's latest customer messages, newest first, at most `limit`.
    async fn latest_inbound(
        &self,
        conversation: &ConversationId,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError>;
}

/// Why a text could not be scored now (the service failed); the message keeps no sentiment.
#[derive(Debug, thiserror::Error)]
#[error("the sentiment could not be read")]
pub struct ScoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Reads a customer's text: Amazon Comprehend, or the embedded lexicon.
#[async_trait]
pub trait SentimentScorer: Send + Sync {
    /// The text's sentiment; `neutral` with a reason when its language cannot be read.
    async fn score(&self, text: &str) -> Result<Sentiment, ScoreError>;
}
