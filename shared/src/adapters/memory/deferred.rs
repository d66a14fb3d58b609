//! [`DeferredStore`] in memory: markers by customer and conversation, and the deferred
//! messages' moves.

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::domain::MessageStatus;
use crate::ports::{DeferredMarker, DeferredStore, MessageRecord, SessionKey, StoreError};

#[async_trait]
impl DeferredStore for InMemoryChannelStore {
    async fn mark_deferred(&self, marker: &DeferredMarker) -> Result<(), StoreError> {
        let key = SessionKey::parse(&marker.business, &marker.customer)
            .ok_or_else(|| StoreError::Corrupt("deferred marker addresses".into()))?;
        self.tables()
            .deferred
            .entry(key)
            .or_default()
            .insert(marker.conversation_id.clone(), marker.clone());
        Ok(())
    }

    async fn deferred_markers(&self, key: &SessionKey) -> Result<Vec<DeferredMarker>, StoreError> {
        let tables = self.tables();
        Ok(tables
            .deferred
            .get(key)
            .map(|markers| markers.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn clear_deferred(
        &self,
        key: &SessionKey,
        conversation_id: &str,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        if let Some(markers) = tables.deferred.get_mut(key) {
            markers.remove(conversation_id);
            if markers.is_empty() {
                tables.deferred.remove(key);
            }
        }
        Ok(())
    }

    async fn leave_deferred(
        &self,
        message_id: &str,
        to: MessageStatus,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(message) = tables.messages.get_mut(message_id) else {
            return Ok(false);
        };
        if message.status != MessageStatus::Deferred {
            return Ok(false);
        }
        let old = message.clone();
        message.status = to;
        let new = message.clone();
        drop(tables);
        self.message_changed(Some(old), new);
        Ok(true)
    }

    async fn replace_message(&self, old_id: &str, sent: &MessageRecord) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let old = tables.messages.remove(old_id);
        tables.messages.insert(sent.id.clone(), sent.clone());
        drop(tables);
        // The same id: the record changed in place; another: a new item.
        let old = old.filter(|_| old_id == sent.id);
        self.message_changed(old, sent.clone());
        Ok(())
    }
}
