//! [`ProfileStore`] in memory: routing profiles and the per-agent assignment index.

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::ports::{AgentRecord, ChangeKind, ProfileRecord, ProfileStore, StoreError, StoredItem};

#[async_trait]
impl ProfileStore for InMemoryChannelStore {
    async fn put_profile(&self, profile: &ProfileRecord) -> Result<bool, StoreError> {
        let old = self
            .tables()
            .profiles
            .insert(profile.agent_id.clone(), profile.clone());
        let kind = if old.is_some() {
            ChangeKind::Modify
        } else {
            ChangeKind::Insert
        };
        let new = old.is_none();
        self.emit(
            kind,
            old.map(StoredItem::Profile),
            Some(StoredItem::Profile(profile.clone())),
            None,
        );
        Ok(new)
    }

    async fn agent(&self, agent: &str) -> Result<AgentRecord, StoreError> {
        let tables = self.tables();
        Ok(AgentRecord {
            presence: tables.presence.get(agent).cloned(),
            profile: tables.profiles.get(agent).cloned(),
            assignments: tables
                .assignments
                .get(agent)
                .map(|held| held.values().cloned().collect())
                .unwrap_or_default(),
            offers: tables
                .offers
                .get(agent)
                .map(|held| held.values().cloned().collect())
                .unwrap_or_default(),
            routing: tables.routing.get(agent).cloned(),
            counts: tables
                .counts
                .get(agent)
                .map(|days| days.values().cloned().collect())
                .unwrap_or_default(),
            wrap_ups: tables
                .wrap_ups
                .get(agent)
                .map(|held| held.values().cloned().collect())
                .unwrap_or_default(),
        })
    }
}
