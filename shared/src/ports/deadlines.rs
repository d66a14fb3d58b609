//! The deadline index: each window's warnings, filed under the minute they are due, so that a
//! run every minute reads only what is due (never a scan, never DynamoDB's TTL as a timer).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;

/// One warning of one window: due at `due_at`, for the window its customer's message at
/// `last_inbound_at` opened. Stale once the session has a later `last_inbound_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub conversation_id: String,
    pub business: String,
    pub customer: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub last_inbound_at: DateTime<Utc>,
    /// The lead time's label, `2h` or `15m`.
    pub warning: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub due_at: DateTime<Utc>,
}

impl Deadline {
    /// The key that keeps its notification single.
    pub fn notification_key(&self) -> String {
        format!(
            "WARN#{}#{}#{}",
            self.conversation_id,
            self.last_inbound_at.timestamp_millis(),
            self.warning
        )
    }
}

/// Deadline items are kept this long after they are due, then expire on their own.
pub const DEADLINE_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(2);

/// The deadline index and the scheduler's cursor.
#[async_trait]
pub trait DeadlineStore: Send + Sync {
    /// Files warnings under their minutes; filing the same one again changes nothing.
    async fn arm(&self, deadlines: &[Deadline]) -> Result<(), StoreError>;

    /// The warnings filed under `minute` (epoch minutes).
    async fn due_in(&self, minute: i64) -> Result<Vec<Deadline>, StoreError>;

    /// The last minute whose warnings were all handled, if any run finished.
    async fn deadline_cursor(&self) -> Result<Option<i64>, StoreError>;

    /// Records that every minute up to `minute` is handled; never moves back.
    async fn advance_deadline_cursor(&self, minute: i64) -> Result<(), StoreError>;
}
