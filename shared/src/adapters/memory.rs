//! The in-memory twin of the DynamoDB store: same semantics, conditional writes included, for
//! fast tests and the embedded `local-api`.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use chrono::{DateTime, Utc};

use crate::domain::{
    ConversationId, ExistingSession, MessageSid, MessageStatus, Presence, SessionDecision,
    SessionWindow, StatusCallback, decide_session,
};
use crate::ports::{
    AcceptResult, AgentStore, AvailableAgent, ChangeKind, ClaimOutcome, CloseResult, Contact,
    ContactStore, ConversationRecord, ConversationState, ConversationStore, IdempotencyRecord,
    MessageRecord, NotificationLog, PresenceRecord, ReplyStore, SessionKey, SessionRecord,
    SessionStore, SessionTouch, SessionTouched, StatusApplied, StoreError, Stored, StoredItem,
    StoredResponse, StreamChange,
};

#[derive(Debug, Default)]
struct Tables {
    sessions: HashMap<SessionKey, SessionRecord>,
    conversations: HashMap<String, ConversationRecord>,
    messages: HashMap<String, MessageRecord>,
    /// Status callbacks that arrived before their reply was recorded under its sid.
    early_statuses: HashMap<String, (MessageStatus, Option<String>)>,
    idempotency: HashMap<String, IdempotencyRecord>,
    presence: HashMap<String, PresenceRecord>,
    contacts: HashMap<String, Contact>,
    /// Notification markers: `true` once published.
    notifications: HashMap<String, bool>,
}

impl Tables {
    /// Mirrors a conversation's state onto its customer's session while it is the current one.
    fn mirror(&mut self, conversation: &ConversationRecord) {
        if let Some(key) = SessionKey::of(conversation)
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
pub struct InMemoryChannelStore {
    tables: Mutex<Tables>,
    /// The embedded twin of the table's stream: the records notify-agent consumes.
    stream: Mutex<Option<UnboundedSender<StreamChange>>>,
}

impl InMemoryChannelStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts the stream: every later change that matters to notify-agent is sent here, typed,
    /// as the DynamoDB adapter decodes what DynamoDB Streams delivers.
    pub fn stream(&self) -> UnboundedReceiver<StreamChange> {
        let (sender, receiver) = unbounded_channel();
        *self.stream.lock().unwrap_or_else(|e| e.into_inner()) = Some(sender);
        receiver
    }

    fn emit(
        &self,
        kind: ChangeKind,
        old: Option<StoredItem>,
        new: Option<StoredItem>,
        by_ttl: Option<bool>,
    ) {
        if let Some(sender) = self
            .stream
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            let _ = sender.send(StreamChange {
                id: uuid::Uuid::now_v7().to_string(),
                kind,
                old,
                new,
                by_ttl,
            });
        }
    }

