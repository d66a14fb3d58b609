//! [`DeskStore`] on the table. Notes and transcript events live in their conversation's own
//! partition (`CONV#{id}`, sort keys `NOTE#…` and `EVENT#…`, one `Query` reads both); quick
//! replies in one small partition; a transfer and an administrator's close are conditional
//! transactions with the session's mirror.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};

use super::conditions::{conditional, failed_condition, transaction};
use super::items::{
    Item, TYPE, conversation_key, conversation_pk, from_item, key, n, s, session_key, to_item,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{
    ConversationRecord, DeskStore, EventRecord, NoteRecord, QuickReply, SessionKey, StoreError,
    Stored, TransferResult,
};

const NOTE: &str = "note";
const EVENT: &str = "event";
const QUICK_REPLY: &str = "quick_reply";
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
        let mut updated = conversation.clone();
        updated.assigned_agent = Some(to.clone());
        let mut from_record = conversation.clone();
        from_record.assigned_agent = Some(from.to_owned());
        // The agents' assignment entries, last: the failure reasons keep their places.
        let index = self.reassign(Some(&from_record), &updated, event.created_at)?;
        let update = TransactWriteItem::builder().update(update).build();
        let record = TransactWriteItem::builder().put(record).build();
        let mirror = TransactWriteItem::builder().update(mirror).build();
        // With the session mirrored while it is this conversation's; else without it.
        for items in [
            [vec![update.clone(), record.clone(), mirror], index.clone()].concat(),
            [vec![update, record], index].concat(),
        ] {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            match transaction(result)? {
                Ok(_) => return Ok(TransferResult::Transferred(updated)),
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
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", closed.clone())
            .expression_attribute_values(":from", s(conversation.state.as_str()))
            .expression_attribute_values(":by", s(by))
            .expression_attribute_values(":at", n(at.timestamp_millis()));
        // While active, also the assignee read: their assignment entry is the one removed.
        let update = match (&conversation.state, &conversation.assigned_agent) {
            (ConversationState::Active, Some(assignee)) => update
                .condition_expression("#state = :from AND assigned_agent = :assignee")
                .expression_attribute_values(":assignee", s(assignee.clone())),
            _ => update.condition_expression("#state = :from"),
        }
        .build()
        .map_err(unavailable)?;
        let mut closed_record = conversation.clone();
        closed_record.state = ConversationState::Closed;
        let index = self.reassign(Some(conversation), &closed_record, at)?;
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
        for items in [
            [vec![update.clone(), mirror], index.clone()].concat(),
            [vec![update], index].concat(),
        ] {
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
}
