//! The table's items: keys, type tags and codecs. One table, string keys `pk`/`sk`, one index
//! `gsi1` (projection ALL), TTL on `expires_at`; docs/data-model.md's "Table design" shows the same:
//!
//! | item (`type`) | `pk` | `sk` | `gsi1pk` | `gsi1sk` |
//! | --- | --- | --- | --- | --- |
//! | session (`session`, TTL `expires_at`) | `SESSION#{business}#{customer}` | `SESSION` | | |
//! | conversation (`conversation`) | `CONV#{id}` | `CONV` | `CONVERSATIONS#{shard of id, 0..8}` | `{id}` (UUIDv7: by creation) |
//! | message (`message`) | `MSG#{MessageSid}` | `MSG` | `CONV#{conversation id}` | `{created_at ms, 15 digits}#{sid}` |
//! | pending reply (`message`) | `MSG#pending-{uuid}` | `MSG` | `CONV#{conversation id}` | as a message |
//! | early status (`early_status`, TTL 7 days) | `MSG#{sid}` | `MSG` | | |
//! | idempotency key (`idempotency`, TTL 24 h) | `IDEMP#{agent}#{Idempotency-Key}` | `IDEMP` | | |
//! | agent presence (`presence`) | `AGENT#{agentId}` | `PRESENCE` | `AGENTS#available#{shard of agent, 0..4}` while available, else `AGENTS#roster#{shard}` | agent id |
//! | routing profile (`agent_profile`) | `AGENT#{agentId}` | `PROFILE` | | |
//! | active assignment (`assignment`) | `AGENT#{agentId}` | `ASSIGNED#{conversation id}` | | |
//! | outstanding offer (`offer`) | `AGENT#{agentId}` | `OFFER#{conversation id}` | | |
//! | routing state (`routing_state`) | `AGENT#{agentId}` | `ROUTING` | | |
//! | day's counts (`day_counts`, TTL 2 days) | `AGENT#{agentId}` | `STATS#{yyyy-mm-dd}` | | |
//! | waiting request (`waiting`) | `WAITING` | `{requested ms, 15 digits}#{conversation id}` | | |
//! | contact (`contact`) | `CONTACT#{whatsapp:+E164}` | `CONTACT` | | |
//! | live connection (`connection`, TTL 3 h) | `AGENT#{agentId}` | `CONN#{connectionId}` | an administrator's: `CONNECTIONS#supervisors` | `{agent}#{connectionId}` |
//! | notification marker (`notification`, TTL 2 days) | `NOTIFY#{event id}[#{conversation}]` | `NOTIFY` | | |
//! | window warning (`deadline`, TTL 2 days after due) | `DUE#{epoch minute due}` | `WARN#{conversation}#{last inbound ms}#{2h\|15m}` | | |
//! | scheduler cursor (`deadline_cursor`) | `DUE#CURSOR` | `DUE` | | |
//! | deferred replies' marker (`deferred_marker`) | `DEFER#{business}#{customer}` | `DEFER#{conversation id}` (before 2026-12: `DEFER`, one per customer) | | |
//! | note (`note`) | `CONV#{conversation id}` | `NOTE#{note id}` | | |
//! | disposition (`disposition`) | `DISPOSITIONS` | `DISP#{code}` | | |
//! | linked record (`record_link`) | `CONV#{conversation id}` | `RECORD#{system}#{id}` | `RECORD#{system}#{id}` | `{conversation id}` |
//! | tag (`tag`) | `CONV#{conversation id}` | `TAG#{lowercase tag}` | `TAG#{lowercase tag}` | `{conversation id}` |
//! | wrap-up hold (`wrap_up`, TTL a day after `until`) | `AGENT#{agentId}` | `WRAPUP#{conversation id}` | | |
//! | typing and read (`typing`) | `CONV#{conversation id}` | `TYPING` | | |
//! | transcript event (`event`) | `CONV#{conversation id}` | `EVENT#{created ms, 15 digits}#{id}` | | |
//! | quick reply (`quick_reply`) | `QUICKREPLY` | `QR#{id}` | | |
//! | search posting (`term`) | `TERM#{folded word}#{shard 0..3}` | `{created ms, 15 digits}#{message id}` | | |
//! | knowledge article (`article`) | `KNOWLEDGE` | `ARTICLE#{id}` | | |
//! | article search entry (`article_entry`) | `KNOWLEDGE` | `ENTRY#{id}` | | |
//! | knowledge version (no `type`; `version` counter) | `KNOWLEDGE` | `VERSION` | | |
//! | agent script (`script`) | `SCRIPTS` | `SCRIPT#{id}` | | |
//! | ticked script step (`script_step`) | `CONV#{conversation id}` | `SCRIPTSTEP#{script id}#{index, 3 digits}` | | |
//! | audit entry (`audit`, TTL `expires_at`) | `AUDIT#{yyyy-mm-dd}` (the UTC day of `at`) | `{at ms, 15 digits}#{id}` | | |
//! | sign-in marker (`audit_sign_in`, TTL `expires_at`) | `AUDIT#SIGNIN#{agent}#{auth_time}` | `SIGNIN` | | |
//! | legal hold (`legal_hold`) | `CONTACT#{whatsapp:+E164}` | `HOLD` | | |
//!
//! A second index, `gsi2` (projection ALL), lists a customer's conversations: the conversation
//! item carries `gsi2pk = CUST#{customer}`, `gsi2sk = {id}`. A search posting carries
//! `gsi2pk = CUST#{customer}#TERM#{folded word}`, `gsi2sk` its own `sk`: a customer's search
//! reads that customer's postings alone.
//!
//! A message is keyed by its sid alone, so retries collide whatever conversation they land in and
//! status callbacks (which know only the sid) update it directly.
//!
//! Here: the attributes, indexes and type tags every item shares, the codecs, and the keys of the
//! items with no codec of their own. Beside it, one file per aggregate's keys and items
//! (`sessions`, `conversations`, `messages`, `agents`) and `query`, the shape of every `Query`;
//! all re-exported here, so every path stays `items::…`.