    /// What DynamoDB's TTL does, eventually: removes session items whose window has closed.
    /// Returns how many it removed.
    pub fn expire_sessions(&self, now: DateTime<Utc>) -> usize {
        let expired: Vec<SessionRecord> = self
            .tables()
            .sessions
            .extract_if(|_, s| !SessionWindow::new(s.last_inbound_at).is_open_at(now))
            .map(|(_, s)| s)
            .collect();
        let removed = expired.len();
        for session in expired {
            let old = Some(StoredItem::Session(session));
            self.emit(ChangeKind::Remove, old, None, Some(true));
        }
        removed
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

fn conversation_id(raw: &str) -> Result<ConversationId, StoreError> {
    ConversationId::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[async_trait]
impl SessionStore for InMemoryChannelStore {
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
                let (session, conversation) = touch.start();
                let id = conversation.id.clone();
                tables.sessions.insert(touch.key.clone(), session);
                tables
                    .conversations
                    .insert(id.clone(), conversation.clone());
                drop(tables);
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
        self.emit(
            ChangeKind::Insert,
            None,
            Some(StoredItem::Message(Box::new(message.clone()))),
            None,
        );
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

#[async_trait]
impl ConversationStore for InMemoryChannelStore {
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

    async fn settle_conversation(
        &self,
        id: &ConversationId,
        last_inbound_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if let Some(c) = self.tables().conversations.get_mut(id.as_str()) {
            c.last_inbound_at = c.last_inbound_at.max(last_inbound_at);
        }
        Ok(())
    }

    async fn accept(
        &self,
        id: &ConversationId,
        agent: &str,
        _at: DateTime<Utc>,
    ) -> Result<AcceptResult, StoreError> {
        let mut tables = self.tables();
        let Some(conversation) = tables.conversations.get_mut(id.as_str()) else {
            return Ok(AcceptResult::NotFound);
        };
        if let Some(refusal) = conversation.accept_refusal(agent) {
            return Ok(refusal);
        }
        conversation.state = ConversationState::Active;
        conversation.assigned_agent = Some(agent.to_owned());
        let outcome = AcceptResult::Accepted(conversation.clone());
        if let AcceptResult::Accepted(record) = &outcome {
            tables.mirror(record);
            drop(tables);
            let mut old = record.clone();
            old.state = ConversationState::Requested;
            old.assigned_agent = None;
            self.emit(
                ChangeKind::Modify,
                Some(StoredItem::Conversation(old)),
                Some(StoredItem::Conversation(record.clone())),
                None,
            );
        }
        Ok(outcome)
    }

    async fn close(
        &self,
        id: &ConversationId,
        agent: &str,
        _at: DateTime<Utc>,
    ) -> Result<CloseResult, StoreError> {
        let mut tables = self.tables();
        let Some(conversation) = tables.conversations.get_mut(id.as_str()) else {
            return Ok(CloseResult::NotFound);
        };
        if let Some(refusal) = conversation.close_refusal(agent) {
            return Ok(refusal);
        }
        let old = conversation.clone();
        conversation.state = ConversationState::Closed;
        let record = conversation.clone();
        tables.mirror(&record);
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record.clone())),
            None,
        );
        Ok(CloseResult::Closed(record))
    }
}

#[async_trait]
impl ReplyStore for InMemoryChannelStore {
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

#[async_trait]
impl AgentStore for InMemoryChannelStore {
    async fn set_presence(
        &self,
        agent: &str,
        presence: Presence,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (old, new) = {
            let mut tables = self.tables();
            let previous = tables.presence.get(agent).cloned();
            let since = match (presence, &previous) {
                (Presence::Available, Some(p)) if p.status == Presence::Available => {
                    p.available_since
                }
                (Presence::Available, _) => Some(at),
                _ => None,
            };
            let record = PresenceRecord {
                agent_id: agent.to_owned(),
                status: presence,
                updated_at: at,
                available_since: since,
            };
            tables.presence.insert(agent.to_owned(), record.clone());
            (previous, record)
        };
        let kind = if old.is_some() {
            ChangeKind::Modify
        } else {
            ChangeKind::Insert
        };
        self.emit(
            kind,
            old.map(StoredItem::Presence),
            Some(StoredItem::Presence(new)),
            None,
        );
        Ok(())
    }

    async fn available_agents(&self) -> Result<Vec<AvailableAgent>, StoreError> {
        let mut agents: Vec<AvailableAgent> = self
            .tables()
            .presence
            .values()
            .filter_map(|p| match (p.status, p.available_since) {
                (Presence::Available, Some(since)) => Some(AvailableAgent {
                    agent_id: p.agent_id.clone(),
                    available_since: since,
                }),
                _ => None,
            })
            .collect();
        agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        Ok(agents)
    }
}

#[async_trait]
impl ContactStore for InMemoryChannelStore {
    async fn put_contact(&self, contact: &Contact) -> Result<bool, StoreError> {
        Ok(self
            .tables()
            .contacts
            .insert(contact.address.clone(), contact.clone())
            .is_none())
    }

    async fn contacts(&self, addresses: &[String]) -> Result<Vec<Contact>, StoreError> {
        let tables = self.tables();
        Ok(addresses
            .iter()
            .filter_map(|a| tables.contacts.get(a).cloned())
            .collect())
    }
}

#[async_trait]
impl NotificationLog for InMemoryChannelStore {
    async fn begin_notification(&self, key: &str, _at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let published = tables.notifications.entry(key.to_owned()).or_insert(false);
        Ok(!*published)
    }

    async fn finish_notification(&self, key: &str) -> Result<(), StoreError> {
        self.tables().notifications.insert(key.to_owned(), true);
        Ok(())
    }
}
