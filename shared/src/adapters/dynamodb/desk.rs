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
    CUSTOMER_INDEX, CUSTOMER_INDEX_PK, EXPIRES_AT, INDEX, Item, TYPE, conversation_item,
    conversation_key, conversation_pk, customer_partition, from_item, key, n, s, session_item,
    session_key, to_item,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::search::{TERM_SHARDS, shard_of};
use crate::domain::{ConversationId, ConversationState, SessionWindow, WINDOW};
use crate::ports::desk::{AWAIT_ANSWER, NEVER};
use crate::ports::{
    ConversationRecord, DeskStore, EventRecord, MessageRecord, NoteRecord, QuickReply, SessionKey,
    SessionRecord, SessionTouch, StoreError, Stored, TermEntry, TermQuery, TransferResult,
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

    async fn close_any(
        &self,
        conversation: &ConversationRecord,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let closed = s(ConversationState::Closed.as_str());
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .update_expression("SET #state = :closed, closed_by = :by, updated_at = :at")
            .condition_expression("#state = :from")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", closed.clone())
            .expression_attribute_values(":from", s(conversation.state.as_str()))
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":at", n(at.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        let session = SessionKey::of(conversation)
            .ok_or_else(|| StoreError::Corrupt("conversation addresses".into()))?;
        let mirror = Update::builder()
            .table_name(&self.table)
            .set_key(Some(session_key(&session)))
            .update_expression("SET #state = :closed")
            .condition_expression("conversation_id = :id")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", closed)
            .expression_attribute_values(":id", s(conversation.id.clone()))
            .build()
            .map_err(unavailable)?;
        let update = TransactWriteItem::builder().update(update).build();
        let mirror = TransactWriteItem::builder().update(mirror).build();
        for items in [vec![update.clone(), mirror], vec![update]] {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            match transaction(result)? {
                Ok(_) => return Ok(true),
                Err(reasons) if failed_condition(reasons.first()) => return Ok(false),
                // Only the mirror failed: the session is another conversation's now.
                Err(reasons) if failed_condition(reasons.get(1)) => {}
                Err(_) => {
                    return Err(StoreError::Unavailable(
                        "the close transaction was cancelled".into(),
                    ));
                }
            }
        }
        Ok(false)
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

    async fn start_by_business(
        &self,
        session: &SessionRecord,
        conversation: &ConversationRecord,
        previous: Option<&SessionRecord>,
    ) -> Result<bool, StoreError> {
        let mut item = session_item(session)?;
        // Waits for the customer's answer this long; its window (from NEVER) is closed.
        item.insert(
            EXPIRES_AT.into(),
            n((session.started_at + AWAIT_ANSWER).timestamp()),
        );
        let window_start = (session.started_at - WINDOW).timestamp_millis();
        let put_session = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR #state = :closed \
                 OR (last_inbound_at <= :window_start AND last_inbound_at > :never)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s(ConversationState::Closed.as_str()))
            .expression_attribute_values(":window_start", n(window_start))
            .expression_attribute_values(":never", n(NEVER.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        let put_conversation = Put::builder()
            .table_name(&self.table)
            .set_item(Some(conversation_item(conversation)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        let mut items = vec![
            TransactWriteItem::builder().put(put_session).build(),
            TransactWriteItem::builder().put(put_conversation).build(),
        ];
        if let Some(old) = previous {
            // The replaced conversation keeps its exact last_inbound_at after its session goes.
            let update_old = Update::builder()
                .table_name(&self.table)
                .set_key(Some(conversation_key(&old.conversation_id)))
                .update_expression("SET last_inbound_at = :last")
                .condition_expression("attribute_exists(pk) AND last_inbound_at <= :last")
                .expression_attribute_values(":last", n(old.last_inbound_at.timestamp_millis()))
                .build()
                .map_err(unavailable)?;
            items.push(TransactWriteItem::builder().update(update_old).build());
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match transaction(result)? {
            Ok(_) => Ok(true),
            Err(reasons) if failed_condition(reasons.first()) => Ok(false),
            // The replaced conversation already knew a later time: start without settling it.
            Err(reasons) if failed_condition(reasons.get(2)) => {
                Box::pin(self.start_by_business(session, conversation, None)).await
            }
            Err(_) => Err(StoreError::Unavailable(
                "the conversation could not be started".into(),
            )),
        }
    }

    async fn continue_started(
        &self,
        touch: &SessionTouch,
        old: &SessionRecord,
    ) -> Result<bool, StoreError> {
        let at = n(touch.at.timestamp_millis());
        let mut session = Update::builder()
            .table_name(&self.table)
            .set_key(Some(session_key(&touch.key)))
            .condition_expression("conversation_id = :id AND last_inbound_at = :never")
            .expression_attribute_values(":id", s(old.conversation_id.clone()))
            .expression_attribute_values(":never", n(NEVER.timestamp_millis()))
            .expression_attribute_values(":now", at.clone())
            .expression_attribute_values(
                ":ttl",
                n(SessionWindow::new(touch.at).ttl_epoch_seconds()),
            );
        let mut conversation = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&old.conversation_id)))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", at);
        let (mut set_session, mut set_conversation) = (
            "SET last_inbound_at = :now, expires_at = :ttl".to_owned(),
            "SET last_inbound_at = :now".to_owned(),
        );
        if let Some(name) = &touch.profile_name {
            set_session.push_str(", profile_name = :profile");
            set_conversation.push_str(", profile_name = :profile");
            session = session.expression_attribute_values(":profile", s(name.clone()));
            conversation = conversation.expression_attribute_values(":profile", s(name.clone()));
        }
        let items = vec![
            TransactWriteItem::builder()
                .update(
                    session
                        .update_expression(set_session)
                        .build()
                        .map_err(unavailable)?,
                )
                .build(),
            TransactWriteItem::builder()
                .update(
                    conversation
                        .update_expression(set_conversation)
                        .build()
                        .map_err(unavailable)?,
                )
                .build(),
        ];
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match transaction(result)? {
            Ok(_) => Ok(true),
            Err(reasons) if reasons.iter().any(|r| failed_condition(Some(r))) => Ok(false),
            Err(_) => Err(StoreError::Unavailable(
                "the answer could not continue its conversation".into(),
            )),
        }
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
