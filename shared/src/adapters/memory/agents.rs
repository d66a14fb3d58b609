//! [`AgentStore`], [`ContactStore`] and [`NotificationLog`] in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryChannelStore;
use crate::domain::Presence;
use crate::ports::{
    AgentStore, AvailableAgent, ChangeKind, Contact, ContactStore, NotificationLog, PresenceRecord,
    StoreError, StoredItem,
};

#[async_trait]
impl AgentStore for InMemoryChannelStore {
    async fn set_presence_because(
        &self,
        agent: &str,
        presence: Presence,
        reason: Option<&str>,
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
                reason: reason.map(str::to_owned),
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

    async fn roster(&self) -> Result<Vec<PresenceRecord>, StoreError> {
        let mut agents: Vec<PresenceRecord> = self.tables().presence.values().cloned().collect();
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
