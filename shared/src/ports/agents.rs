use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::domain::Presence;

/// An available agent and since when: a conversation request goes to the agents available when
/// it was made, and an agent who becomes available later gets the requests made before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailableAgent {
    pub agent_id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub available_since: DateTime<Utc>,
}

/// An agent's presence as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceRecord {
    pub agent_id: String,
    pub status: Presence,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
    /// Kept while the agent stays available.
    #[serde(default, with = "chrono::serde::ts_milliseconds_option")]
    pub available_since: Option<DateTime<Utc>>,
}

/// Agents' presence.
#[async_trait]
pub trait AgentStore: Send + Sync {
    async fn set_presence(
        &self,
        agent: &str,
        presence: Presence,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Available agents, each with the time they became available (kept while they stay so).
    async fn available_agents(&self) -> Result<Vec<AvailableAgent>, StoreError>;
}