mod agents;
mod conversations;
mod messages;
mod query;
mod sessions;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::builders::PutBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Put};

use crate::ports::StoreError;

pub use agents::{
    AGENT_SHARDS, agent_pk, assignment_item, assignment_key, available_agent_index_keys,
    available_agents_partition, available_agents_partitions, connection_key, presence_item,
    presence_key, profile_item, profile_key, roster_index_keys, roster_partition,
    roster_partitions,
};
pub use conversations::{
    CONVERSATION_SHARDS, conversation_index_keys, conversation_item, conversation_key,
    conversation_pk, conversations_partition, conversations_partitions,
};
pub use messages::{idempotency_item, idempotency_key, message_item, message_key};
pub use query::{Partition, PartitionQuery, SortKeys};
pub use sessions::{session_item, session_key, session_mirror};

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
/// The attribute that marks a conversation being erased; the stream's postings are
/// conditional on its absence.
pub const ERASING: &str = "erasing";
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
    pub const OFFER: &str = "offer";
    pub const ROUTING_STATE: &str = "routing_state";
    pub const DAY_COUNTS: &str = "day_counts";
    pub const WAITING: &str = "waiting";
    pub const TYPING: &str = "typing";
    pub const DISPOSITION: &str = "disposition";
    pub const RECORD_LINK: &str = "record_link";
    pub const TAG: &str = "tag";
    pub const WRAP_UP: &str = "wrap_up";
    pub const AUDIT: &str = "audit";
    pub const AUDIT_SIGN_IN: &str = "audit_sign_in";
    pub const LEGAL_HOLD: &str = "legal_hold";
    pub const ERASURE: &str = "erasure";
}

/// A stable shard of a key: FNV-1a, the same in every process and release.
pub fn shard_of(key: &str, shards: u32) -> u32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash % shards
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

/// The condition of every write of a new item: no item has its key yet.
pub const IS_NEW: &str = "attribute_not_exists(pk)";

/// A new item's `Put` in a transaction, refused when an item with its key exists.
pub fn put_new(table: &str, item: Item) -> PutBuilder {
    Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(IS_NEW)
}

/// `record` as the item of `kind` (its `type`) under the key `at`.
pub fn typed<T: serde::Serialize>(record: &T, kind: &str, at: Item) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(kind));
    item.extend(at);
    Ok(item)
}
