//! [`DeskStore`] on the table. Notes and transcript events live in their conversation's own
//! partition (`CONV#{id}`, sort keys `NOTE#…` and `EVENT#…`, one `Query` reads both); quick
//! replies in one small partition; search postings under `TERM#{word}#{shard}`; a customer's
//! conversations through `gsi2` (`CUST#{customer}`).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, PutRequest, ReturnValue, Select, TransactWriteItem, Update, WriteRequest,
};
use futures_util::future::try_join_all;

use super::conditions::{conditional, failed_condition, transaction};
use super::items::{
    CUSTOMER_INDEX, CUSTOMER_INDEX_PK, INDEX, Item, TYPE, conversation_key, conversation_pk,
    customer_partition, from_item, key, n, s, session_key, to_item,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::search::{TERM_SHARDS, shard_of};
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{
    ConversationRecord, DeskStore, EventRecord, MessageRecord, NoteRecord, QuickReply, SessionKey,
    StoreError, Stored, TermEntry, TermQuery, TransferResult,
};

const NOTE: &str = "note";
const EVENT: &str = "event";
const QUICK_REPLY: &str = "quick_reply";
const TERM: &str = "term";
/// The partition of all quick replies: a few dozen small items an administrator writes.
const QUICK_REPLIES: &str = "QUICKREPLY";

fn note_item(note: &NoteRecord) -> Result<Item, StoreError> {
    let mut item = to_item(note)?;
    item.insert(TYPE.into(), s(NOTE));
    item.extend(key(
        conversation_pk(&note.conversation_id),
        &format!("NOTE#{}", note.id),
    ));
    Ok(item)
}

fn event_item(event: &EventRecord) -> Result<Item, StoreError> {
    let mut item = to_item(event)?;
    item.insert(TYPE.into(), s(EVENT));
    item.extend(key(
        conversation_pk(&event.conversation_id),
        &format!(
            "EVENT#{:015}#{}",
            event.created_at.timestamp_millis(),
            event.id
        ),
    ));
    Ok(item)
}

fn quick_reply_key(id: &str) -> Item {
    key(QUICK_REPLIES.into(), &format!("QR#{id}"))
}

fn term_pk(term: &str, message_id: &str) -> String {
    format!("TERM#{term}#{}", shard_of(message_id))
}

fn term_key(term: &str, entry: &TermEntry) -> Item {
    key(term_pk(term, &entry.message_id), &entry.position())
}

fn term_item(entry: &TermEntry) -> Result<Item, StoreError> {
    let mut item = to_item(entry)?;
    item.insert(TYPE.into(), s(TERM));
    item.extend(term_key(&entry.term, entry));
    Ok(item)
}

impl DynamoChannelStore {
    /// A `Query` of one partition (`index`: of that index), every page.
    async fn query_all(
        &self,
        index: Option<&str>,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_owned))
                .key_condition_expression(condition)
                .set_exclusive_start_key(start);
            for (name, value) in &values {
                query = query.expression_attribute_values(*name, value.clone());
            }
            let page = query.send().await.map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// One shard of a term's postings, newest first, pages read until `limit` are kept.
    async fn search_shard(
        &self,
        query: &TermQuery,
        shard: u32,
        limit: usize,
    ) -> Result<Vec<TermEntry>, StoreError> {
        let lo = query.from.map_or_else(
            || "0".to_owned(),
            |t| format!("{:015}#", t.timestamp_millis()),
        );
        let to = query
            .to
            .map(|t| format!("{:015}#", t.timestamp_millis().saturating_add(1).max(0)));
        let hi = match (to, &query.before) {
            (Some(a), Some(b)) => a.min(b.clone()),
            (Some(a), None) => a,
            (None, Some(b)) => b.clone(),
            (None, None) => "~".to_owned(),
        };
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(format!("TERM#{}#{shard}", query.term)))
                .expression_attribute_values(":lo", s(lo.clone()))
                .expression_attribute_values(":hi", s(hi.clone()))
                .scan_index_forward(false)
                .set_exclusive_start_key(start);
            request = match &query.customer {
                // Limit counts items read, not kept: no Limit with a filter.
                Some(customer) => request
                    .filter_expression("customer = :customer")
                    .expression_attribute_values(":customer", s(customer.clone())),
                None => request.limit(i32::try_from(limit + 1).unwrap_or(i32::MAX)),
            };
            let page = request.send().await.map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                let entry: TermEntry = from_item(item)?;
                // BETWEEN includes its bound; the cursor's own posting is not "older".
                if entry.position() < hi {
                    found.push(entry);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() || found.len() >= limit {
                found.truncate(limit);
                return Ok(found);
            }
        }
    }
}

#[async_trait]
impl DeskStore for DynamoChannelStore {
    async fn add_note(&self, note: &NoteRecord) -> Result<Stored, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(note_item(note)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        Ok(match conditional(result)? {
            Ok(_) => Stored::Inserted,
            Err(_) => Stored::Duplicate,
        })
    }

    async fn desk_items(
        &self,
        id: &ConversationId,
    ) -> Result<(Vec<NoteRecord>, Vec<EventRecord>), StoreError> {
        // `EVENT#…` and `NOTE#…` both sort after the conversation's own `CONV`.
        let items = self
            .query_all(
                None,
                "pk = :pk AND sk > :conv",
                vec![
                    (":pk", s(conversation_pk(id.as_str()))),
                    (":conv", s("CONV")),
                ],
            )
            .await?;
        let (mut notes, mut events) = (Vec::new(), Vec::new());
        for item in items {
            match item
                .get(TYPE)
                .and_then(|t| t.as_s().ok())
                .map(String::as_str)
            {
                Some(NOTE) => notes.push(from_item::<NoteRecord>(item)?),
                Some(EVENT) => events.push(from_item::<EventRecord>(item)?),
                _ => {}
            }
        }
        notes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok((notes, events))
    }

