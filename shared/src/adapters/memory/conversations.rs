//! [`ConversationStore`] in memory: the queue, accept and close.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::domain::ConversationId;
use crate::ports::{
    AcceptResult, ChangeKind, CloseResult, ConversationRecord, ConversationState,
    ConversationStore, StoreError, StoredItem,
};

#[async_trait]
impl ConversationStore for InMemoryChannelStore {
    async fn conversations_page(
        &self,
        business: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let mut page: Vec<_> = self
            .tables()
            .conversations
            .values()
            .filter(|c| business.is_none_or(|b| c.business == b))
            .filter(|c| before.is_none_or(|b| c.id.as_str() < b))
            .cloned()
            .collect();
        // UUIDv7 ids sort by creation, as the table's index does.
        page.sort_by(|a, b| b.id.cmp(&a.id));
        page.truncate(limit);
        Ok(page)
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
        may_pick: bool,
        at: DateTime<Utc>,
    ) -> Result<AcceptResult, StoreError> {
        let mut tables = self.tables();
        let Some(conversation) = tables.conversations.get_mut(id.as_str()) else {
            return Ok(AcceptResult::NotFound);
        };
        if let Some(refusal) = conversation.accept_refusal(agent, may_pick) {
            return Ok(refusal);
        }
        let old = conversation.clone();
        conversation.state = ConversationState::Active;
        conversation.assigned_agent = Some(agent.to_owned());
        conversation.offered_to = None;
        conversation.offer_expires_at = None;
        let record = conversation.clone();
        tables.mirror(&record);
        tables.reassign(None, &record, at);
        tables.stop_waiting(&old);
        tables.count(agent, at, |c| c.accepted += 1);
        tables.routing.entry(agent.to_owned()).or_default().misses = 0;
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record.clone())),
            None,
        );
        Ok(AcceptResult::Accepted(record))
    }

    async fn close(
        &self,
        id: &ConversationId,
        agent: &str,
        at: DateTime<Utc>,
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
        conversation.closed_at = Some(at);
        conversation.closed_by = Some(agent.to_owned());
        let record = conversation.clone();
        tables.mirror(&record);
        tables.reassign(Some(&old), &record, at);
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
