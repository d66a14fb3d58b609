//! The in-memory twin of the DynamoDB store: same semantics, conditional writes included, for
//! fast tests and the embedded `local-api`.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    ConversationId, ExistingSession, MessageSid, MessageStatus, SessionDecision, StatusCallback,
    WhatsAppAddress, decide_session,
};
use crate::ports::{
    AcceptOutcome, ClaimOutcome, CloseOutcome, ConversationRecord, ConversationState,
    IdempotencyRecord, MessageRecord, SessionKey, SessionRecord, SessionStore, SessionTouch,
    SessionTouched, StatusApplied, StoreError, Stored, StoredResponse,
};

#[derive(Debug, Default)]
struct Tables {
    sessions: HashMap<SessionKey, SessionRecord>,
    conversations: HashMap<String, ConversationRecord>,
    messages: HashMap<String, MessageRecord>,
    /// Status callbacks that arrived before their reply was recorded under its sid.
    early_statuses: HashMap<String, (MessageStatus, Option<String>)>,
    idempotency: HashMap<String, IdempotencyRecord>,
}

impl Tables {
    /// Mirrors a conversation's state onto its customer's session while it is the current one.
    fn mirror(&mut self, conversation: &ConversationRecord) {
        if let Some(key) = session_key(&conversation.business, &conversation.customer)
            && let Some(session) = self.sessions.get_mut(&key)
            && session.conversation_id == conversation.id
        {
            session.state = conversation.state;
            session.assigned_agent = conversation.assigned_agent.clone();
        }
    }
}

/// One lock over everything: each port call is atomic, as each DynamoDB request is.
#[derive(Debug, Default)]
pub struct InMemorySessionStore {
    tables: Mutex<Tables>,
}

impl InMemorySessionStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of stored messages, for tests.
    pub fn message_count(&self) -> usize {
        self.tables().messages.len()
    }

    /// Number of stored conversations, for tests.
    pub fn conversation_count(&self) -> usize {
        self.tables().conversations.len()
    }
}

fn new_session(touch: &SessionTouch) -> (SessionRecord, ConversationRecord) {
    let id = ConversationId::generate();
    let session = SessionRecord {
        business: touch.key.business.as_str().to_owned(),
        customer: touch.key.customer.as_str().to_owned(),
        conversation_id: id.as_str().to_owned(),
        profile_name: touch.profile_name.clone(),
        state: ConversationState::Requested,
        assigned_agent: None,
        started_at: touch.at,
        last_inbound_at: touch.at,
    };
    let conversation = ConversationRecord {
        id: id.as_str().to_owned(),
        business: session.business.clone(),
        customer: session.customer.clone(),
        profile_name: session.profile_name.clone(),
        state: ConversationState::Requested,
        assigned_agent: None,
        started_at: touch.at,
        last_inbound_at: touch.at,
    };
    (session, conversation)
}

