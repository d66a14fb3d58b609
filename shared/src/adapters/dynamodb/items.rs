//! The table's items: keys, type tags and codecs. One table, string keys `pk`/`sk`, one index
//! `gsi1` (projection ALL), TTL on `expires_at`; the README's "Table design" shows the same:
//!
//! | item (`type`) | `pk` | `sk` | `gsi1pk` | `gsi1sk` |
//! | --- | --- | --- | --- | --- |
//! | session (`session`, TTL `expires_at`) | `SESSION#{business}#{customer}` | `SESSION` | | |
//! | conversation (`conversation`) | `CONV#{id}` | `CONV` | `CONVERSATIONS#{shard of id, 0..8}` | `{id}` (UUIDv7: by creation) |
//! | message (`message`) | `MSG#{MessageSid}` | `MSG` | `CONV#{conversation id}` | `{created_at ms, 15 digits}#{sid}` |
//! | pending reply (`message`) | `MSG#pending-{uuid}` | `MSG` | `CONV#{conversation id}` | as a message |
//! | early status (`early_status`, TTL 7 days) | `MSG#{sid}` | `MSG` | | |
//! | idempotency key (`idempotency`, TTL 24 h) | `IDEMP#{agent}#{Idempotency-Key}` | `IDEMP` | | |
//! | agent presence (`presence`) | `AGENT#{agentId}` | `PRESENCE` | `AGENTS#available#{shard of agent, 0..4}` (only while available) | agent id |
//! | routing profile (`agent_profile`) | `AGENT#{agentId}` | `PROFILE` | | |
//! | active assignment (`assignment`) | `AGENT#{agentId}` | `ASSIGNED#{conversation id}` | | |
//! | contact (`contact`) | `CONTACT#{whatsapp:+E164}` | `CONTACT` | | |
//! | live connection (`connection`, TTL 3 h) | `AGENT#{agentId}` | `CONN#{connectionId}` | | |
//! | notification marker (`notification`, TTL 2 days) | `NOTIFY#{event id}[#{conversation}]` | `NOTIFY` | | |
//! | window warning (`deadline`, TTL 2 days after due) | `DUE#{epoch minute due}` | `WARN#{conversation}#{last inbound ms}#{2h\|15m}` | | |
//! | scheduler cursor (`deadline_cursor`) | `DUE#CURSOR` | `DUE` | | |
//! | deferred replies' marker (`deferred_marker`) | `DEFER#{business}#{customer}` | `DEFER#{conversation id}` (before 2026-12: `DEFER`, one per customer) | | |
//! | note (`note`) | `CONV#{conversation id}` | `NOTE#{note id}` | | |
//! | transcript event (`event`) | `CONV#{conversation id}` | `EVENT#{created ms, 15 digits}#{id}` | | |
//! | quick reply (`quick_reply`) | `QUICKREPLY` | `QR#{id}` | | |
//! | search posting (`term`) | `TERM#{folded word}#{shard 0..3}` | `{created ms, 15 digits}#{message id}` | | |
//!
//! A second index, `gsi2` (projection ALL), lists a customer's conversations: the conversation
//! item carries `gsi2pk = CUST#{customer}`, `gsi2sk = {id}`.
//!
//! A message is keyed by its sid alone, so retries collide whatever conversation they land in and
//! status callbacks (which know only the sid) update it directly.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use crate::domain::{Presence, ttl_epoch_seconds};
use crate::ports::{
    AssignmentRecord, ConversationRecord, IdempotencyRecord, MessageRecord, PresenceRecord,
    ProfileRecord, SessionKey, SessionRecord, StoreError,
};

pub type Item = HashMap<String, AttributeValue>;

/// The main index.
pub const INDEX: &str = "gsi1";
/// The index of each customer's conversations, and its key attributes.
pub const CUSTOMER_INDEX: &str = "gsi2";
pub const CUSTOMER_INDEX_PK: &str = "gsi2pk";
pub const CUSTOMER_INDEX_SK: &str = "gsi2sk";

/// A customer's partition of [`CUSTOMER_INDEX`].
pub fn customer_partition(customer: &str) -> String {
    format!("CUST#{customer}")
}
/// The attribute that names an item's kind.
pub const TYPE: &str = "type";
/// The TTL attribute (epoch seconds).
pub const EXPIRES_AT: &str = "expires_at";

/// The values of [`TYPE`].
pub mod tag {
    pub const SESSION: &str = "session";
    pub const CONVERSATION: &str = "conversation";
    pub const MESSAGE: &str = "message";
    pub const EARLY_STATUS: &str = "early_status";
    pub const IDEMPOTENCY: &str = "idempotency";
    pub const PRESENCE: &str = "presence";
    pub const CONTACT: &str = "contact";
    pub const NOTIFICATION: &str = "notification";
    pub const CONNECTION: &str = "connection";
    pub const DEADLINE: &str = "deadline";
    pub const DEADLINE_CURSOR: &str = "deadline_cursor";
    pub const DEFERRED_MARKER: &str = "deferred_marker";
    pub const AGENT_PROFILE: &str = "agent_profile";
    pub const ASSIGNMENT: &str = "assignment";
}

