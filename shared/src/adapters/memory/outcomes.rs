//! [`OutcomeStore`] in memory: dispositions, outcomes and tags on the conversation, record
//! links, and CSAT, with the table's conditions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::domain::outcomes::tag_key;
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{
    ChangeKind, ConversationRecord, CsatRecord, Disposition, OutcomeRecord, OutcomeResult,
    OutcomeStore, RecordLink, StoreError, Stored, StoredItem,
};

impl InMemoryChannelStore {
    /// Changes a stored conversation with `change` and shows it on the stream; `None` when it
    /// is not there or `change` refused (returned `false`).
    pub(super) fn change_conversation(
        &self,
        id: &str,
        change: impl FnOnce(&mut ConversationRecord) -> bool,
    ) -> Option<ConversationRecord> {
        let mut tables = self.tables();
        let current = tables.conversations.get_mut(id)?;
        let old = current.clone();
        if !change(current) {
            return None;
        }
        let record = current.clone();
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record.clone())),
            None,
        );
        Some(record)
    }
}

/// Newest first: conversation ids are UUIDv7, so they sort by creation.
fn newest_first(mut ids: Vec<String>, limit: usize) -> Vec<String> {
    ids.sort_by(|a, b| b.cmp(a));
    ids.truncate(limit);
    ids
}

#[async_trait]
impl OutcomeStore for InMemoryChannelStore {
    async fn dispositions(&self) -> Result<Vec<Disposition>, StoreError> {
        let mut all: Vec<Disposition> = self.tables().dispositions.values().cloned().collect();
        all.sort_by(|a, b| {
            (a.label.to_lowercase(), &a.code).cmp(&(b.label.to_lowercase(), &b.code))
        });
        Ok(all)
    }

    async fn put_disposition(&self, disposition: &Disposition) -> Result<bool, StoreError> {
        Ok(self
            .tables()
            .dispositions
            .insert(disposition.code.clone(), disposition.clone())
            .is_none())
    }

    async fn delete_disposition(&self, code: &str) -> Result<bool, StoreError> {
        Ok(self.tables().dispositions.remove(code).is_some())
    }

    async fn record_outcome(
        &self,
        conversation: &ConversationRecord,
        outcome: &OutcomeRecord,
        tags: Option<&[String]>,
    ) -> Result<OutcomeResult, StoreError> {
        if !self.tables().conversations.contains_key(&conversation.id) {
            return Ok(OutcomeResult::NotFound);
        }
        let recorded = self.change_conversation(&conversation.id, |c| {
            if c.state != ConversationState::Closed {
                return false;
            }
            c.outcome = Some(Box::new(outcome.clone()));
            if let Some(tags) = tags {
                c.tags = tags.to_vec();
            }
            true
        });
        Ok(recorded.map_or(OutcomeResult::NotClosed, |_| OutcomeResult::Recorded))
    }

    async fn set_tags(
        &self,
        conversation: &ConversationRecord,
        tags: &[String],
    ) -> Result<(), StoreError> {
        self.change_conversation(&conversation.id, |c| {
            c.tags = tags.to_vec();
            true
        });
        Ok(())
    }

    async fn tagged(&self, tag: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let key = tag_key(tag);
        let ids = self
            .tables()
            .conversations
            .values()
            .filter(|c| c.tags.iter().any(|t| tag_key(t) == key))
            .map(|c| c.id.clone())
            .collect();
        Ok(newest_first(ids, limit))
    }

    async fn link_record(&self, link: &RecordLink) -> Result<Stored, StoreError> {
        let mut tables = self.tables();
        let links = tables
            .records
            .entry(link.conversation_id.clone())
            .or_default();
        let key = (link.system.clone(), link.id.clone());
        if links.contains_key(&key) {
            return Ok(Stored::Duplicate);
        }
        links.insert(key, link.clone());
        drop(tables);
        self.emit(
            ChangeKind::Insert,
            None,
            Some(StoredItem::Record(link.clone())),
            None,
        );
        Ok(Stored::Inserted)
    }

    async fn unlink_record(
        &self,
        conversation: &ConversationId,
        system: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let removed = self
            .tables()
            .records
            .get_mut(conversation.as_str())
            .and_then(|links| links.remove(&(system.to_owned(), id.to_owned())));
        let existed = removed.is_some();
        if let Some(link) = removed {
            self.emit(
                ChangeKind::Remove,
                Some(StoredItem::Record(link)),
                None,
                None,
            );
        }
        Ok(existed)
    }

    async fn records(&self, conversation: &ConversationId) -> Result<Vec<RecordLink>, StoreError> {
        Ok(self.conversation_extras(conversation).0)
    }

    async fn linked(
        &self,
        system: &str,
        id: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let key = (system.to_owned(), id.to_owned());
        let ids = self
            .tables()
            .records
            .iter()
            .filter(|(_, links)| links.contains_key(&key))
            .map(|(conversation, _)| conversation.clone())
            .collect();
        Ok(newest_first(ids, limit))
    }

    async fn mark_csat_sent(
        &self,
        conversation: &ConversationRecord,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let marked = self
            .change_conversation(&conversation.id, |c| {
                if c.csat_sent_at.is_some() || c.state != ConversationState::Closed {
                    return false;
                }
                c.csat_sent_at = Some(at);
                true
            })
            .is_some();
        if marked && let Some(key) = crate::ports::SessionKey::of(conversation) {
            let mut tables = self.tables();
            if let Some(session) = tables.sessions.get_mut(&key)
                && session.conversation_id == conversation.id
            {
                session.csat_until = Some(until);
            }
        }
        Ok(marked)
    }

    async fn hold_wrap_up(&self, hold: &crate::ports::WrapUpHold) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        // As the table's condition check, under the same lock as the write.
        let open = tables
            .conversations
            .get(&hold.conversation_id)
            .is_some_and(|c| c.state == ConversationState::Closed && c.outcome.is_none());
        if !open {
            return Ok(false);
        }
        let old = tables
            .wrap_ups
            .entry(hold.agent_id.clone())
            .or_default()
            .insert(hold.conversation_id.clone(), hold.clone());
        drop(tables);
        let kind = if old.is_some() {
            ChangeKind::Modify
        } else {
            ChangeKind::Insert
        };
        self.emit(
            kind,
            old.map(StoredItem::WrapUp),
            Some(StoredItem::WrapUp(hold.clone())),
            None,
        );
        Ok(true)
    }

    async fn release_wrap_up(&self, agent: &str, conversation: &str) -> Result<bool, StoreError> {
        let removed = self
            .tables()
            .wrap_ups
            .get_mut(agent)
            .and_then(|held| held.remove(conversation));
        let Some(hold) = removed else {
            return Ok(false);
        };
        // As DynamoDB's stream: a delete of an item that was there.
        self.emit(
            ChangeKind::Remove,
            Some(StoredItem::WrapUp(hold)),
            None,
            None,
        );
        Ok(true)
    }

    async fn record_csat(
        &self,
        conversation: &ConversationId,
        csat: &CsatRecord,
    ) -> Result<bool, StoreError> {
        Ok(self
            .change_conversation(conversation.as_str(), |c| {
                if c.csat.is_some() {
                    return false;
                }
                c.csat = Some(csat.clone());
                true
            })
            .is_some())
    }
}
