//! The records webhook: asks the business's CRM to create a record for a conversation
//! (`POST /conversations/{id}/records` with `"create": true`), whose `{id, url}` is then linked.

use async_trait::async_trait;

/// What the CRM is asked to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRecord {
    pub conversation_id: String,
    /// The customer, `whatsapp:+E164`.
    pub customer: String,
    /// The business number the customer wrote to.
    pub business_number: String,
    /// The record system (`crm`, `orders`…), as the link will name it.
    pub system: String,
    pub title: String,
    /// The conversation's outcome summary, when it has one.
    pub summary: Option<String>,
}

/// The record the CRM created: its id (1–128 visible ASCII) and, when it gave one, its https
/// link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRecord {
    pub id: String,
    pub url: Option<String>,
}

/// Why no record was created (or none is known to have been). No variant carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordsWebhookError {
    /// The CRM answered with an error (4xx, or 5xx after the retry).
    #[error("the records webhook refused the record (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// No answer (connect failure, timeout), after the retry.
    #[error("the records webhook did not answer: {0}")]
    Unreachable(String),
    /// A 2xx answer that is not `{"id": "...", "url"?: "https://..."}`.
    #[error("the records webhook's answer is not a record: {0}")]
    InvalidAnswer(String),
}

/// Creates records in the CRM.
#[async_trait]
pub trait RecordsWebhook: Send + Sync {
    async fn create(&self, request: &CreateRecord) -> Result<CreatedRecord, RecordsWebhookError>;
}
