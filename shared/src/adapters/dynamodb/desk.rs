//! [`DeskStore`] on the table. Notes and transcript events live in their conversation's own
//! partition (`CONV#{id}`, sort keys `NOTE#…` and `EVENT#…`, one `Query` reads both); quick
//! replies in one small partition; a transfer and an administrator's close are conditional
//! transactions with the session's mirror.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::items::{
    Item, Partition, PartitionQuery, SortKeys, TYPE, conversation_key, conversation_pk, from_item,
    key, n, put_new, s, session_mirror, to_item,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{
    ConversationRecord, DeskStore, EventRecord, NoteRecord, QuickReply, StoreError, Stored,
    TransferResult,
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

pub fn quick_reply_key(id: &str) -> Item {
    key(QUICK_REPLIES.into(), &format!("QR#{id}"))
}

#[async_trait]
impl DeskStore for DynamoChannelStore {
    async fn add_note(&self, note: &NoteRecord) -> Result<Stored, StoreError> {
        self.insert(note_item(note)?).await
    }

    async fn add_event(&self, event: &EventRecord) -> Result<Stored, StoreError> {
        self.insert(event_item(event)?).await
    }

    async fn desk_items(&self, id: &ConversationId) -> Result<crate::ports::DeskItems, StoreError> {
        // `EVENT#…`, `NOTE#…`, `RECORD#…`, `TAG#…` and `TYPING` all sort after the
        // conversation's own `CONV`: one read.
        let items = self
            .query(PartitionQuery {
                sort_keys: SortKeys::Above("CONV".into()),
                ..PartitionQuery::of(Partition::table(conversation_pk(id.as_str())))
            })
            .await?;
        let mut found = crate::ports::DeskItems::default();
        for item in items {
            match item
                .get(TYPE)
                .and_then(|t| t.as_s().ok())
                .map(String::as_str)
            {
                Some(NOTE) => found.notes.push(from_item::<NoteRecord>(item)?),
                Some(EVENT) => found.events.push(from_item::<EventRecord>(item)?),
                Some(super::items::tag::RECORD_LINK) => found.records.push(from_item(item)?),
                Some(super::assist::SCRIPT_STEP) => found.steps.push(from_item(item)?),
                Some(super::items::tag::TYPING) => {
                    found.read = super::typing::read_marker_of(&item)
                }
                _ => {}
            }
        }
        found
            .notes
            .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(found)
    }

    async fn transfer(
        &self,
        conversation: &ConversationRecord,
        from: &str,
        event: &EventRecord,
    ) -> Result<TransferResult, StoreError> {
        let to = event.to_agent.clone().unwrap_or_default();
        // Its own condition on purpose: only the agent it is taken from, while active.
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
        let record = put_new(&self.table, event_item(event)?)
            .build()
            .map_err(unavailable)?;
        let mirror = session_mirror(&self.table, conversation, "SET assigned_agent = :to")?
            .expression_attribute_values(":to", s(to.clone()))
            .build()
            .map_err(unavailable)?;
        let mut updated = conversation.clone();
        updated.assigned_agent = Some(to.clone());
        let mut from_record = conversation.clone();
        from_record.assigned_agent = Some(from.to_owned());
        // The transfer's own writes first, then the agents' assignment entries.
        let index = self.reassign(Some(&from_record), &updated, event.created_at)?;
        let items = [
            vec![
                TransactWriteItem::builder().update(update).build(),
                TransactWriteItem::builder().put(record).build(),
            ],
            index,
        ]
        .concat();
        let written = self
            .transact_mirrored(
                items,
                TransactWriteItem::builder().update(mirror).build(),
                "transfer",
            )
            .await?;
        Ok(if written {
            TransferResult::Transferred(Box::new(updated))
        } else {
            TransferResult::Changed
        })
    }

    async fn close_any(
        &self,
        conversation: &ConversationRecord,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let closed = s(ConversationState::Closed.as_str());
        // Its own condition on purpose: whatever state the administrator saw, by anyone.
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .update_expression(
                "SET #state = :closed, closed_by = :by, updated_at = :at, closed_at = :at",
            )
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
            // A waiting request: also as offered when read, whose offer entry goes.
            (ConversationState::Requested, _) => {
                let update = update
                    .update_expression(
                        "SET #state = :closed, closed_by = :by, updated_at = :at, closed_at = :at \
                         REMOVE offered_to, offer_expires_at",
                    )
                    .condition_expression(format!(
                        "#state = :from AND {}",
                        super::routing::offered_as_read(conversation)
                    ));
                match &conversation.offered_to {
                    Some(offered) => {
                        update.expression_attribute_values(":offered", s(offered.clone()))
                    }
                    None => update,
                }
            }
            _ => update.condition_expression("#state = :from"),
        }
        .build()
        .map_err(unavailable)?;
        let mut closed_record = conversation.clone();
        closed_record.state = ConversationState::Closed;
        let mut index = self.reassign(Some(conversation), &closed_record, at)?;
        if conversation.state == ConversationState::Requested {
            index.extend(self.stop_waiting(conversation)?);
        }
        let mirror = session_mirror(&self.table, conversation, "SET #state = :closed")?
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", closed)
            .build()
            .map_err(unavailable)?;
        self.transact_mirrored(
            [
                vec![TransactWriteItem::builder().update(update).build()],
                index,
            ]
            .concat(),
            TransactWriteItem::builder().update(mirror).build(),
            "close",
        )
        .await
    }

    async fn quick_replies(&self) -> Result<Vec<QuickReply>, StoreError> {
        self.query(PartitionQuery::of(Partition::table(QUICK_REPLIES)))
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn put_quick_reply(&self, reply: &QuickReply) -> Result<bool, StoreError> {
        let mut item = to_item(reply)?;
        item.insert(TYPE.into(), s(QUICK_REPLY));
        item.extend(quick_reply_key(&reply.id));
        self.replace(item).await
    }

    async fn delete_quick_reply(&self, id: &str) -> Result<bool, StoreError> {
        self.remove(quick_reply_key(id)).await
    }
}
