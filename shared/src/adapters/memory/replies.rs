//! [`ReplyStore`] in memory: idempotent replies.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::ports::{
    ClaimOutcome, IdempotencyRecord, MessageRecord, ReplyStore, StoreError, StoredResponse,
};

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
        tables.messages.insert(record.id.clone(), record.clone());
        if let Some(claim) = tables.idempotency.get_mut(key) {
            claim.message_id = sent.id.clone();
            claim.response = Some(response.clone());
        }
        drop(tables);
        // As DynamoDB's stream shows the sid's item: inserted (the search index reads it).
        self.message_changed(None, record);
        Ok(())
    }

    async fn fail_reply(
        &self,
        key: &str,
        pending: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let old = tables.messages.insert(pending.id.clone(), pending.clone());
        if let Some(claim) = tables.idempotency.get_mut(key) {
            claim.response = Some(response.clone());
        }
        drop(tables);
        self.message_changed(old, pending.clone());
        Ok(())
    }
}
