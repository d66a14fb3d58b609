//! Agents' routing profiles (capacity, the numbers they serve) and their load: what
//! administrators set, and what every agent may read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::views::rfc3339;
use crate::domain::routing::CurrentSession;
use crate::domain::{
    AgentId, AgentProfile, Candidate, Capacity, InvalidValue, Presence, counts_toward_load,
};
use crate::ports::{
    AgentRecord, ChannelStore, Clock, ProfileRecord, SessionKey, SessionRecord, StoreError,
};

/// Why a profile body is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidProfile {
    /// Not a JSON object: 400.
    #[error("the body is not a JSON object")]
    Malformed,
    /// A JSON object whose values break the rules: 422.
    #[error("{}", .0.reason)]
    Invalid(InvalidValue),
}

/// Reads `{"capacity": 1..20, "numbers"?: ["whatsapp:+E164", …]}`; `numbers` left out, `null`
/// or empty: every number.
pub fn parse_profile(raw: &[u8]) -> Result<AgentProfile, InvalidProfile> {
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(raw) else {
        return Err(InvalidProfile::Malformed);
    };
    let capacity = body
        .get("capacity")
        .and_then(serde_json::Value::as_i64)
        .ok_or(InvalidProfile::Invalid(InvalidValue {
            what: "capacity",
            reason: "capacity is required, a whole number from 1 to 20",
        }))?;
    let not_numbers = InvalidProfile::Invalid(InvalidValue {
        what: "numbers",
        reason: "numbers must be a list of business senders as whatsapp:+E164",
    });
    let numbers: Vec<&str> = match body.get("numbers") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(serde_json::Value::as_str)
            .collect::<Option<_>>()
            .ok_or(not_numbers)?,
        Some(_) => return Err(not_numbers),
    };
    AgentProfile::parse(capacity, &numbers).map_err(InvalidProfile::Invalid)
}

/// Creates or replaces `agent`'s profile, set by `by`; `true` when it is new.
pub async fn put_profile(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    agent: &AgentId,
    profile: &AgentProfile,
    by: &AgentId,
) -> Result<(ProfileRecord, bool), StoreError> {
    let record = ProfileRecord {
        agent_id: agent.as_str().to_owned(),
        capacity: profile.capacity.get(),
        numbers: profile
            .numbers
            .iter()
            .map(|n| n.as_str().to_owned())
            .collect(),
        updated_by: by.as_str().to_owned(),
        updated_at: clock.now(),
    };
    let new = store.put_profile(&record).await?;
    Ok((record, new))
}

/// An agent as `GET /agents/{agentId}` shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentView {
    pub agent_id: String,
    /// From their profile, else `AGENT_CAPACITY_DEFAULT`.
    pub capacity: u32,
    /// The numbers they serve; empty: every number.
    pub numbers: Vec<String>,
    /// Whether an administrator set a profile (else the defaults apply).
    pub profile_set: bool,
    /// Their presence; `offline` when they never set one.
    pub presence: Presence,
    /// Conversations that count toward their load: active, theirs, window open.
    pub active_conversations: Vec<String>,
    /// Requests offered to them now, not yet accepted, rejected or expired.
    pub offers: Vec<String>,
    /// Active conversations plus outstanding offers: what their capacity bounds.
    pub load: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_updated_by: Option<String>,
}

/// One agent as routing reads them: everything stored in their partition, and which of their
/// assignments count toward their load now.
#[derive(Debug, Clone)]
pub struct AgentFacts {
    pub agent_id: String,
    pub record: AgentRecord,
    /// The conversations counting toward their load ([`counts_toward_load`]), by id.
    pub active: Vec<String>,
    /// Closed conversations whose wrap-up still holds their capacity, by id.
    pub wrapping_up: Vec<String>,
}

impl AgentFacts {
    pub fn capacity(&self, default_capacity: Capacity) -> u32 {
        self.record
            .profile
            .as_ref()
            .map_or(default_capacity.get(), |p| p.capacity)
    }

    pub fn presence(&self) -> Presence {
        self.record
            .presence
            .as_ref()
            .map_or(Presence::Offline, |p| p.status)
    }

    /// Active conversations, wrap-ups still held, and outstanding offers.
    pub fn load(&self) -> u32 {
        u32::try_from(self.active.len() + self.wrapping_up.len() + self.record.offers.len())
            .unwrap_or(u32::MAX)
    }

