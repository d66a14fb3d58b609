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
    /// Why the system set it (not the agent): `missed_offers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// [`PresenceRecord::reason`] when routing set an agent away for letting offers expire.
pub const MISSED_OFFERS: &str = "missed_offers";

/// Agents' presence.
#[async_trait]
pub trait AgentStore: Send + Sync {
    /// The agent's own change of presence.
    async fn set_presence(
        &self,
        agent: &str,
        presence: Presence,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.set_presence_because(agent, presence, None, at).await
    }

    /// A change of presence, with why the system made it (`None`: the agent did).
    async fn set_presence_because(
        &self,
        agent: &str,
        presence: Presence,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Available agents, each with the time they became available (kept while they stay so).
    async fn available_agents(&self) -> Result<Vec<AvailableAgent>, StoreError>;

    /// Every agent who ever set a presence, with it, by id: the supervisors' board.
    async fn roster(&self) -> Result<Vec<PresenceRecord>, StoreError>;
}

/// An agent's routing profile as stored: what an administrator set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub agent_id: String,
    pub capacity: u32,
    /// Business numbers (`whatsapp:+E164`) they serve; empty: every number.
    #[serde(default)]
    pub numbers: Vec<String>,
    pub updated_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub updated_at: DateTime<Utc>,
}

/// A conversation assigned to an agent and active: written and removed in the same transaction
/// as the accept, transfer, business start or close that makes or ends the assignment. The
/// conversation's session decides whether it counts toward the agent's load now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRecord {
    pub agent_id: String,
    pub conversation_id: String,
    pub business: String,
    pub customer: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub since: DateTime<Utc>,
}

impl AssignmentRecord {
    /// The assignment a conversation stands for now: `None` unless it is active and assigned.
    pub fn of(conversation: &super::ConversationRecord, at: DateTime<Utc>) -> Option<Self> {
        let agent = conversation.assigned_agent.as_ref()?;
        (conversation.state == crate::domain::ConversationState::Active).then(|| Self {
            agent_id: agent.clone(),
            conversation_id: conversation.id.clone(),
            business: conversation.business.clone(),
            customer: conversation.customer.clone(),
            since: at,
        })
    }
}

/// Everything stored about one agent: one read of their partition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentRecord {
    pub presence: Option<PresenceRecord>,
    pub profile: Option<ProfileRecord>,
    /// Their active assignments, by conversation id.
    pub assignments: Vec<AssignmentRecord>,
    /// Their outstanding offers, by conversation id.
    pub offers: Vec<super::OfferRecord>,
    pub routing: Option<super::RoutingState>,
    /// Their counts of the last days kept (two at most).
    pub counts: Vec<super::DayCounts>,
    /// After-contact work: closed conversations whose wrap-up still holds their capacity.
    pub wrap_ups: Vec<WrapUpHold>,
}

/// A closed conversation's wrap-up holding its agent's capacity until `until`, or until the
/// outcome is sent (`WRAP_UP_SECONDS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapUpHold {
    pub agent_id: String,
    pub conversation_id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub until: DateTime<Utc>,
}

/// Agents' partitions read at once by [`ProfileStore::agents`].
pub const AGENT_READS_IN_FLIGHT: usize = 16;

/// Agents' routing profiles and the index of their active conversations.
#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// Creates or replaces an agent's profile; `true` when it is new.
    async fn put_profile(&self, profile: &ProfileRecord) -> Result<bool, StoreError>;

    /// An agent's presence, profile and active assignments, read at once.
    async fn agent(&self, agent: &str) -> Result<AgentRecord, StoreError>;

    /// Several agents, in the order given: [`AGENT_READS_IN_FLIGHT`] reads at a time, so that a
    /// contact center of hundreds does not open hundreds of connections at once.
    async fn agents(&self, agents: &[String]) -> Result<Vec<AgentRecord>, StoreError> {
        let mut out = Vec::with_capacity(agents.len());
        for chunk in agents.chunks(AGENT_READS_IN_FLIGHT) {
            out.extend(
                futures_util::future::try_join_all(chunk.iter().map(|a| self.agent(a))).await?,
            );
        }
        Ok(out)
    }
}
