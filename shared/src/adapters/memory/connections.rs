//! [`ConnectionStore`] in memory: agents' live connections.

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::ports::{ConnectionStore, LiveConnection, StoreError};

#[async_trait]
impl ConnectionStore for InMemoryChannelStore {
    async fn add_connection(&self, connection: &LiveConnection) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let list = tables
            .connections
            .entry(connection.agent_id.clone())
            .or_default();
        list.retain(|c| c.connection_id != connection.connection_id);
        list.push(connection.clone());
        Ok(())
    }

    async fn remove_connection(
        &self,
        agent_id: &str,
        connection_id: &str,
    ) -> Result<(), StoreError> {
        if let Some(list) = self.tables().connections.get_mut(agent_id) {
            list.retain(|c| c.connection_id != connection_id);
        }
        Ok(())
    }

    async fn connections(&self, agent_ids: &[String]) -> Result<Vec<LiveConnection>, StoreError> {
        let tables = self.tables();
        Ok(agent_ids
            .iter()
            .filter_map(|agent| tables.connections.get(agent))
            .flatten()
            .cloned()
            .collect())
    }

    async fn supervisor_connections(&self) -> Result<Vec<LiveConnection>, StoreError> {
        let mut out: Vec<LiveConnection> = self
            .tables()
            .connections
            .values()
            .flatten()
            .filter(|c| c.supervisor)
            .cloned()
            .collect();
        out.sort_by(|a, b| a.connection_id.cmp(&b.connection_id));
        Ok(out)
    }
}
