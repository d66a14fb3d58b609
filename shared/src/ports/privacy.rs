//! Privacy: the audit log (append-only: who did what, never a message body, a customer only by
//! a keyed pseudonym) and a customer's legal hold.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;

/// One audit entry. `target_id` is a pseudonym (`hmac:…`) when the target is a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub request_id: String,
    /// What else the action needs to be understood (`{"hold": true}`), never a body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
    /// When the store may drop it (`AUDIT_RETENTION_DAYS` after `at`).
    #[serde(with = "chrono::serde::ts_seconds")]
    pub expires_at: DateTime<Utc>,
}

impl AuditEntry {
    /// Where a page ended: the entry's time and id, as a cursor.
    pub fn position(&self) -> String {
        format!("{:015}#{}", self.at.timestamp_millis(), self.id)
    }
}

/// Which entries to read, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_id: Option<String>,
    /// Older than this position ([`AuditEntry::position`]).
    pub before: Option<String>,
    pub limit: usize,
}

impl AuditQuery {
    /// Whether `entry` passes the filters (not the time range).
    pub fn keeps(&self, entry: &AuditEntry) -> bool {
        self.actor.as_ref().is_none_or(|a| a == &entry.actor)
            && self.action.as_ref().is_none_or(|a| a == &entry.action)
            && self
                .target_id
                .as_ref()
                .is_none_or(|t| t == &entry.target_id)
    }
}

/// One page of entries; `cursor` while older ones may remain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub cursor: Option<String>,
}

/// A customer kept from erasure and expiry while it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    pub address: String,
    pub set_by: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub set_at: DateTime<Utc>,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Appends `entry`; never overwrites one (a put conditional on the key not existing).
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Marks a sign-in (an agent's token, by its `auth_time`) as recorded; `true` the first
    /// time, so that a sign-in is one entry however many requests its token makes.
    async fn first_sign_in(
        &self,
        agent: &str,
        auth_time: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Entries in `query`'s range passing its filters, newest first.
    async fn audit(&self, query: &AuditQuery) -> Result<AuditPage, StoreError>;

    async fn legal_hold(&self, address: &str) -> Result<Option<LegalHold>, StoreError>;

    /// Places the hold (`Some`) or releases it (`None`).
    async fn set_legal_hold(
        &self,
        address: &str,
        hold: Option<&LegalHold>,
    ) -> Result<(), StoreError>;
}
