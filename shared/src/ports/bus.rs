//! Events for other systems (a CRM, a data warehouse): the conversation's lifecycle on an event
//! bus (Amazon EventBridge), from the table's stream.

use async_trait::async_trait;

/// One event: its `detail-type` (the event name) and its versioned `detail`.
#[derive(Debug, Clone, PartialEq)]
pub struct BusEvent {
    pub detail_type: &'static str,
    pub detail: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("the event bus did not take {failed} of the events: {reason}")]
    Refused { failed: usize, reason: String },
    #[error("the event bus did not answer: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Puts events on the bus, all or an error (a retry may put some twice: consumers dedupe by
/// `detail.event_id`).
#[async_trait]
pub trait EventBus: Send + Sync {
    async fn put(&self, events: &[BusEvent]) -> Result<(), BusError>;
}
