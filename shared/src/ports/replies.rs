use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{MessageRecord, StoreError};

/// A reply's answer as the function gave it, kept under its idempotency key so a retry gets the
/// same one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// An idempotency key's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// Scoped key: agent and the client's `Idempotency-Key`.
    pub key: String,
    /// Hash of the conversation and the request: the same key with another body is refused.
    pub fingerprint: String,
    /// The outbound message recorded for it.
    pub message_id: String,
    /// `None` while the first request is still sending.
    #[serde(default)]
    pub response: Option<StoredResponse>,
}

/// Whether a reply's idempotency key was free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This request owns the key; its pending message is recorded.
    Claimed,
    /// The key was used before.
    Existing(IdempotencyRecord),
}

/// Replies sent once per idempotency key, recorded before and after the Twilio call.
#[async_trait]
pub trait ReplyStore: Send + Sync {
    /// Takes an idempotency key and records the pending outbound message, atomically.
    async fn claim_reply(
        &self,
        claim: &IdempotencyRecord,
        pending: &MessageRecord,
        expires_at: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError>;

    async fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Twilio accepted the reply: the pending record becomes the message `sent.id` (its sid),
    /// keeping any status a callback already delivered, and the key keeps the response.
    async fn complete_reply(
        &self,
        key: &str,
        pending_id: &str,
        sent: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError>;

    /// The reply was not sent (or may not have been): the pending record keeps the outcome.
    async fn fail_reply(
        &self,
        key: &str,
        pending: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError>;
}
