//! [`ErasureStore`] on the table: deletes by key, a page at a time. Messages and the items a
//! caller must count exactly are deleted one `DeleteItem` each (returning the old item, so a
//! repeated step counts nothing twice); postings and window warnings, which are keys computed
//! from the messages, go 25 to a `BatchWriteItem`. The erasure's record is `ERASURE#{id}` /
//! `ERASURE`: a tombstone that names the customer only by pseudonym.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;

use super::conditions::conditional;
use super::deadlines::minute_pk;
use super::deferred::marker_partition;
use super::items::{
    ERASING, EXPIRES_AT, Item, Partition, PartitionQuery, SortKeys, conversation_key,
    conversation_pk, conversations_partitions, from_item, idempotency_key, key, message_key, n,
    session_key, tag, typed,
};
use super::outcomes::wrap_up_key;
use super::routing::{offer_key, waiting_key};
use super::search::term_pk;
use super::{DynamoChannelStore, unavailable};
use crate::domain::minute_of;
use crate::ports::erasure::{ErasedCounts, ErasureRecord, ErasureStore};
use crate::ports::routing::WaitingRecord;
use crate::ports::{
    ConversationRecord, Deadline, MessageRecord, SessionKey, StoreError, TermEntry,
};

/// An erasure's partition.
pub fn erasure_pk(id: &str) -> String {
    format!("ERASURE#{id}")
}

fn erasure_key(id: &str) -> Item {
    key(erasure_pk(id), "ERASURE")
}

/// The first id a conversation created at `at` or later can have: UUIDv7 begins with its
/// creation's milliseconds, so every id created earlier sorts below it.
fn first_id_at(at: DateTime<Utc>) -> String {
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or_default();
    format!(
        "{:08x}-{:04x}-0000-0000-000000000000",
        ms >> 16,
        ms & 0xffff
    )
}

impl DynamoChannelStore {
    /// Deletes the item with `key`, counting it when it was there.
    async fn delete_counted(&self, key: Item) -> Result<u64, StoreError> {
        Ok(u64::from(self.remove(key).await?))
    }

    /// Deletes these keys, 25 to a request, retrying what DynamoDB leaves unprocessed.
    async fn delete_keys(&self, keys: Vec<Item>) -> Result<u64, StoreError> {
        let deleted = keys.len() as u64;
        let requests: Vec<WriteRequest> = keys
            .into_iter()
            .map(|key| {
                DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map(|d| WriteRequest::builder().delete_request(d).build())
                    .map_err(unavailable)
            })
            .collect::<Result<_, _>>()?;
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            for _ in 0..8 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
            }
            if !pending.is_empty() {
                return Err(StoreError::Unavailable(
                    "DynamoDB left deletes unprocessed".into(),
                ));
            }
        }
        Ok(deleted)
    }

    /// Every item of a table partition, keys only.
    async fn partition_keys(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        Ok(self
            .query(PartitionQuery::of(Partition::table(pk)))
            .await?
            .into_iter()
            .map(|item| {
                item.into_iter()
                    .filter(|(name, _)| name == "pk" || name == "sk")
                    .collect()
            })
            .collect())
    }
}

fn sort_key(item: &Item) -> Option<&str> {
    match item.get("sk") {
        Some(AttributeValue::S(sk)) => Some(sk),
        _ => None,
    }
}

