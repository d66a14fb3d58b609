//! [`DeskStore`] in memory: notes, events, hand-overs, administrators' closes and quick
//! replies, with the table's semantics (the search postings live here too, see search.rs).

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{
    ChangeKind, ConversationRecord, DeskItems, DeskStore, EventRecord, NoteRecord, QuickReply,
    StoreError, Stored, StoredItem, TermEntry, TransferResult,
};

#[derive(Debug, Default)]
pub(super) struct DeskTables {
    /// By conversation, then note id.
    pub(super) notes: HashMap<String, BTreeMap<String, NoteRecord>>,
    pub(super) events: HashMap<String, Vec<EventRecord>>,
    quick_replies: BTreeMap<String, QuickReply>,
    /// Postings by (term, message id).
    pub(super) terms: HashMap<(String, String), TermEntry>,
}

impl InMemoryChannelStore {
    pub(super) fn desk(&self) -> std::sync::MutexGuard<'_, DeskTables> {
        self.desk.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl DeskStore for InMemoryChannelStore {
    async fn add_note(&self, note: &NoteRecord) -> Result<Stored, StoreError> {
        let mut desk = self.desk();
        let notes = desk.notes.entry(note.conversation_id.clone()).or_default();
        if notes.contains_key(&note.id) {
            return Ok(Stored::Duplicate);
        }
        notes.insert(note.id.clone(), note.clone());
        Ok(Stored::Inserted)
    }

    async fn add_event(&self, event: &EventRecord) -> Result<Stored, StoreError> {
        let mut desk = self.desk();
        let events = desk
            .events
            .entry(event.conversation_id.clone())
            .or_default();
        if events.iter().any(|e| e.id == event.id) {
            return Ok(Stored::Duplicate);
        }
        events.push(event.clone());
        Ok(Stored::Inserted)
    }

    async fn desk_items(&self, id: &ConversationId) -> Result<DeskItems, StoreError> {
        let (records, read) = self.conversation_extras(id);
        let desk = self.desk();
        let mut notes: Vec<NoteRecord> = desk
            .notes
            .get(id.as_str())
            .map(|n| n.values().cloned().collect())
            .unwrap_or_default();
        notes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let mut events = desk.events.get(id.as_str()).cloned().unwrap_or_default();
        events.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        drop(desk);
        let steps = self
            .assist()
            .steps
            .get(id.as_str())
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default();
        Ok(DeskItems {
            notes,
            events,
            records,
            read,
            steps,
        })
    }

    async fn transfer(
        &self,
        conversation: &ConversationRecord,
        from: &str,
        event: &EventRecord,
    ) -> Result<TransferResult, StoreError> {
        let id = conversation.id.as_str();
        let mut tables = self.tables();
        let Some(conversation) = tables.conversations.get_mut(id) else {
            return Ok(TransferResult::NotFound);
        };
        if conversation.state != ConversationState::Active
            || conversation.assigned_agent.as_deref() != Some(from)
        {
            return Ok(TransferResult::Changed);
        }
        let old = conversation.clone();
        conversation.assigned_agent = event.to_agent.clone();
        let record = conversation.clone();
        tables.mirror(&record);
        tables.reassign(Some(&old), &record, event.created_at);
        drop(tables);
        self.desk()
            .events
            .entry(id.to_owned())
            .or_default()
            .push(event.clone());
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record.clone())),
            None,
        );
        Ok(TransferResult::Transferred(Box::new(record)))
    }

    async fn close_any(
        &self,
        conversation: &ConversationRecord,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(current) = tables.conversations.get_mut(&conversation.id) else {
            return Ok(false);
        };
        // The table's condition: the state read, and the assignee read while it is active.
        if current.state != conversation.state
            || current.state == ConversationState::Closed
            || (current.state == ConversationState::Active
                && current.assigned_agent != conversation.assigned_agent)
        {
            return Ok(false);
        }
        let old = current.clone();
        current.state = ConversationState::Closed;
        current.closed_at = Some(at);
        current.closed_by = Some(by.to_owned());
        current.offered_to = None;
        current.offer_expires_at = None;
        let record = current.clone();
        tables.mirror(&record);
        tables.reassign(Some(&old), &record, at);
        tables.stop_waiting(&old);
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record)),
            None,
        );
        Ok(true)
    }

    async fn quick_replies(&self) -> Result<Vec<QuickReply>, StoreError> {
        Ok(self.desk().quick_replies.values().cloned().collect())
    }

    async fn put_quick_reply(&self, reply: &QuickReply) -> Result<bool, StoreError> {
        Ok(self
            .desk()
            .quick_replies
            .insert(reply.id.clone(), reply.clone())
            .is_none())
    }

    async fn delete_quick_reply(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.desk().quick_replies.remove(id).is_some())
    }
}