fn conversation_id(raw: &str) -> Result<ConversationId, StoreError> {
    ConversationId::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[async_trait]
impl SessionStore for InMemorySessionStore {
    async fn touch_session(&self, touch: &SessionTouch) -> Result<SessionTouched, StoreError> {
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
                let session = tables.sessions.entry(touch.key.clone()).or_insert(old);
                session.last_inbound_at = touch.at;
                if touch.profile_name.is_some() {
                    session.profile_name = touch.profile_name.clone();
                }
                session.conversation_id.clone()
            }
            (SessionDecision::KeepNewer, Some(old)) => old.conversation_id,
            (_, old) => {
                if let Some(old) = old
                    && let Some(previous) = tables.conversations.get_mut(&old.conversation_id)
                {
                    previous.last_inbound_at = old.last_inbound_at;
                }
                let (session, conversation) = new_session(touch);
                let id = conversation.id.clone();
                tables.sessions.insert(touch.key.clone(), session);
                tables.conversations.insert(id.clone(), conversation);
                id
            }
        };
        Ok(SessionTouched {
            conversation_id: conversation_id(&id)?,
            decision,
        })
    }

    async fn put_message(&self, message: &MessageRecord) -> Result<Stored, StoreError> {
        let mut tables = self.tables();
        if tables.messages.contains_key(&message.id) {
            return Ok(Stored::Duplicate);
        }
        tables.messages.insert(message.id.clone(), message.clone());
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
        message.status = callback.status;
        if callback.error_code.is_some() {
            message.error_code = callback.error_code.clone();
        }
        Ok(StatusApplied::Advanced)
    }

    async fn message(&self, id: &MessageSid) -> Result<Option<MessageRecord>, StoreError> {
        Ok(self.tables().messages.get(id.as_str()).cloned())
    }

    async fn list_conversations(
        &self,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let mut all: Vec<_> = self.tables().conversations.values().cloned().collect();
        // UUIDv7 ids sort by creation, as the table's index does.
        all.sort_by(|a, b| b.id.cmp(&a.id));
        all.truncate(limit);
        Ok(all)
    }

    async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        Ok(self.tables().conversations.get(id.as_str()).cloned())
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

    async fn sessions(&self, keys: &[SessionKey]) -> Result<Vec<SessionRecord>, StoreError> {
        let tables = self.tables();
        Ok(keys
            .iter()
            .filter_map(|k| tables.sessions.get(k).cloned())
            .collect())
    }

    async fn accept(
        &self,
        id: &ConversationId,
        agent: &str,
        _at: DateTime<Utc>,
    ) -> Result<AcceptOutcome, StoreError> {
        let mut tables = self.tables();
        let Some(conversation) = tables.conversations.get_mut(id.as_str()) else {
            return Ok(AcceptOutcome::NotFound);
        };
        let outcome = match conversation.state {
            ConversationState::Requested => {
                conversation.state = ConversationState::Active;
                conversation.assigned_agent = Some(agent.to_owned());
                AcceptOutcome::Accepted(conversation.clone())
            }
            ConversationState::Active if conversation.assigned_agent.as_deref() == Some(agent) => {
                return Ok(AcceptOutcome::AlreadyYours(conversation.clone()));
            }
            ConversationState::Active => {
                return Ok(AcceptOutcome::Taken {
                    by: conversation.assigned_agent.clone(),
                });
            }
            state => return Ok(AcceptOutcome::WrongState(state)),
        };
        if let AcceptOutcome::Accepted(record) = &outcome {
            tables.mirror(record);
        }
        Ok(outcome)
    }

    async fn close(
        &self,
        id: &ConversationId,
        agent: &str,
        _at: DateTime<Utc>,
    ) -> Result<CloseOutcome, StoreError> {
        let mut tables = self.tables();
        let Some(conversation) = tables.conversations.get_mut(id.as_str()) else {
            return Ok(CloseOutcome::NotFound);
        };
        if conversation.assigned_agent.as_deref() != Some(agent) {
            return Ok(match conversation.state {
                ConversationState::Requested => CloseOutcome::NotAccepted,
                _ => CloseOutcome::NotAssigned,
            });
        }
        if conversation.state == ConversationState::Closed {
            return Ok(CloseOutcome::AlreadyClosed(conversation.clone()));
        }
        conversation.state = ConversationState::Closed;
        let record = conversation.clone();
        tables.mirror(&record);
        Ok(CloseOutcome::Closed(record))
    }

    async fn claim_reply(
        &self,
        claim: &IdempotencyRecord,
        pending: &MessageRecord,
        _expires_at: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        let mut tables = self.tables();
        if let Some(existing) = tables.idempotency.get(&claim.key) {
            return Ok(ClaimOutcome::Existing(existing.clone()));
        }
        tables.idempotency.insert(claim.key.clone(), claim.clone());
        tables.messages.insert(pending.id.clone(), pending.clone());
        Ok(ClaimOutcome::Claimed)
    }

    async fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self.tables().idempotency.get(key).cloned())
    }

    async fn complete_reply(
        &self,
        key: &str,
        pending_id: &str,
        sent: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        tables.messages.remove(pending_id);
        let mut record = sent.clone();
        if let Some((status, code)) = tables.early_statuses.remove(&sent.id)
            && record.status.advances_to(status)
        {
            record.status = status;
            record.error_code = code;
        }
        tables.messages.insert(record.id.clone(), record);
        if let Some(claim) = tables.idempotency.get_mut(key) {
            claim.message_id = sent.id.clone();
            claim.response = Some(response.clone());
        }
        Ok(())
    }

    async fn fail_reply(
        &self,
        key: &str,
        pending: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        tables.messages.insert(pending.id.clone(), pending.clone());
        if let Some(claim) = tables.idempotency.get_mut(key) {
            claim.response = Some(response.clone());
        }
        Ok(())
    }
}

/// Session key of a stored record, for callers holding raw strings.
pub fn session_key(business: &str, customer: &str) -> Option<SessionKey> {
    Some(SessionKey {
        business: WhatsAppAddress::parse(business).ok()?,
        customer: WhatsAppAddress::parse(customer).ok()?,
    })
}