#[async_trait]
impl ErasureStore for DynamoChannelStore {
    async fn mark_erasing(&self, conversation_id: &str) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(conversation_key(conversation_id)))
            .update_expression(format!("SET {ERASING} = :yes"))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await;
        Ok(conditional(result)?.is_ok())
    }

    async fn messages_to_erase(
        &self,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.query_index(conversation_pk(conversation_id), false, Some(limit))
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn erase_messages(
        &self,
        messages: &[MessageRecord],
        postings: &[TermEntry],
        deadlines: &[Deadline],
        idempotency: &[String],
    ) -> Result<ErasedCounts, StoreError> {
        // What was derived from the messages first: while a message stands, a retry finds it
        // and computes these keys again.
        let posting_keys = postings
            .iter()
            .map(|p| key(term_pk(&p.term, &p.message_id), &p.position()))
            .collect();
        let deadline_keys = deadlines
            .iter()
            .map(|d| key(minute_pk(minute_of(d.due_at)), &d.notification_key()))
            .collect();
        let postings = self.delete_keys(posting_keys).await?;
        let deadlines = self.delete_keys(deadline_keys).await?;
        let mut idempotent = 0;
        for chunk in idempotency.chunks(25) {
            let deleted = try_join_all(
                chunk
                    .iter()
                    .map(|k| self.delete_counted(idempotency_key(k))),
            )
            .await?;
            idempotent += deleted.iter().sum::<u64>();
        }
        let mut erased = 0;
        for chunk in messages.chunks(25) {
            let deleted = try_join_all(
                chunk
                    .iter()
                    .map(|m| self.delete_counted(message_key(&m.id))),
            )
            .await?;
            erased += deleted.iter().sum::<u64>();
        }
        Ok(ErasedCounts {
            messages: erased,
            postings,
            deadlines,
            idempotency: idempotent,
            ..ErasedCounts::default()
        })
    }

    async fn erase_session(
        &self,
        conversation: &ConversationRecord,
    ) -> Result<ErasedCounts, StoreError> {
        let mut counts = ErasedCounts::default();
        if let Some(key_) = SessionKey::of(conversation) {
            counts.sessions += self.delete_counted(session_key(&key_)).await?;
            let markers = self.partition_keys(marker_partition(&key_)).await?;
            counts.sessions += self.delete_keys(markers).await?;
        }
        Ok(counts)
    }

    async fn erase_conversation(
        &self,
        conversation: &ConversationRecord,
    ) -> Result<ErasedCounts, StoreError> {
        let id = conversation.id.as_str();
        let mut counts = ErasedCounts::default();
        // Notes, events, records, tags, typing, ticked steps: the conversation's partition,
        // all but the conversation item, which goes last (it is how a retry finds the rest).
        let rest: Vec<Item> = self
            .partition_keys(conversation_pk(id))
            .await?
            .into_iter()
            .filter(|k| sort_key(k) != Some("CONV"))
            .collect();
        counts.conversation_items += self.delete_keys(rest).await?;
        let mut agent_items = vec![waiting_key(&WaitingRecord::of(conversation))];
        for agent in [&conversation.assigned_agent, &conversation.offered_to]
            .into_iter()
            .flatten()
        {
            agent_items.push(super::items::assignment_key(agent, id));
            agent_items.push(offer_key(agent, id));
            agent_items.push(wrap_up_key(agent, id));
        }
        let deleted = try_join_all(agent_items.into_iter().map(|k| self.delete_counted(k))).await?;
        counts.conversation_items += deleted.iter().sum::<u64>();
        counts.conversations += self.delete_counted(conversation_key(id)).await?;
        Ok(counts)
    }

    async fn erase_contact(&self, address: &str) -> Result<ErasedCounts, StoreError> {
        Ok(ErasedCounts {
            contact: self
                .delete_counted(super::items::contact_key(address))
                .await?,
            ..ErasedCounts::default()
        })
    }

    async fn put_erasure(&self, record: &ErasureRecord) -> Result<(), StoreError> {
        let mut item = typed(record, tag::ERASURE, erasure_key(&record.id))?;
        item.insert(EXPIRES_AT.into(), n(record.expires_at.timestamp()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn erasure(&self, id: &str) -> Result<Option<ErasureRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(erasure_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
    }

    async fn conversations_created_before(
        &self,
        before: DateTime<Utc>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let below = first_id_at(before);
        let shards = conversations_partitions().map(|partition| {
            let sort_keys = match after {
                Some(after) => SortKeys::Between(after.to_owned(), below.clone()),
                None => SortKeys::Below(below.clone()),
            };
            self.query(PartitionQuery {
                sort_keys,
                limit: Some(limit),
                ..PartitionQuery::of(Partition::index(partition))
            })
        });
        let mut page: Vec<ConversationRecord> = try_join_all(shards)
            .await?
            .into_iter()
            .flatten()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        page.retain(|c| after.is_none_or(|a| c.id.as_str() > a) && c.id < below);
        page.sort_by(|a, b| a.id.cmp(&b.id));
        page.truncate(limit);
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_id_of_a_moment_sorts_above_every_id_made_before_it_and_below_those_after() {
        let earlier = uuid::Uuid::now_v7().to_string();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let bound = first_id_at(Utc::now());
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = uuid::Uuid::now_v7().to_string();
        assert!(earlier < bound, "{earlier} {bound}");
        assert!(bound < later, "{bound} {later}");
    }
}
