//! [`DeskStore`] in memory: notes, events, hand-overs, quick replies, customers' conversations
//! and the search index, with the table's semantics.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::domain::{ConversationId, ConversationState, SessionWindow};
use crate::ports::{
    ChangeKind, ConversationRecord, DeskStore, EventRecord, MessageRecord, NoteRecord, QuickReply,
    SessionRecord, SessionTouch, StoreError, Stored, StoredItem, TermEntry, TermQuery,
    TransferResult,
};

#[derive(Debug, Default)]
pub(super) struct DeskTables {
    /// By conversation, then note id.
    notes: HashMap<String, BTreeMap<String, NoteRecord>>,
    events: HashMap<String, Vec<EventRecord>>,
    quick_replies: BTreeMap<String, QuickReply>,
    /// Postings by (term, message id).
    terms: HashMap<(String, String), TermEntry>,
}

impl InMemoryChannelStore {
    fn desk(&self) -> std::sync::MutexGuard<'_, DeskTables> {
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

    async fn desk_items(
        &self,
        id: &ConversationId,
    ) -> Result<(Vec<NoteRecord>, Vec<EventRecord>), StoreError> {
        let desk = self.desk();
        let mut notes: Vec<NoteRecord> = desk
            .notes
            .get(id.as_str())
            .map(|n| n.values().cloned().collect())
            .unwrap_or_default();
        notes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let events = desk.events.get(id.as_str()).cloned().unwrap_or_default();
        Ok((notes, events))
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
        Ok(TransferResult::Transferred(record))
    }

    async fn close_any(
        &self,
        conversation: &ConversationRecord,
        _by: &str,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(current) = tables.conversations.get_mut(&conversation.id) else {
            return Ok(false);
        };
        if current.state != conversation.state || current.state == ConversationState::Closed {
            return Ok(false);
        }
        let old = current.clone();
        current.state = ConversationState::Closed;
        let record = current.clone();
        tables.mirror(&record);
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

    async fn customer_conversations(
        &self,
        customer: &str,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let mut all: Vec<ConversationRecord> = self
            .tables()
            .conversations
            .values()
            .filter(|c| c.customer == customer)
            .cloned()
            .collect();
        all.sort_by(|a, b| b.id.cmp(&a.id));
        all.truncate(limit);
        Ok(all)
    }

    async fn customer_history(
        &self,
        customer: &str,
    ) -> Result<(Option<ConversationRecord>, usize), StoreError> {
        let tables = self.tables();
        let theirs = tables
            .conversations
            .values()
            .filter(|c| c.customer == customer);
        let count = theirs.clone().count();
        Ok((theirs.min_by(|a, b| a.id.cmp(&b.id)).cloned(), count))
    }

    async fn last_message(&self, id: &ConversationId) -> Result<Option<MessageRecord>, StoreError> {
        Ok(self
            .tables()
            .messages
            .values()
            .filter(|m| m.conversation_id == id.as_str())
            .max_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)))
            .cloned())
    }

    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError> {
        let mut desk = self.desk();
        for entry in entries {
            desk.terms.insert(
                (entry.term.clone(), entry.message_id.clone()),
                entry.clone(),
            );
        }
        Ok(())
    }

    async fn search_term(
        &self,
        query: &TermQuery,
        limit: usize,
    ) -> Result<Vec<TermEntry>, StoreError> {
        let desk = self.desk();
        let mut found: Vec<TermEntry> = desk
            .terms
            .values()
            .filter(|e| e.term == query.term)
            .filter(|e| query.customer.as_ref().is_none_or(|c| *c == e.customer))
            .filter(|e| query.from.is_none_or(|from| e.created_at >= from))
            .filter(|e| query.to.is_none_or(|to| e.created_at <= to))
            .filter(|e| query.before.as_ref().is_none_or(|b| e.position() < *b))
            .cloned()
            .collect();
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
        let Some(key) = session.key() else {
            return Err(StoreError::Corrupt("session addresses".into()));
        };
        let mut tables = self.tables();
        let current = tables.sessions.get(&key).cloned();
        let replaceable = current.as_ref().is_none_or(|s| {
            s.state == ConversationState::Closed
                || (!s.awaits_customer()
                    && !SessionWindow::new(s.last_inbound_at).is_open_at(session.started_at))
        });
        if !replaceable || current.as_ref() != previous {
            return Ok(false);
        }
        if let Some(old) = &current
            && let Some(replaced) = tables.conversations.get_mut(&old.conversation_id)
        {
            replaced.last_inbound_at = replaced.last_inbound_at.max(old.last_inbound_at);
        }
        tables.sessions.insert(key, session.clone());
        tables
            .conversations
            .insert(conversation.id.clone(), conversation.clone());
        drop(tables);
        let kind = if current.is_some() {
            ChangeKind::Modify
        } else {
            ChangeKind::Insert
        };
        self.emit(
            kind,
            current.map(StoredItem::Session),
            Some(StoredItem::Session(session.clone())),
            None,
        );
        self.emit(
            ChangeKind::Insert,
            None,
            Some(StoredItem::Conversation(conversation.clone())),
            None,
        );
        Ok(true)
    }

    async fn continue_started(
        &self,
        touch: &SessionTouch,
        old: &SessionRecord,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(session) = tables.sessions.get_mut(&touch.key) else {
            return Ok(false);
        };
        if session != old || !session.awaits_customer() {
            return Ok(false);
        }
        session.last_inbound_at = touch.at;
        if touch.profile_name.is_some() {
            session.profile_name = touch.profile_name.clone();
        }
        let new = session.clone();
        if let Some(conversation) = tables.conversations.get_mut(&new.conversation_id) {
            conversation.last_inbound_at = touch.at;
            if touch.profile_name.is_some() {
                conversation.profile_name = touch.profile_name.clone();
            }
        }
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Session(old.clone())),
            Some(StoredItem::Session(new)),
            None,
        );
        Ok(true)
    }

    async fn has_terms(
        &self,
        wanted: &[(String, TermEntry)],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let desk = self.desk();
        Ok(wanted
            .iter()
            .filter(|(term, entry)| {
                desk.terms
                    .contains_key(&(term.clone(), entry.message_id.clone()))
            })
            .map(|(term, entry)| (term.clone(), entry.message_id.clone()))
            .collect())
    }
}
