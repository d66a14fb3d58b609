//! [`ErasureStore`] in memory, with the table's semantics: a page of deletes by key, counts of
//! what was there, the conversation item last.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{InMemoryChannelStore, Tables};
use crate::domain::minute_of;
use crate::ports::routing::WaitingRecord;
use crate::ports::{
    ConversationRecord, Deadline, ErasedCounts, ErasureRecord, ErasureStore, MessageRecord,
    SessionKey, StoreError, TermEntry,
};

impl Tables {
    /// Whether the conversation exists and is not being erased: what the stream's derived
    /// writes are conditional on.
    pub(super) fn stands(&self, conversation_id: &str) -> bool {
        self.conversations
            .get(conversation_id)
            .is_some_and(|c| !c.erasing)
    }
}

fn count(there: bool) -> u64 {
    u64::from(there)
}

#[async_trait]
impl ErasureStore for InMemoryChannelStore {
    async fn mark_erasing(&self, conversation_id: &str) -> Result<bool, StoreError> {
        match self.tables().conversations.get_mut(conversation_id) {
            Some(conversation) => {
                conversation.erasing = true;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn messages_to_erase(
        &self,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut messages: Vec<MessageRecord> = self
            .tables()
            .messages
            .values()
            .filter(|m| m.conversation_id == conversation_id)
            .cloned()
            .collect();
        messages.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        messages.truncate(limit);
        Ok(messages)
    }

    async fn erase_messages(
        &self,
        messages: &[MessageRecord],
        postings: &[TermEntry],
        deadlines: &[Deadline],
        idempotency: &[String],
    ) -> Result<ErasedCounts, StoreError> {
        let mut counts = ErasedCounts::default();
        {
            let mut desk = self.desk();
            for posting in postings {
                desk.terms
                    .remove(&(posting.term.clone(), posting.message_id.clone()));
                counts.postings += 1;
            }
        }
        let mut tables = self.tables();
        for deadline in deadlines {
            if let Some(minute) = tables.deadlines.get_mut(&minute_of(deadline.due_at)) {
                minute.remove(&deadline.notification_key());
            }
            counts.deadlines += 1;
        }
        for key in idempotency {
            counts.idempotency += count(tables.idempotency.remove(key).is_some());
        }
        for message in messages {
            counts.messages += count(tables.messages.remove(&message.id).is_some());
            tables.early_statuses.remove(&message.id);
        }
        Ok(counts)
    }

    async fn erase_session(
        &self,
        conversation: &ConversationRecord,
    ) -> Result<ErasedCounts, StoreError> {
        let mut counts = ErasedCounts::default();
        if let Some(key) = SessionKey::of(conversation) {
            let mut tables = self.tables();
            counts.sessions += count(tables.sessions.remove(&key).is_some());
            counts.sessions += tables.deferred.remove(&key).map_or(0, |d| d.len() as u64);
        }
        Ok(counts)
    }

    async fn erase_conversation(
        &self,
        conversation: &ConversationRecord,
    ) -> Result<ErasedCounts, StoreError> {
        let id = conversation.id.as_str();
        let mut counts = ErasedCounts::default();
        {
            let mut desk = self.desk();
            counts.conversation_items += desk.notes.remove(id).map_or(0, |n| n.len() as u64);
            counts.conversation_items += desk.events.remove(id).map_or(0, |e| e.len() as u64);
        }
        counts.conversation_items += self.assist().steps.remove(id).map_or(0, |s| s.len() as u64);
        let mut tables = self.tables();
        counts.conversation_items += tables.records.remove(id).map_or(0, |r| r.len() as u64);
        counts.conversation_items += count(tables.typing.remove(id).is_some());
        counts.conversation_items += count(tables.read.remove(id).is_some());
        let waiting = WaitingRecord::of(conversation);
        counts.conversation_items += count(
            tables
                .waiting
                .remove(&(
                    waiting.requested_at.timestamp_millis(),
                    waiting.conversation_id,
                ))
                .is_some(),
        );
        for agent in [&conversation.assigned_agent, &conversation.offered_to]
            .into_iter()
            .flatten()
        {
            if let Some(assigned) = tables.assignments.get_mut(agent) {
                counts.conversation_items += count(assigned.remove(id).is_some());
            }
            if let Some(offers) = tables.offers.get_mut(agent) {
                counts.conversation_items += count(offers.remove(id).is_some());
            }
            if let Some(holds) = tables.wrap_ups.get_mut(agent) {
                counts.conversation_items += count(holds.remove(id).is_some());
            }
        }
        counts.conversations += count(tables.conversations.remove(id).is_some());
        Ok(counts)
    }

    async fn erase_contact(&self, address: &str) -> Result<ErasedCounts, StoreError> {
        Ok(ErasedCounts {
            contact: count(self.tables().contacts.remove(address).is_some()),
            ..ErasedCounts::default()
        })
    }

    async fn put_erasure(&self, record: &ErasureRecord) -> Result<(), StoreError> {
        self.tables()
            .erasures
            .insert(record.id.clone(), record.clone());
        Ok(())
    }

    async fn erasure(&self, id: &str) -> Result<Option<ErasureRecord>, StoreError> {
        Ok(self.tables().erasures.get(id).cloned())
    }

    async fn conversations_created_before(
        &self,
        before: DateTime<Utc>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let mut found: Vec<ConversationRecord> = self
            .tables()
            .conversations
            .values()
            .filter(|c| created_before(&c.id, before))
            .filter(|c| after.is_none_or(|a| c.id.as_str() > a))
            .cloned()
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.truncate(limit);
        Ok(found)
    }
}

/// Whether a UUIDv7 conversation id was made before `at`.
fn created_before(id: &str, at: DateTime<Utc>) -> bool {
    uuid::Uuid::try_parse(id)
        .ok()
        .and_then(|u| u.get_timestamp())
        .map(|t| {
            let (secs, nanos) = t.to_unix();
            i64::try_from(secs).unwrap_or(i64::MAX) * 1000 + i64::from(nanos / 1_000_000)
        })
        .is_some_and(|ms| ms < at.timestamp_millis())
}
