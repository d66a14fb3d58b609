//! [`TypingStore`] in memory: the `TYPING` item's two facts per conversation.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::domain::ConversationId;
use crate::ports::{ReadMarker, StoreError, TypingStore};

impl InMemoryChannelStore {
    /// A conversation's linked records and read marker: what its partition holds in the table
    /// beside the desk's notes and events.
    pub(super) fn conversation_extras(
        &self,
        conversation: &ConversationId,
    ) -> (Vec<crate::ports::RecordLink>, Option<ReadMarker>) {
        let tables = self.tables();
        let records = tables
            .records
            .get(conversation.as_str())
            .map(|links| links.values().cloned().collect())
            .unwrap_or_default();
        (records, tables.read.get(conversation.as_str()).cloned())
    }
}

#[async_trait]
impl TypingStore for InMemoryChannelStore {
    async fn claim_typing(
        &self,
        conversation: &ConversationId,
        at: DateTime<Utc>,
        gap: chrono::TimeDelta,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let last = tables.typing.get(conversation.as_str()).copied();
        if last.is_some_and(|last| last > at - gap) {
            return Ok(false);
        }
        tables.typing.insert(conversation.as_str().to_owned(), at);
        Ok(true)
    }

    async fn mark_read(
        &self,
        conversation: &ConversationId,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.tables().read.insert(
            conversation.as_str().to_owned(),
            ReadMarker {
                message_id: message_id.to_owned(),
                at,
            },
        );
        Ok(())
    }
}