/// The index partition of all conversations.
/// The conversations' index partitions: `CONVERSATIONS#{shard}`. Write-sharded, so that no
/// index partition holds every conversation (DynamoDB writes one partition about 1,000 times a
/// second; a hot index partition throttles the table's writes too). Read in parallel and merged.
pub const CONVERSATION_SHARDS: u32 = 8;
/// The available agents' index partitions: `AGENTS#available#{shard}`, the presence item in one
/// only while available.
pub const AGENT_SHARDS: u32 = 4;

/// A stable shard of a key: FNV-1a, the same in every process and release.
pub fn shard_of(key: &str, shards: u32) -> u32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash % shards
}

/// The index partition of a conversation.
pub fn conversations_partition(id: &str) -> String {
    format!("CONVERSATIONS#{}", shard_of(id, CONVERSATION_SHARDS))
}

/// Every conversations' index partition.
pub fn conversations_partitions() -> impl Iterator<Item = String> {
    (0..CONVERSATION_SHARDS).map(|shard| format!("CONVERSATIONS#{shard}"))
}

/// The index partition of an available agent.
pub fn available_agents_partition(agent: &str) -> String {
    format!("AGENTS#available#{}", shard_of(agent, AGENT_SHARDS))
}

/// Every available agents' index partition.
pub fn available_agents_partitions() -> impl Iterator<Item = String> {
    (0..AGENT_SHARDS).map(|shard| format!("AGENTS#available#{shard}"))
}

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn key(pk: String, sk: &str) -> Item {
    HashMap::from([("pk".into(), s(pk)), ("sk".into(), s(sk))])
}

pub fn session_key(key: &SessionKey) -> Item {
    self::key(
        format!("SESSION#{}#{}", key.business, key.customer),
        "SESSION",
    )
}

pub fn conversation_pk(id: &str) -> String {
    format!("CONV#{id}")
}

pub fn conversation_key(id: &str) -> Item {
    key(conversation_pk(id), "CONV")
}

pub fn message_key(sid: &str) -> Item {
    key(format!("MSG#{sid}"), "MSG")
}

pub fn idempotency_key(key: &str) -> Item {
    self::key(format!("IDEMP#{key}"), "IDEMP")
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

pub fn contact_key(address: &str) -> Item {
    key(format!("CONTACT#{address}"), "CONTACT")
}

pub fn notification_key(key: &str) -> Item {
    self::key(format!("NOTIFY#{key}"), "NOTIFY")
}

pub fn to_item<T: serde::Serialize>(record: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A session as its item (with the TTL attribute).
pub fn session_item(record: &SessionRecord) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(EXPIRES_AT.into(), n(ttl_epoch_seconds(record.expires_at())));
    item.insert(TYPE.into(), s(tag::SESSION));
    let key = record
        .key()
        .ok_or_else(|| StoreError::Corrupt("session addresses".into()))?;
    item.extend(session_key(&key));
    Ok(item)
}

/// A conversation as its item.
pub fn conversation_item(record: &ConversationRecord) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(tag::CONVERSATION));
    item.insert("gsi1pk".into(), s(conversations_partition(&record.id)));
    item.insert("gsi1sk".into(), s(record.id.clone()));
    item.insert(
        CUSTOMER_INDEX_PK.into(),
        s(customer_partition(&record.customer)),
    );
    item.insert(CUSTOMER_INDEX_SK.into(), s(record.id.clone()));
    item.extend(conversation_key(&record.id));
    Ok(item)
}

/// A message as its item.
pub fn message_item(record: &MessageRecord) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(tag::MESSAGE));
    item.insert("status_rank".into(), n(record.status.rank().into()));
    item.insert("gsi1pk".into(), s(conversation_pk(&record.conversation_id)));
    item.insert(
        "gsi1sk".into(),
        s(format!(
            "{:015}#{}",
            record.created_at.timestamp_millis(),
            record.id
        )),
    );
    item.extend(message_key(&record.id));
    Ok(item)
}

/// An idempotency key as its item, kept until `expires_at`.
pub fn idempotency_item(
    record: &IdempotencyRecord,
    expires_at: DateTime<Utc>,
) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(tag::IDEMPOTENCY));
    item.insert(EXPIRES_AT.into(), n(expires_at.timestamp()));
    item.extend(idempotency_key(&record.key));
    Ok(item)
}

/// An agent's presence as its item; in the available-agents index only while available.
pub fn presence_item(record: &PresenceRecord) -> Item {
    let mut item = presence_key(&record.agent_id);
    item.insert(TYPE.into(), s(tag::PRESENCE));
    item.insert("agent_id".into(), s(record.agent_id.clone()));
    item.insert("status".into(), s(record.status.as_str()));
    item.insert("updated_at".into(), n(record.updated_at.timestamp_millis()));
    if let (Presence::Available, Some(since)) = (record.status, record.available_since) {
        item.insert(
            "gsi1pk".into(),
            s(available_agents_partition(&record.agent_id)),
        );
        item.insert("gsi1sk".into(), s(record.agent_id.clone()));
        item.insert("available_since".into(), n(since.timestamp_millis()));
    }
    item
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
