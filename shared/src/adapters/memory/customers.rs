//! [`CustomerStore`] in memory: a customer's conversations, and business-started
//! conversations, with the table's semantics.

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::domain::{ConversationId, ConversationState, SessionWindow};
use crate::ports::{
    ChangeKind, ConversationRecord, CustomerStore, MessageRecord, SessionRecord, SessionTouch,
    StoreError, StoredItem,
};

#[async_trait]
impl CustomerStore for InMemoryChannelStore {
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
        tables.reassign(None, conversation, session.started_at);
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
}
