//! [`DeadlineStore`] in memory: the deadline index by minute, and the scheduler's cursor.

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::domain::minute_of;
use crate::ports::{Deadline, DeadlineStore, StoreError};

#[async_trait]
impl DeadlineStore for InMemoryChannelStore {
    async fn arm(&self, deadlines: &[Deadline]) -> Result<(), StoreError> {
        let mut tables = self.tables();
        // As on the table: only while the customer's session stands.
        let standing: Vec<&Deadline> = deadlines
            .iter()
            .filter(|d| {
                crate::ports::SessionKey::parse(&d.business, &d.customer)
                    .is_some_and(|key| tables.sessions.contains_key(&key))
            })
            .collect();
        for deadline in standing {
            tables
                .deadlines
                .entry(minute_of(deadline.due_at))
                .or_default()
                .insert(deadline.notification_key(), deadline.clone());
        }
        Ok(())
    }

    async fn due_in(&self, minute: i64) -> Result<Vec<Deadline>, StoreError> {
        Ok(self
            .tables()
            .deadlines
            .get(&minute)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn deadline_cursor(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.tables().deadline_cursor)
    }

    async fn advance_deadline_cursor(&self, minute: i64) -> Result<(), StoreError> {
        let mut tables = self.tables();
        tables.deadline_cursor = Some(tables.deadline_cursor.map_or(minute, |c| c.max(minute)));
        Ok(())
    }
}
