//! The session item (`SESSION#{business}#{customer}`): its key, its codec with the TTL, and the
//! mirror of its conversation's fields that a conversation's update writes beside it.

use aws_sdk_dynamodb::types::Update;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;

use super::{EXPIRES_AT, Item, TYPE, key, n, s, tag, to_item};
use crate::domain::ttl_epoch_seconds;
use crate::ports::{ConversationRecord, SessionKey, SessionRecord, StoreError};

pub fn session_key(key: &SessionKey) -> Item {
    self::key(
        format!("SESSION#{}#{}", key.business, key.customer),
        "SESSION",
    )
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
