//! [`DeferredStore`] on the table: the markers of a customer's conversations that hold deferred
//! replies (`DEFER#{business}#{customer}`, one sort key per conversation) and the deferred
//! messages' conditional moves.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::conditions::conditional;
use super::items::{TYPE, from_item, key, message_item, message_key, n, s, tag, to_item};
use super::{DynamoChannelStore, unavailable};
use crate::domain::MessageStatus;
use crate::ports::{DeferredMarker, DeferredStore, MessageRecord, SessionKey, StoreError};

pub fn marker_partition(key_: &SessionKey) -> String {
    format!("DEFER#{}#{}", key_.business, key_.customer)
}

/// Before 2026-12 a customer had one marker, sort key `DEFER`, overwritten by each deferral; it
/// is still read, and removed with the first release that reads it.
const LEGACY_MARKER: &str = "DEFER";

fn marker_key(key_: &SessionKey, conversation_id: &str) -> super::items::Item {
    key(
        marker_partition(key_),
        &format!("{LEGACY_MARKER}#{conversation_id}"),
    )
}

#[async_trait]
impl DeferredStore for DynamoChannelStore {
    async fn mark_deferred(&self, marker: &DeferredMarker) -> Result<(), StoreError> {
        let session = SessionKey::parse(&marker.business, &marker.customer)
            .ok_or_else(|| StoreError::Corrupt("deferred marker addresses".into()))?;
        let mut item = to_item(marker)?;
        item.extend(marker_key(&session, &marker.conversation_id));
        item.insert(TYPE.into(), s(tag::DEFERRED_MARKER));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn deferred_markers(&self, key_: &SessionKey) -> Result<Vec<DeferredMarker>, StoreError> {
        // A customer holds a few at most: one page.
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :defer)")
            .expression_attribute_values(":pk", s(marker_partition(key_)))
            .expression_attribute_values(":defer", s(LEGACY_MARKER))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn clear_deferred(
        &self,
        key_: &SessionKey,
        conversation_id: &str,
    ) -> Result<(), StoreError> {
        let delete = |key| {
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .build()
                .map(|delete| TransactWriteItem::builder().delete(delete).build())
                .map_err(unavailable)
        };
        // The legacy marker goes too: its replies were released with this conversation's.
        self.transact(vec![
            delete(marker_key(key_, conversation_id))?,
            delete(key(marker_partition(key_), LEGACY_MARKER))?,
        ])
        .await
    }

    async fn leave_deferred(
        &self,
        message_id: &str,
        to: MessageStatus,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(message_key(message_id)))
            .update_expression("SET #status = :to, status_rank = :rank")
            .condition_expression("#status = :deferred")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":rank", n(to.rank().into()))
            .expression_attribute_values(":deferred", s(MessageStatus::Deferred.as_str()))
            .send()
            .await;
        Ok(conditional(result)?.is_ok())
    }

    async fn replace_message(&self, old_id: &str, sent: &MessageRecord) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(sent)?))
            .build()
            .map_err(unavailable)?;
        if old_id == sent.id {
            // A transaction may not touch one item twice: the record changes in place.
            return self
                .transact(vec![TransactWriteItem::builder().put(put).build()])
                .await;
        }
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(message_key(old_id)))
            .build()
            .map_err(unavailable)?;
        self.transact(vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().put(put).build(),
        ])
        .await
    }
}
