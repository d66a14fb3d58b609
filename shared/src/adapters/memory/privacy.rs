//! The audit log and legal holds, in memory.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::ports::{AuditEntry, AuditPage, AuditQuery, LegalHold, PrivacyStore, StoreError};

#[derive(Debug, Default)]
pub(super) struct PrivacyTables {
    /// By position (time, then id): newest last.
    audit: BTreeMap<String, AuditEntry>,
    sign_ins: HashSet<(String, i64)>,
    holds: HashMap<String, LegalHold>,
}

impl InMemoryChannelStore {
    fn privacy(&self) -> std::sync::MutexGuard<'_, PrivacyTables> {
        self.privacy.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl PrivacyStore for InMemoryChannelStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.privacy()
            .audit
            .entry(entry.position())
            .or_insert_with(|| entry.clone());
        Ok(())
    }

    async fn first_sign_in(
        &self,
        agent: &str,
        auth_time: i64,
        _expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .privacy()
            .sign_ins
            .insert((agent.to_owned(), auth_time)))
    }

    async fn audit(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        let tables = self.privacy();
        let mut entries: Vec<AuditEntry> = tables
            .audit
            .iter()
            .rev()
            .filter(|(position, _)| query.before.as_ref().is_none_or(|b| *position < b))
            .map(|(_, e)| e)
            .filter(|e| e.at >= query.from && e.at <= query.to && query.keeps(e))
            .take(query.limit + 1)
            .cloned()
            .collect();
        let more = entries.len() > query.limit;
        entries.truncate(query.limit);
        let cursor = more
            .then(|| entries.last().map(AuditEntry::position))
            .flatten();
        Ok(AuditPage { entries, cursor })
    }

    async fn legal_hold(&self, address: &str) -> Result<Option<LegalHold>, StoreError> {
        Ok(self.privacy().holds.get(address).cloned())
    }

    async fn set_legal_hold(
        &self,
        address: &str,
        hold: Option<&LegalHold>,
    ) -> Result<(), StoreError> {
        let mut tables = self.privacy();
        match hold {
            Some(hold) => tables.holds.insert(address.to_owned(), hold.clone()),
            None => tables.holds.remove(address),
        };
        Ok(())
    }
}
