//! Deferred replies: kept while a customer's window is closed, sent when the customer writes
//! again. The replies themselves are messages (status `deferred`) in their conversation; a
//! marker per (business number, customer, conversation) says which of the customer's
//! conversations hold them, because the session item that would say so is usually gone (TTL) by
//! the time the customer writes again, and two conversations of one customer may both hold some.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{MessageRecord, SessionKey, StoreError};
use crate::domain::MessageStatus;

/// How long a deferred reply waits for the customer at most (`DEFERRED_MAX_WAIT_DAYS`).
pub const DEFAULT_DEFERRED_MAX_WAIT: chrono::TimeDelta = chrono::TimeDelta::days(28);

/// Which conversation of a customer holds deferred replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredMarker {
    pub business: String,
    pub customer: String,
    pub conversation_id: String,
}

#[async_trait]
pub trait DeferredStore: Send + Sync {
    /// Records that `marker.conversation_id` holds deferred replies; the customer's other
    /// conversations' markers stay.
    async fn mark_deferred(&self, marker: &DeferredMarker) -> Result<(), StoreError>;

    /// The markers of every conversation of the customer that holds deferred replies.
    async fn deferred_markers(&self, key: &SessionKey) -> Result<Vec<DeferredMarker>, StoreError>;

    /// Removes the marker of `conversation_id`.
    async fn clear_deferred(
        &self,
        key: &SessionKey,
        conversation_id: &str,
    ) -> Result<(), StoreError>;

    /// Moves a message from `deferred` to `to` (`pending` to send it, `canceled`, `expired`);
    /// `false` when it is no longer deferred (sent, cancelled, or taken by a concurrent run).
    async fn leave_deferred(&self, message_id: &str, to: MessageStatus)
    -> Result<bool, StoreError>;

    /// A deferred reply went out: its record becomes the message `sent.id` (Twilio's sid); with
    /// the same id, the record is replaced in place (the send failed).
    async fn replace_message(&self, old_id: &str, sent: &MessageRecord) -> Result<(), StoreError>;
}
