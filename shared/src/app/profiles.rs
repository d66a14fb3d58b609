//! Agents' routing profiles (capacity, the numbers they serve) and their load: what
//! administrators set, and what every agent may read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::views::rfc3339;
use crate::domain::routing::CurrentSession;
use crate::domain::{AgentId, AgentProfile, Capacity, InvalidValue, Presence, counts_toward_load};
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
    /// How many: `active_conversations`' length.
    pub load: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_updated_by: Option<String>,
}

/// Several agents' views, in the order given: one read of each agent's partition (in
/// parallel), then one batch read of the sessions their assignments name.
pub async fn agent_views(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    default_capacity: Capacity,
    agents: &[String],
) -> Result<Vec<AgentView>, StoreError> {
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
    let now = clock.now();
    Ok(agents
        .iter()
        .zip(records)
        .map(|(agent, record)| view(agent, record, &sessions, default_capacity, now))
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

/// `sessions`: the current sessions by the conversation they belong to.
fn view(
    agent: &str,
    record: AgentRecord,
    sessions: &HashMap<String, SessionRecord>,
    default_capacity: Capacity,
    now: DateTime<Utc>,
) -> AgentView {
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
    let profile = record.profile;
    AgentView {
        agent_id: agent.to_owned(),
        capacity: profile
            .as_ref()
            .map_or(default_capacity.get(), |p| p.capacity),
        numbers: profile
            .as_ref()
            .map(|p| p.numbers.clone())
            .unwrap_or_default(),
        profile_set: profile.is_some(),
        presence: record.presence.map_or(Presence::Offline, |p| p.status),
        load: u32::try_from(active.len()).unwrap_or(u32::MAX),
        active_conversations: active,
        profile_updated_at: profile.as_ref().map(|p| rfc3339(p.updated_at)),
        profile_updated_by: profile.map(|p| p.updated_by),
    }
}
