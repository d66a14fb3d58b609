//! The customer's two blue ticks and "typing…": Twilio's typing indicator (a Public Beta) marks
//! the customer's message read and shows typing for up to 25 s; the table keeps when it was
//! last called for each conversation and what was read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::ConversationId;

/// The customer's latest message the business marked read, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMarker {
    pub message_id: String,
    pub at: DateTime<Utc>,
}

/// What the typing calls leave in the table, per conversation.
#[async_trait]
pub trait TypingStore: Send + Sync {
    /// Records a typing call at `at` unless one was recorded after `at - gap`: `true` when
    /// recorded (the caller may call Twilio), `false` when another call is still fresh. A
    /// conditional write, so the limit holds across every instance.
    async fn claim_typing(
        &self,
        conversation: &ConversationId,
        at: DateTime<Utc>,
        gap: chrono::TimeDelta,
    ) -> Result<bool, StoreError>;

    /// Twilio marked `message_id` read at `at`.
    async fn mark_read(
        &self,
        conversation: &ConversationId,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Why Twilio's typing indicator was not shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorError {
    #[error("Twilio refused the typing indicator ({http_status}, code {code:?}): {message}")]
    Rejected {
        http_status: u16,
        code: Option<u32>,
        message: String,
    },
    #[error("Twilio did not answer the typing indicator: {0}")]
    Unreachable(String),
}

/// `POST /v2/Indicators/Typing.json` `messageId` + `channel=whatsapp`.
#[async_trait]
pub trait TypingIndicator: Send + Sync {
    /// Marks the customer's message `message_sid` (`SM…`/`MM…`) read and shows typing.
    async fn indicate(&self, message_sid: &str) -> Result<(), IndicatorError>;
}
