use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

/// One notification for agents (an SNS message): a JSON body and the attributes subscription
/// filter policies select on.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `conversation.requested`, `conversation.accepted`, `window.closed`, `message.received`.
    pub event_type: String,
    /// The business number of the conversation (message attribute `business_number`), so that
    /// a subscription can filter by number.
    pub business_number: String,
    /// The agents addressed (message attribute `agent_ids`, String.Array).
    pub agent_ids: Vec<String>,
    /// Whether the customer matched a known contact (message attribute `authenticated`).
    pub authenticated: bool,
    /// For supervisors (administrators) too: message attribute `audience` = `supervisors`,
    /// and pushed to every connected administrator's console.
    pub supervisors: bool,
    /// The message body, JSON.
    pub body: serde_json::Value,
}

/// Why a notification was not published; the stream record is retried.
#[derive(Debug, thiserror::Error)]
#[error("the notification could not be published")]
pub struct NotifyError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Publishes notifications to agents.
#[async_trait]
pub trait AgentNotifier: Send + Sync {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError>;

    /// Pushes `notification` to the agents' open consoles only, never to SNS: what is worth
    /// seeing now and nothing later (`conversation.suggestions`, `conversation.sentiment`).
    /// Nothing, where there is no live channel. Never fails the stream record.
    async fn push_live(&self, notification: &Notification) {
        let _ = notification;
    }
}

/// The markers that keep notifications single when the stream delivers a record again.
#[async_trait]
pub trait NotificationLog: Send + Sync {
    /// Starts publishing the notification `key`: `false` when it was published before (a
    /// redelivered stream record), `true` when it is new or an earlier attempt did not finish.
    async fn begin_notification(&self, key: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Marks the notification `key` published.
    async fn finish_notification(&self, key: &str) -> Result<(), StoreError>;
}
