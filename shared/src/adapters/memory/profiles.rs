//! [`ProfileStore`] in memory: routing profiles and the per-agent assignment index.

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::ports::{AgentRecord, ProfileRecord, ProfileStore, StoreError};

#[async_trait]
impl ProfileStore for InMemoryChannelStore {
    async fn put_profile(&self, profile: &ProfileRecord) -> Result<bool, StoreError> {
        Ok(self
            .tables()
            .profiles
            .insert(profile.agent_id.clone(), profile.clone())
            .is_none())
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
        })
    }
}
