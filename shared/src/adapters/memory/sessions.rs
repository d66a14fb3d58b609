//! [`SessionStore`] in memory: sessions and their messages, with the stream records they raise.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::domain::{ConversationId, MessageSid, MessageStatus, SessionWindow, StatusCallback};
use crate::ports::{
    ChangeKind, ConversationState, InboundStored, MessageRecord, SessionKey, SessionRecord,
    SessionStart, SessionStore, SessionTouch, StatusApplied, StoreError, Stored, StoredItem,
};

#[async_trait]
impl SessionStore for InMemoryChannelStore {
    async fn session(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.tables().sessions.get(key).cloned())
    }

    async fn refresh_session(
        &self,
        touch: &SessionTouch,
    ) -> Result<Result<(), Option<SessionRecord>>, StoreError> {
        let mut tables = self.tables();
        let Some(session) = tables.sessions.get_mut(&touch.key) else {
            return Ok(Err(None));
        };
        let refreshable = session.conversation_id == touch.conversation_id.as_str()
            && session.state != ConversationState::Closed
            && session.last_inbound_at < touch.at
            && SessionWindow::new(session.last_inbound_at).is_open_at(touch.at);
        if !refreshable {
            return Ok(Err(Some(session.clone())));
        }
        let old = session.clone();
        session.last_inbound_at = touch.at;
        if touch.profile_name.is_some() {
            session.profile_name = touch.profile_name.clone();
        }
        let new = session.clone();
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Session(old)),
            Some(StoredItem::Session(new)),
            None,
        );
        Ok(Ok(()))
    }

    async fn start_session(
        &self,
        touch: &SessionTouch,
        previous: Option<&SessionRecord>,
    ) -> Result<SessionStart, StoreError> {
        let mut tables = self.tables();
        let replaceable = match tables.sessions.get(&touch.key) {
            None => true,
            Some(s) => {
                !SessionWindow::new(s.last_inbound_at).is_open_at(touch.at)
                    || (s.state == ConversationState::Closed && s.last_inbound_at < touch.at)
            }
        };
        if !replaceable {
            return Ok(SessionStart::SessionChanged);
        }
        if tables
            .conversations
            .contains_key(touch.conversation_id.as_str())
        {
            return Ok(SessionStart::ConversationExists);
        }
        if let Some(old) = previous
            && let Some(replaced) = tables.conversations.get_mut(&old.conversation_id)
        {
            replaced.last_inbound_at = old.last_inbound_at;
        }
        let (session, conversation) = touch.start();
        let replaced = tables.sessions.insert(touch.key.clone(), session.clone());
        tables
            .conversations
            .insert(conversation.id.clone(), conversation.clone());
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
        Ok(SessionStart::Started)
    }

    async fn put_inbound(&self, message: &MessageRecord) -> Result<InboundStored, StoreError> {
        let mut tables = self.tables();
        if let Some(first) = tables.messages.get(&message.id) {
            return Ok(InboundStored::Duplicate(Box::new(first.clone())));
        }
        tables.messages.insert(message.id.clone(), message.clone());
        drop(tables);
        self.message_changed(None, message.clone());
        Ok(InboundStored::Inserted)
    }

    async fn relink_message(
        &self,
        sid: &MessageSid,
        from: &ConversationId,
        to: &ConversationId,
    ) -> Result<ConversationId, StoreError> {
        let mut tables = self.tables();
        let Some(message) = tables.messages.get_mut(sid.as_str()) else {
            return Err(StoreError::Corrupt(format!("message {sid} vanished")));
        };
        if message.conversation_id != from.as_str() {
            return conversation_id(&message.conversation_id);
        }
        let old = message.clone();
        message.conversation_id = to.as_str().to_owned();
        let new = message.clone();
        drop(tables);
        self.message_changed(Some(old), new);
        Ok(to.clone())
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
