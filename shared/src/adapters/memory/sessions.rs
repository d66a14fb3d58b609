//! [`SessionStore`] in memory: sessions and their messages, with the stream records they raise.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::domain::{
    ConversationId, ExistingSession, MessageSid, MessageStatus, SessionDecision, StatusCallback,
    decide_session,
};
use crate::ports::{
    ChangeKind, ConversationState, MessageRecord, SessionKey, SessionRecord, SessionStore,
    SessionTouch, SessionTouched, StatusApplied, StoreError, Stored, StoredItem,
};

#[async_trait]
impl SessionStore for InMemoryChannelStore {
    async fn touch_session(&self, touch: &SessionTouch) -> Result<SessionTouched, StoreError> {
        // The customer answers a business-started conversation: it continues (desk.rs).
        let awaiting = self.tables().sessions.get(&touch.key).cloned();
        if let Some(old) = awaiting.filter(SessionRecord::awaits_customer)
            && crate::ports::CustomerStore::continue_started(self, touch, &old).await?
        {
            return Ok(SessionTouched {
                conversation_id: conversation_id(&old.conversation_id)?,
                decision: SessionDecision::Refresh,
            });
        }
        let mut tables = self.tables();
        let existing = tables.sessions.get(&touch.key).cloned();
        let decision = decide_session(
            existing.as_ref().map(|s| ExistingSession {
                last_inbound_at: s.last_inbound_at,
                closed: s.state == ConversationState::Closed,
            }),
            touch.at,
        );
        let id = match (decision, existing) {
            (SessionDecision::Refresh, Some(old)) => {
                let session = tables
                    .sessions
                    .entry(touch.key.clone())
                    .or_insert(old.clone());
                session.last_inbound_at = touch.at;
                if touch.profile_name.is_some() {
                    session.profile_name = touch.profile_name.clone();
                }
                let (id, new) = (session.conversation_id.clone(), session.clone());
                drop(tables);
                self.emit(
                    ChangeKind::Modify,
                    Some(StoredItem::Session(old)),
                    Some(StoredItem::Session(new)),
                    None,
                );
                id
            }
            (SessionDecision::KeepNewer, Some(old)) => old.conversation_id,
            (_, old) => {
                if let Some(old) = old
                    && let Some(previous) = tables.conversations.get_mut(&old.conversation_id)
                {
                    previous.last_inbound_at = old.last_inbound_at;
                }
                let (session, conversation) = touch.start();
                let id = conversation.id.clone();
                let replaced = tables.sessions.insert(touch.key.clone(), session.clone());
                tables
                    .conversations
                    .insert(id.clone(), conversation.clone());
                drop(tables);
                let kind = if replaced.is_some() {
                    ChangeKind::Modify
                } else {
                    ChangeKind::Insert
                };
                self.emit(
                    kind,
                    replaced.map(StoredItem::Session),
                    Some(StoredItem::Session(session)),
                    None,
                );
                self.emit(
                    ChangeKind::Insert,
                    None,
                    Some(StoredItem::Conversation(conversation)),
                    None,
                );
                id
            }
        };
        Ok(SessionTouched {
            conversation_id: conversation_id(&id)?,
            decision,
        })
    }

    async fn sessions(&self, keys: &[SessionKey]) -> Result<Vec<SessionRecord>, StoreError> {
        let tables = self.tables();
        Ok(keys
            .iter()
            .filter_map(|k| tables.sessions.get(k).cloned())
            .collect())
    }

    async fn put_message(&self, message: &MessageRecord) -> Result<Stored, StoreError> {
        let mut tables = self.tables();
        if tables.messages.contains_key(&message.id) {
            return Ok(Stored::Duplicate);
        }
        tables.messages.insert(message.id.clone(), message.clone());
        drop(tables);
        self.message_changed(None, message.clone());
        Ok(Stored::Inserted)
    }

    async fn apply_status(
        &self,
        callback: &StatusCallback,
        _at: DateTime<Utc>,
    ) -> Result<StatusApplied, StoreError> {
        let mut tables = self.tables();
        let sid = callback.message_sid.as_str();
        let Some(message) = tables.messages.get_mut(sid) else {
            // Kept until the reply is recorded under this sid, which merges it.
            let early = tables
                .early_statuses
                .entry(sid.to_owned())
                .or_insert((MessageStatus::Pending, None));
            if !early.0.advances_to(callback.status) {
                return Ok(StatusApplied::Ignored);
            }
            *early = (callback.status, callback.error_code.clone());
            return Ok(StatusApplied::Advanced);
        };
        if !message.status.advances_to(callback.status) {
            return Ok(StatusApplied::Ignored);
        }
        let old = message.clone();
        message.status = callback.status;
        if callback.error_code.is_some() {
            message.error_code = callback.error_code.clone();
        }
        let new = message.clone();
        drop(tables);
        self.message_changed(Some(old), new);
        Ok(StatusApplied::Advanced)
    }

    async fn message(&self, id: &MessageSid) -> Result<Option<MessageRecord>, StoreError> {
        Ok(self.tables().messages.get(id.as_str()).cloned())
    }

    async fn conversation_messages(
        &self,
        id: &ConversationId,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut messages: Vec<_> = self
            .tables()
            .messages
            .values()
            .filter(|m| m.conversation_id == id.as_str())
            .cloned()
            .collect();
        messages.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(messages)
    }
}

fn conversation_id(raw: &str) -> Result<ConversationId, StoreError> {
    ConversationId::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}
