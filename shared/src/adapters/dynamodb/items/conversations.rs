//! The conversation item (`CONV#{id}`): its key, its write-sharded queue partitions (`gsi1`), its
//! customer's history (`gsi2`), and its codec.

use super::{
    CUSTOMER_INDEX_PK, CUSTOMER_INDEX_SK, Item, TYPE, customer_partition, key, s, shard_of, tag,
    to_item,
};
use crate::ports::{ConversationRecord, StoreError};

/// The index partition of all conversations.
/// The conversations' index partitions: `CONVERSATIONS#{shard}`. Write-sharded, so that no
/// index partition holds every conversation (DynamoDB writes one partition about 1,000 times a
/// second; a hot index partition throttles the table's writes too). Read in parallel and merged.
pub const CONVERSATION_SHARDS: u32 = 8;

/// The index partition of a conversation.
pub fn conversations_partition(id: &str) -> String {
    format!("CONVERSATIONS#{}", shard_of(id, CONVERSATION_SHARDS))
}

/// Every conversations' index partition.
pub fn conversations_partitions() -> impl Iterator<Item = String> {
    (0..CONVERSATION_SHARDS).map(|shard| format!("CONVERSATIONS#{shard}"))
}

pub fn conversation_pk(id: &str) -> String {
    format!("CONV#{id}")
}

pub fn conversation_key(id: &str) -> Item {
    key(conversation_pk(id), "CONV")
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
