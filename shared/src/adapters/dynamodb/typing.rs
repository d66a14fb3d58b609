//! [`TypingStore`] on the table: one `TYPING` item in the conversation's partition
//! (`CONV#{id}`), holding when Twilio's typing indicator was last called (`typing_at`, epoch
//! ms) and which customer message it marked read (`read_sid`, `read_at`, read with the desk's
//! items). The stream ignores its type, so it raises no notification.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::conditions::conditional;
use super::items::{TYPE, conversation_pk, key, n, s, tag};
use super::{DynamoChannelStore, unavailable};
use crate::domain::ConversationId;
use crate::ports::{ReadMarker, StoreError, TypingStore};

fn typing_key(conversation: &ConversationId) -> super::items::Item {
    key(conversation_pk(conversation.as_str()), "TYPING")
}

#[async_trait]
impl TypingStore for DynamoChannelStore {
    async fn claim_typing(
        &self,
        conversation: &ConversationId,
        at: DateTime<Utc>,
        gap: chrono::TimeDelta,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(typing_key(conversation)))
            .update_expression("SET #type = :typing, typing_at = :now")
            .condition_expression("attribute_not_exists(typing_at) OR typing_at <= :cutoff")
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":typing", s(tag::TYPING))
            .expression_attribute_values(":now", n(at.timestamp_millis()))
            .expression_attribute_values(":cutoff", n((at - gap).timestamp_millis()))
            .send()
            .await;
        Ok(conditional(result)?.is_ok())
    }

    async fn mark_read(
        &self,
        conversation: &ConversationId,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(typing_key(conversation)))
            .update_expression("SET #type = :typing, read_sid = :sid, read_at = :at")
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":typing", s(tag::TYPING))
            .expression_attribute_values(":sid", s(message_id))
            .expression_attribute_values(":at", n(at.timestamp_millis()))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

/// The read marker a `TYPING` item holds, if a message was marked read.
pub(super) fn read_marker_of(item: &super::items::Item) -> Option<ReadMarker> {
    let message_id = item.get("read_sid")?.as_s().ok()?.clone();
    let at = item
        .get("read_at")?
        .as_n()
        .ok()?
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)?;
    Some(ReadMarker { message_id, at })
}
