use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// A known customer: a sender whose address matches a contact is *authenticated*.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// `whatsapp:+E164`.
    pub address: String,
    pub name: String,
    pub contact_id: String,
    /// Further summary fields for the agent (tier, account, open orders, …), kept as given.
    #[serde(default)]
    pub summary: serde_json::Map<String, serde_json::Value>,
}

/// The customer directory.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Creates or replaces a contact; `true` when it is new.
    async fn put_contact(&self, contact: &Contact) -> Result<bool, StoreError>;

    /// The contacts among these addresses.
    async fn contacts(&self, addresses: &[String]) -> Result<Vec<Contact>, StoreError>;
}
