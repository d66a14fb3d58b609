//! The agent's partition (`AGENT#{agentId}`): presence (in the available agents' or the roster's
//! sharded `gsi1` partitions), routing profile, active assignments and live connections.

use super::{Item, TYPE, key, n, s, shard_of, tag, to_item};
use crate::domain::Presence;
use crate::ports::{AssignmentRecord, PresenceRecord, ProfileRecord, StoreError};

/// The available agents' index partitions: `AGENTS#available#{shard}`, the presence item in one
/// only while available.
pub const AGENT_SHARDS: u32 = 4;

/// The index partition of an available agent.
pub fn available_agents_partition(agent: &str) -> String {
    format!("AGENTS#available#{}", shard_of(agent, AGENT_SHARDS))
}

/// The roster's index partition of an agent not available now: `AGENTS#roster#{shard}`.
pub fn roster_partition(agent: &str) -> String {
    format!("AGENTS#roster#{}", shard_of(agent, AGENT_SHARDS))
}

/// Every roster index partition.
pub fn roster_partitions() -> impl Iterator<Item = String> {
    (0..AGENT_SHARDS).map(|shard| format!("AGENTS#roster#{shard}"))
}

/// Every available agents' index partition.
pub fn available_agents_partitions() -> impl Iterator<Item = String> {
    (0..AGENT_SHARDS).map(|shard| format!("AGENTS#available#{shard}"))
}

pub fn presence_key(agent: &str) -> Item {
    key(format!("AGENT#{agent}"), "PRESENCE")
}

/// The partition of everything about one agent: presence, profile, assignments, connections.
pub fn agent_pk(agent: &str) -> String {
    format!("AGENT#{agent}")
}

/// An agent's routing profile, beside their presence.
pub fn profile_key(agent: &str) -> Item {
    key(agent_pk(agent), "PROFILE")
}

/// One of an agent's active conversations, in their partition.
pub fn assignment_key(agent: &str, conversation: &str) -> Item {
    key(agent_pk(agent), &format!("ASSIGNED#{conversation}"))
}

/// A live connection, in its agent's partition beside the presence item.
pub fn connection_key(agent: &str, connection_id: &str) -> Item {
    key(format!("AGENT#{agent}"), &format!("CONN#{connection_id}"))
}

/// An agent's presence as its item; in the available-agents index only while available.
pub fn presence_item(record: &PresenceRecord) -> Item {
    let mut item = presence_key(&record.agent_id);
    item.insert(TYPE.into(), s(tag::PRESENCE));
    item.insert("agent_id".into(), s(record.agent_id.clone()));
    item.insert("status".into(), s(record.status.as_str()));
    item.insert("updated_at".into(), n(record.updated_at.timestamp_millis()));
    if let (Presence::Available, Some(since)) = (record.status, record.available_since) {
        for (name, value) in available_agent_index_keys(&record.agent_id) {
            item.insert(name.into(), s(value));
        }
        item.insert("available_since".into(), n(since.timestamp_millis()));
    } else {
        for (name, value) in roster_index_keys(&record.agent_id) {
            item.insert(name.into(), s(value));
        }
    }
    if let Some(reason) = &record.reason {
        item.insert("reason".into(), s(reason.clone()));
    }
    item
}

/// An available agent's index keys (`gsi1`), present only while available.
pub fn available_agent_index_keys(agent: &str) -> [(&'static str, String); 2] {
    [
        ("gsi1pk", available_agents_partition(agent)),
        ("gsi1sk", agent.to_owned()),
    ]
}

/// A not-available agent's index keys (`gsi1`): the board's roster.
pub fn roster_index_keys(agent: &str) -> [(&'static str, String); 2] {
    [
        ("gsi1pk", roster_partition(agent)),
        ("gsi1sk", agent.to_owned()),
    ]
}

/// A routing profile as its item.
pub fn profile_item(record: &ProfileRecord) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(tag::AGENT_PROFILE));
    item.extend(profile_key(&record.agent_id));
    Ok(item)
}

/// An active assignment as its item.
pub fn assignment_item(record: &AssignmentRecord) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(tag::ASSIGNMENT));
    item.extend(assignment_key(&record.agent_id, &record.conversation_id));
    Ok(item)
}