    /// The version of their routing state an offer to them must find unchanged.
    pub fn version(&self) -> u64 {
        self.record.routing.as_ref().map_or(0, |r| r.version)
    }

    /// How the offer choice sees them.
    pub fn candidate(&self, default_capacity: Capacity) -> Candidate {
        Candidate {
            agent_id: self.agent_id.clone(),
            presence: self.presence(),
            capacity: Capacity::parse(i64::from(self.capacity(default_capacity)))
                .unwrap_or(default_capacity),
            numbers: self
                .record
                .profile
                .as_ref()
                .map(|p| p.numbers.clone())
                .unwrap_or_default(),
            active: u32::try_from(self.active.len() + self.wrapping_up.len()).unwrap_or(u32::MAX),
            offers: u32::try_from(self.record.offers.len()).unwrap_or(u32::MAX),
            last_offer_at: self.record.routing.as_ref().and_then(|r| r.last_offer_at),
        }
    }
}

/// Several agents' facts, in the order given: one read of each agent's partition (in
/// parallel), then one batch read of the sessions their assignments name.
pub async fn agent_facts(
    store: &dyn ChannelStore,
    agents: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<AgentFacts>, StoreError> {
    let records = store.agents(agents).await?;
    let mut keys: Vec<SessionKey> = records
        .iter()
        .flat_map(|r| &r.assignments)
        .filter_map(|a| SessionKey::parse(&a.business, &a.customer))
        .collect();
    keys.sort_by(|a, b| (&a.business, &a.customer).cmp(&(&b.business, &b.customer)));
    keys.dedup();
    let sessions: HashMap<String, SessionRecord> = if keys.is_empty() {
        HashMap::new()
    } else {
        store
            .sessions(&keys)
            .await?
            .into_iter()
            .map(|s| (s.conversation_id.clone(), s))
            .collect()
    };
    Ok(agents
        .iter()
        .zip(records)
        .map(|(agent, record)| {
            let mut active: Vec<String> = record
                .assignments
                .iter()
                .filter(|a| {
                    let session = sessions.get(&a.conversation_id).map(|s| CurrentSession {
                        state: s.state,
                        assigned_agent: s.assigned_agent.as_deref(),
                        last_inbound_at: (s.last_inbound_at != crate::ports::desk::NEVER)
                            .then_some(s.last_inbound_at),
                    });
                    counts_toward_load(agent, session, now)
                })
                .map(|a| a.conversation_id.clone())
                .collect();
            active.sort();
            let wrapping_up = record
                .wrap_ups
                .iter()
                .filter(|w| w.until > now && !active.contains(&w.conversation_id))
                .map(|w| w.conversation_id.clone())
                .collect();
            AgentFacts {
                agent_id: agent.clone(),
                record,
                active,
                wrapping_up,
            }
        })
        .collect())
}

/// Several agents' views, in the order given ([`agent_facts`]).
pub async fn agent_views(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    default_capacity: Capacity,
    agents: &[String],
) -> Result<Vec<AgentView>, StoreError> {
    Ok(agent_facts(store, agents, clock.now())
        .await?
        .into_iter()
        .map(|facts| view(facts, default_capacity))
        .collect())
}

/// One agent's view.
pub async fn agent_view(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    default_capacity: Capacity,
    agent: &AgentId,
) -> Result<AgentView, StoreError> {
    let mut views =
        agent_views(store, clock, default_capacity, &[agent.as_str().to_owned()]).await?;
    views
        .pop()
        .ok_or_else(|| StoreError::Corrupt("no view of the agent".into()))
}

fn view(facts: AgentFacts, default_capacity: Capacity) -> AgentView {
    let capacity = facts.capacity(default_capacity);
    let presence = facts.presence();
    let load = facts.load();
    let mut offers: Vec<String> = facts
        .record
        .offers
        .iter()
        .map(|o| o.conversation_id.clone())
        .collect();
    offers.sort();
    let profile = facts.record.profile;
    AgentView {
        agent_id: facts.agent_id,
        capacity,
        numbers: profile
            .as_ref()
            .map(|p| p.numbers.clone())
            .unwrap_or_default(),
        profile_set: profile.is_some(),
        presence,
        load,
        active_conversations: facts.active,
        offers,
        profile_updated_at: profile.as_ref().map(|p| rfc3339(p.updated_at)),
        profile_updated_by: profile.map(|p| p.updated_by),
    }
}
