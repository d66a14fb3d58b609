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

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::builders::{PutBuilder, UpdateBuilder};
use aws_sdk_dynamodb::types::{AttributeValue, Put, Update};
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

/// A conversation's index keys: its shard of the queue (`gsi1`) and its customer's history
/// (`gsi2`). The one source for a put and for the upgrade of older items (`migrate`).
pub fn conversation_index_keys(id: &str, customer: &str) -> [(&'static str, String); 4] {
    [
        ("gsi1pk", conversations_partition(id)),
        ("gsi1sk", id.to_owned()),
        (CUSTOMER_INDEX_PK, customer_partition(customer)),
        (CUSTOMER_INDEX_SK, id.to_owned()),
    ]
}

/// A conversation as its item.
pub fn conversation_item(record: &ConversationRecord) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(tag::CONVERSATION));
    for (name, value) in conversation_index_keys(&record.id, &record.customer) {
        item.insert(name.into(), s(value));
    }
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

/// The condition of every write of a new item: no item has its key yet.
pub const IS_NEW: &str = "attribute_not_exists(pk)";

/// A new item's `Put` in a transaction, refused when an item with its key exists.
pub fn put_new(table: &str, item: Item) -> PutBuilder {
    Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(IS_NEW)
}

/// The session item's copy of what its conversation's update `set` (the caller adds the
/// values), written only while the session is still this conversation's.
pub fn session_mirror(
    table: &str,
    conversation: &ConversationRecord,
    set: &str,
) -> Result<UpdateBuilder, StoreError> {
    let session = SessionKey::of(conversation)
        .ok_or_else(|| StoreError::Corrupt("conversation addresses".into()))?;
    Ok(Update::builder()
        .table_name(table)
        .set_key(Some(session_key(&session)))
        .update_expression(set)
        .condition_expression("conversation_id = :id")
        .expression_attribute_values(":id", s(conversation.id.clone())))
}

/// One partition that a `Query` reads: of the table, or of one of its indexes.
#[derive(Debug, Clone)]
pub struct Partition {
    index: Option<&'static str>,
    key: &'static str,
    sort_key: &'static str,
    value: String,
}

impl Partition {
    /// A partition of the table itself (`pk`, sorted by `sk`).
    pub fn table(value: impl Into<String>) -> Self {
        Self {
            index: None,
            key: "pk",
            sort_key: "sk",
            value: value.into(),
        }
    }

    /// A partition of the main index, [`INDEX`] (`gsi1pk`, sorted by `gsi1sk`).
    pub fn index(value: impl Into<String>) -> Self {
        Self {
            index: Some(INDEX),
            key: "gsi1pk",
            sort_key: "gsi1sk",
            value: value.into(),
        }
    }

    /// A customer's conversations, oldest first, in [`CUSTOMER_INDEX`].
    pub fn customer(customer: &str) -> Self {
        Self {
            index: Some(CUSTOMER_INDEX),
            key: CUSTOMER_INDEX_PK,
            sort_key: CUSTOMER_INDEX_SK,
            value: customer_partition(customer),
        }
    }
}

/// Which sort keys of a partition a query reads.
#[derive(Debug, Clone, Default)]
pub enum SortKeys {
    #[default]
    All,
    Below(String),
    Above(String),
    /// Those that begin with this prefix.
    Prefix(String),
    /// From the first to the second, both included.
    Between(String, String),
}

/// The one shape of every `Query` of a partition: its key condition, direction, limit and
/// filter. The store reads it page by page, `limit` items at most.
#[derive(Debug, Clone)]
pub struct PartitionQuery {
    pub partition: Partition,
    pub sort_keys: SortKeys,
    /// In descending sort-key order.
    pub newest_first: bool,
    pub limit: Option<usize>,
    /// Only the items whose attribute equals this value. The filter runs after DynamoDB reads
    /// a page, so pages are read until `limit` items match.
    pub only: Option<(&'static str, AttributeValue)>,
    /// A strongly consistent read (the table only; an index cannot give one).
    pub consistent: bool,
}

impl PartitionQuery {
    /// Every item of the partition, in sort-key order.
    pub fn of(partition: Partition) -> Self {
        Self {
            partition,
            sort_keys: SortKeys::All,
            newest_first: false,
            limit: None,
            only: None,
            consistent: false,
        }
    }

    /// The request for one page, on `query` (the table's query, from the store's client).
    pub fn request(&self, query: QueryFluentBuilder) -> QueryFluentBuilder {
        let Partition {
            index,
            key,
            sort_key,
            value,
        } = &self.partition;
        let query = query
            .set_index_name(index.map(str::to_owned))
            .set_consistent_read((self.consistent && index.is_none()).then_some(true))
            .expression_attribute_values(":pk", s(value.clone()))
            .scan_index_forward(!self.newest_first);
        let query = match &self.sort_keys {
            SortKeys::All => query.key_condition_expression(format!("{key} = :pk")),
            SortKeys::Below(before) => query
                .key_condition_expression(format!("{key} = :pk AND {sort_key} < :before"))
                .expression_attribute_values(":before", s(before.clone())),
            SortKeys::Above(after) => query
                .key_condition_expression(format!("{key} = :pk AND {sort_key} > :after"))
                .expression_attribute_values(":after", s(after.clone())),
            SortKeys::Between(from, to) => query
                .key_condition_expression(format!(
                    "{key} = :pk AND {sort_key} BETWEEN :from AND :to"
                ))
                .expression_attribute_values(":from", s(from.clone()))
                .expression_attribute_values(":to", s(to.clone())),
            SortKeys::Prefix(prefix) => query
                .key_condition_expression(format!(
                    "{key} = :pk AND begins_with({sort_key}, :prefix)"
                ))
                .expression_attribute_values(":prefix", s(prefix.clone())),
        };
        match &self.only {
            // DynamoDB's Limit counts items read, not items kept: no Limit with a filter.
            Some((attribute, value)) => query
                .filter_expression("#only = :only")
                .expression_attribute_names("#only", *attribute)
                .expression_attribute_values(":only", value.clone()),
            None => query.set_limit(self.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX))),
        }
    }
}

/// `record` as the item of `kind` (its `type`) under the key `at`.
pub fn typed<T: serde::Serialize>(record: &T, kind: &str, at: Item) -> Result<Item, StoreError> {
    let mut item = to_item(record)?;
    item.insert(TYPE.into(), s(kind));
    item.extend(at);
    Ok(item)
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