    async fn transfer(
        &self,
        conversation: &ConversationRecord,
        from: &str,
        event: &EventRecord,
    ) -> Result<TransferResult, StoreError> {
        let to = event.to_agent.clone().unwrap_or_default();
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .update_expression("SET assigned_agent = :to, updated_at = :at")
            .condition_expression("#state = :active AND assigned_agent = :from")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":active", s(ConversationState::Active.as_str()))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to.clone()))
            .expression_attribute_values(":at", n(event.created_at.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        let record = Put::builder()
            .table_name(&self.table)
            .set_item(Some(event_item(event)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        let session = SessionKey::of(conversation)
            .ok_or_else(|| StoreError::Corrupt("conversation addresses".into()))?;
        let mirror = Update::builder()
            .table_name(&self.table)
            .set_key(Some(session_key(&session)))
            .update_expression("SET assigned_agent = :to")
            .condition_expression("conversation_id = :id")
            .expression_attribute_values(":to", s(to.clone()))
            .expression_attribute_values(":id", s(conversation.id.clone()))
            .build()
            .map_err(unavailable)?;
        let update = TransactWriteItem::builder().update(update).build();
        let record = TransactWriteItem::builder().put(record).build();
        let mirror = TransactWriteItem::builder().update(mirror).build();
        // With the session mirrored while it is this conversation's; else without it.
        for items in [
            vec![update.clone(), record.clone(), mirror],
            vec![update, record],
        ] {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            match transaction(result)? {
                Ok(_) => {
                    let mut updated = conversation.clone();
                    updated.assigned_agent = Some(to);
                    return Ok(TransferResult::Transferred(updated));
                }
                Err(reasons) if failed_condition(reasons.first()) => {
                    return Ok(TransferResult::Changed);
                }
                Err(reasons) if failed_condition(reasons.get(2)) => {}
                Err(_) => {
                    return Err(StoreError::Unavailable(
                        "the transfer transaction was cancelled".into(),
                    ));
                }
            }
        }
        Ok(TransferResult::Changed)
    }

    async fn quick_replies(&self) -> Result<Vec<QuickReply>, StoreError> {
        self.query_all(None, "pk = :pk", vec![(":pk", s(QUICK_REPLIES))])
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn put_quick_reply(&self, reply: &QuickReply) -> Result<bool, StoreError> {
        let mut item = to_item(reply)?;
        item.insert(TYPE.into(), s(QUICK_REPLY));
        item.extend(quick_reply_key(&reply.id));
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_none_or(|a| a.is_empty()))
    }

    async fn delete_quick_reply(&self, id: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(quick_reply_key(id)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn customer_conversations(
        &self,
        customer: &str,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CUSTOMER_INDEX)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", CUSTOMER_INDEX_PK)
            .expression_attribute_values(":pk", s(customer_partition(customer)))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(unavailable)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn customer_history(
        &self,
        customer: &str,
    ) -> Result<(Option<ConversationRecord>, usize), StoreError> {
        let first = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CUSTOMER_INDEX)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", CUSTOMER_INDEX_PK)
            .expression_attribute_values(":pk", s(customer_partition(customer)))
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(from_item)
            .transpose()?;
        let mut count = 0;
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(CUSTOMER_INDEX)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", CUSTOMER_INDEX_PK)
                .expression_attribute_values(":pk", s(customer_partition(customer)))
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            count += usize::try_from(page.count).unwrap_or_default();
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok((first, count));
            }
        }
    }

    async fn last_message(&self, id: &ConversationId) -> Result<Option<MessageRecord>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(INDEX)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(conversation_pk(id.as_str())))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(from_item)
            .transpose()
    }

    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(entries.len());
        for entry in entries {
            let put = PutRequest::builder()
                .set_item(Some(term_item(entry)?))
                .build()
                .map_err(unavailable)?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            for _ in 0..5 {
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
                    "DynamoDB left postings unprocessed".into(),
                ));
            }
        }
        Ok(())
    }

    async fn search_term(
        &self,
        query: &TermQuery,
        limit: usize,
    ) -> Result<Vec<TermEntry>, StoreError> {
        // Every shard at once, merged newest first.
        let shards =
            try_join_all((0..TERM_SHARDS).map(|shard| self.search_shard(query, shard, limit)))
                .await?;
        let mut found: Vec<TermEntry> = shards.into_iter().flatten().collect();
        found.sort_by_key(|e| std::cmp::Reverse(e.position()));
        found.truncate(limit);
        Ok(found)
    }

    async fn has_terms(
        &self,
        wanted: &[(String, TermEntry)],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut keys: HashMap<(String, String), Item> = HashMap::new();
        for (term, entry) in wanted {
            keys.insert(
                (term.clone(), entry.message_id.clone()),
                term_key(term, entry),
            );
        }
        let found: Vec<TermEntry> = self.batch_get(keys.into_values().collect()).await?;
        Ok(found.into_iter().map(|e| (e.term, e.message_id)).collect())
    }
}
