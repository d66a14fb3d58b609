//! The message item (`MSG#{sid}`, in its conversation's `gsi1` partition by time) and the
//! idempotency key of an agent's send (`IDEMP#{agent}#{key}`, kept 24 h).

use chrono::{DateTime, Utc};

use super::{EXPIRES_AT, Item, TYPE, conversation_pk, key, n, s, tag, to_item};
use crate::ports::{IdempotencyRecord, MessageRecord, StoreError};

pub fn message_key(sid: &str) -> Item {
    key(format!("MSG#{sid}"), "MSG")
}

pub fn idempotency_key(key: &str) -> Item {
    self::key(format!("IDEMP#{key}"), "IDEMP")
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
