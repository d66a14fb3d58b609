//! [`OutcomeStore`] on the table:
//!
//! - dispositions in one small partition, `DISPOSITIONS` (`DISP#{code}`);
//! - the outcome, tags, CSAT and close on the conversation item itself, so that
//!   `GET /conversations/{id}` reads them with the conversation;
//! - each tag also as an index entry in the conversation's partition (`TAG#{lowercase}`, gsi1
//!   `TAG#{lowercase}` / conversation id), written in the same transaction as the tags;
//! - each linked record in the conversation's partition (`RECORD#{system}#{id}`, gsi1
//!   `RECORD#{system}#{id}` / conversation id): `?record=` reads one index partition.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use super::conditions::conditional;
use super::items::{
    Item, Partition, PartitionQuery, SortKeys, TYPE, conversation_key, conversation_pk, from_item,
    key, n, s, session_mirror, tag, to_item, typed,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::outcomes::tag_key;
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{
    ConversationRecord, CsatRecord, Disposition, OutcomeRecord, OutcomeResult, OutcomeStore,
    RecordLink, StoreError, Stored,
};

const DISPOSITIONS: &str = "DISPOSITIONS";

pub fn disposition_key(code: &str) -> Item {
    key(DISPOSITIONS.into(), &format!("DISP#{code}"))
}

pub fn record_partition(system: &str, id: &str) -> String {
    format!("RECORD#{system}#{id}")
}

pub fn tag_partition(tag: &str) -> String {
    format!("TAG#{}", tag_key(tag))
}

fn record_key(conversation: &str, system: &str, id: &str) -> Item {
    key(conversation_pk(conversation), &record_partition(system, id))
}

pub(super) fn wrap_up_key(agent: &str, conversation: &str) -> Item {
    key(
        super::items::agent_pk(agent),
        &format!("WRAPUP#{conversation}"),
    )
}

fn tag_item_key(conversation: &str, tag: &str) -> Item {
    key(conversation_pk(conversation), &tag_partition(tag))
}

/// A record link as its item.
pub fn record_link_item(link: &RecordLink) -> Result<Item, StoreError> {
    let mut item = to_item(link)?;
    item.insert(TYPE.into(), s(tag::RECORD_LINK));
    item.extend(record_key(&link.conversation_id, &link.system, &link.id));
    item.insert("gsi1pk".into(), s(record_partition(&link.system, &link.id)));
    item.insert("gsi1sk".into(), s(link.conversation_id.clone()));
    Ok(item)
}

/// A wrap-up hold as its item, with a TTL a day after its end (the timer removes it on time).
pub fn wrap_up_item(hold: &crate::ports::WrapUpHold) -> Result<Item, StoreError> {
    let mut item = typed(
        hold,
        tag::WRAP_UP,
        wrap_up_key(&hold.agent_id, &hold.conversation_id),
    )?;
    item.insert(
        super::items::EXPIRES_AT.into(),
        n((hold.until + chrono::TimeDelta::days(1)).timestamp()),
    );
    Ok(item)
}

fn value<T: serde::Serialize>(v: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl DynamoChannelStore {
    /// The index entries that move a conversation's tags from `old` to `new`.
    fn tag_moves(
        &self,
        conversation: &str,
        old: &[String],
        new: &[String],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let keys = |tags: &[String]| -> Vec<String> { tags.iter().map(|t| tag_key(t)).collect() };
        let (old, new) = (keys(old), keys(new));
        let mut moves = Vec::new();
        for gone in old.iter().filter(|t| !new.contains(t)) {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(tag_item_key(conversation, gone)))
                .build()
                .map_err(unavailable)?;
            moves.push(TransactWriteItem::builder().delete(delete).build());
        }
        for added in new.iter().filter(|t| !old.contains(t)) {
            let mut item = tag_item_key(conversation, added);
            item.insert(TYPE.into(), s(tag::TAG));
            item.insert("gsi1pk".into(), s(tag_partition(added)));
            item.insert("gsi1sk".into(), s(conversation));
            item.insert("tag".into(), s(added.clone()));
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build()
                .map_err(unavailable)?;
            moves.push(TransactWriteItem::builder().put(put).build());
        }
        Ok(moves)
    }

    /// Conversation ids of one gsi1 partition, newest first.
    async fn ids_in(&self, partition: String, limit: usize) -> Result<Vec<String>, StoreError> {
        let items = self
            .query(PartitionQuery {
                newest_first: true,
                limit: Some(limit),
                ..PartitionQuery::of(Partition::index(partition))
            })
            .await?;
        Ok(items
            .into_iter()
            .filter_map(|item| item.get("gsi1sk").and_then(|v| v.as_s().ok()).cloned())
            .take(limit)
            .collect())
    }
}

#[async_trait]
impl OutcomeStore for DynamoChannelStore {
    async fn dispositions(&self) -> Result<Vec<Disposition>, StoreError> {
        let mut all: Vec<Disposition> = self
            .query(PartitionQuery::of(Partition::table(DISPOSITIONS)))
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        all.sort_by(|a, b| {
            (a.label.to_lowercase(), &a.code).cmp(&(b.label.to_lowercase(), &b.code))
        });
        Ok(all)
    }

    async fn put_disposition(&self, disposition: &Disposition) -> Result<bool, StoreError> {
        let mut item = to_item(disposition)?;
        item.insert(TYPE.into(), s(tag::DISPOSITION));
        item.extend(disposition_key(&disposition.code));
        self.replace(item).await
    }

    async fn delete_disposition(&self, code: &str) -> Result<bool, StoreError> {
        self.remove(disposition_key(code)).await
    }

    async fn record_outcome(
        &self,
        conversation: &ConversationRecord,
        outcome: &OutcomeRecord,
        tags: Option<&[String]>,
    ) -> Result<OutcomeResult, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .condition_expression("#state = :closed")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s(ConversationState::Closed.as_str()))
            .expression_attribute_values(":outcome", value(outcome)?);
        let mut items = Vec::new();
        update = match tags {
            Some(tags) => {
                items = self.tag_moves(&conversation.id, &conversation.tags, tags)?;
                update
                    .update_expression("SET outcome = :outcome, tags = :tags")
                    .expression_attribute_values(":tags", value(&tags.to_vec())?)
            }
            None => update.update_expression("SET outcome = :outcome"),
        };
        items.insert(
            0,
            TransactWriteItem::builder()
                .update(update.build().map_err(unavailable)?)
                .build(),
        );
        if !self.transact_conditional(items, "outcome").await? {
            return Ok(OutcomeResult::NotClosed);
        }
        Ok(OutcomeResult::Recorded)
    }

    async fn set_tags(
        &self,
        conversation: &ConversationRecord,
        tags: &[String],
    ) -> Result<(), StoreError> {
        // The tags as read: a concurrent change makes this one fail rather than leave an index
        // entry behind.
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .update_expression("SET tags = :tags")
            .expression_attribute_values(":tags", value(&tags.to_vec())?);
        let update = if conversation.tags.is_empty() {
            update
                .condition_expression("attribute_not_exists(tags) OR size(tags) = :zero")
                .expression_attribute_values(":zero", n(0))
        } else {
            update
                .condition_expression("tags = :read")
                .expression_attribute_values(":read", value(&conversation.tags)?)
        };
        let mut items = vec![
            TransactWriteItem::builder()
                .update(update.build().map_err(unavailable)?)
                .build(),
        ];
        items.extend(self.tag_moves(&conversation.id, &conversation.tags, tags)?);
        if self.transact_conditional(items, "tags").await? {
            Ok(())
        } else {
            Err(StoreError::Unavailable(
                "the tags changed meanwhile; read the conversation again".into(),
            ))
        }
    }

    async fn tagged(&self, tag: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        self.ids_in(tag_partition(tag), limit).await
    }

    async fn link_record(&self, link: &RecordLink) -> Result<Stored, StoreError> {
        self.insert(record_link_item(link)?).await
    }

    async fn unlink_record(
        &self,
        conversation: &ConversationId,
        system: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        self.remove(record_key(conversation.as_str(), system, id))
            .await
    }

    async fn records(&self, conversation: &ConversationId) -> Result<Vec<RecordLink>, StoreError> {
        self.query(PartitionQuery {
            sort_keys: SortKeys::Prefix("RECORD#".into()),
            ..PartitionQuery::of(Partition::table(conversation_pk(conversation.as_str())))
        })
        .await?
        .into_iter()
        .map(from_item)
        .collect()
    }

    async fn linked(
        &self,
        system: &str,
        id: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.ids_in(record_partition(system, id), limit).await
    }

    async fn mark_csat_sent(
        &self,
        conversation: &ConversationRecord,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .update_expression("SET csat_sent_at = :at")
            .condition_expression("attribute_not_exists(csat_sent_at) AND #state = :closed")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s(ConversationState::Closed.as_str()))
            .expression_attribute_values(":at", n(at.timestamp_millis()))
            .send()
            .await;
        if conditional(result)?.is_err() {
            return Ok(false);
        }
        // The session learns it while it is still this conversation's (else nothing to do).
        let mirror = session_mirror(&self.table, conversation, "SET csat_until = :until")?
            .expression_attribute_values(":until", n(until.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(mirror.key))
            .update_expression(mirror.update_expression)
            .set_condition_expression(mirror.condition_expression)
            .set_expression_attribute_values(mirror.expression_attribute_values)
            .send()
            .await;
        conditional(result)?.ok();
        Ok(true)
    }

    async fn hold_wrap_up(&self, hold: &crate::ports::WrapUpHold) -> Result<bool, StoreError> {
        // With a check on the conversation in one transaction: an outcome recorded after the
        // caller read it (its release found no hold yet) refuses the hold.
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&hold.conversation_id)))
            .condition_expression("#state = :closed AND attribute_not_exists(outcome)")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s(ConversationState::Closed.as_str()))
            .build()
            .map_err(unavailable)?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(wrap_up_item(hold)?))
            .build()
            .map_err(unavailable)?;
        self.transact_conditional(
            vec![
                TransactWriteItem::builder().condition_check(check).build(),
                TransactWriteItem::builder().put(put).build(),
            ],
            "wrap-up hold",
        )
        .await
    }

    async fn release_wrap_up(&self, agent: &str, conversation: &str) -> Result<bool, StoreError> {
        self.remove(wrap_up_key(agent, conversation)).await
    }

    async fn record_csat(
        &self,
        conversation: &ConversationId,
        csat: &CsatRecord,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(conversation_key(conversation.as_str())))
            .update_expression("SET csat = :csat")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(csat)")
            .expression_attribute_values(":csat", value(csat)?)
            .send()
            .await;
        Ok(conditional(result)?.is_ok())
    }
}
