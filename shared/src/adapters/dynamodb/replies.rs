//! [`ReplyStore`] on the table: a reply's idempotency key and its message, written together.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use chrono::{DateTime, Utc};

use super::conditions::transaction;
use super::items::{
    EXPIRES_AT, from_item, idempotency_item, idempotency_key, message_item, message_key, n, s,
    to_item,
};
use super::{DynamoChannelStore, unavailable};
use crate::ports::{
    ClaimOutcome, IdempotencyRecord, MessageRecord, ReplyStore, StoreError, StoredResponse,
};

impl DynamoChannelStore {
    fn save_response(
        &self,
        key_: &str,
        message_id: &str,
        response: &StoredResponse,
    ) -> Result<Update, StoreError> {
        let response = AttributeValue::M(to_item(response)?);
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(idempotency_key(key_)))
            .update_expression("SET #response = :response, message_id = :message")
            .expression_attribute_names("#response", "response")
            .expression_attribute_values(":response", response)
            .expression_attribute_values(":message", s(message_id))
            .build()
            .map_err(unavailable)
    }
}

#[async_trait]
impl ReplyStore for DynamoChannelStore {
    async fn claim_reply(
        &self,
        claim: &IdempotencyRecord,
        pending: &MessageRecord,
        expires_at: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        let put_claim = Put::builder()
            .table_name(&self.table)
            .set_item(Some(idempotency_item(claim, expires_at)?))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(unavailable)?;
        let put_pending = Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(pending)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_claim).build())
            .transact_items(TransactWriteItem::builder().put(put_pending).build())
            .send()
            .await;
        match transaction(result)? {
            Ok(_) => Ok(ClaimOutcome::Claimed),
            Err(reasons) => match reasons.first().and_then(|r| r.item()) {
                Some(item) => Ok(ClaimOutcome::Existing(from_item(item.clone())?)),
                None => Err(StoreError::Unavailable(
                    "the reply claim was cancelled".into(),
                )),
            },
        }
    }

    async fn idempotency(&self, key_: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(idempotency_key(key_)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
    }

    async fn complete_reply(
        &self,
        key_: &str,
        pending_id: &str,
        sent: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let delete_pending = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(message_key(pending_id)))
            .build()
            .map_err(unavailable)?;
        // Merge into whatever an early status callback left under the sid: its status wins
        // (any callback ranks at least `queued`), its TTL goes.
        let mut item = message_item(sent)?;
        item.remove("pk");
        item.remove("sk");
        let status = item.remove("status");
        let rank = item.remove("status_rank");
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = Vec::new();
        for (i, (name, value)) in item.into_iter().enumerate() {
            names.insert(format!("#a{i}"), name);
            values.insert(format!(":v{i}"), value);
            sets.push(format!("#a{i} = :v{i}"));
        }
        names.insert("#status".into(), "status".into());
        sets.push("#status = if_not_exists(#status, :status)".into());
        sets.push("status_rank = if_not_exists(status_rank, :rank)".into());
        values.insert(":status".into(), status.unwrap_or_else(|| s("queued")));
        values.insert(":rank".into(), rank.unwrap_or_else(|| n(1)));
        let upsert_sent = Update::builder()
            .table_name(&self.table)
            .set_key(Some(message_key(&sent.id)))
            .update_expression(format!("SET {} REMOVE {EXPIRES_AT}", sets.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(unavailable)?;
        self.transact(vec![
            TransactWriteItem::builder().delete(delete_pending).build(),
            TransactWriteItem::builder().update(upsert_sent).build(),
            TransactWriteItem::builder()
                .update(self.save_response(key_, &sent.id, response)?)
                .build(),
        ])
        .await
    }

    async fn fail_reply(
        &self,
        key_: &str,
        pending: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(message_item(pending)?))
            .build()
            .map_err(unavailable)?;
        self.transact(vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder()
                .update(self.save_response(key_, &pending.id, response)?)
                .build(),
        ])
        .await
    }
}
