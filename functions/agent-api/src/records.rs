//! Creating a record in the CRM through the records webhook (`RECORDS_WEBHOOK_URL`).

use lambda_http::http::StatusCode;
use whatsapp_channel::app::outcomes::records::RecordRequest;
use whatsapp_channel::domain::ConversationId;
use whatsapp_channel::domain::outcomes::RecordRef;
use whatsapp_channel::http::ApiError;

use crate::AgentApi;

/// The record the CRM created for conversation `id`, ready to link.
pub(crate) async fn create(
    state: &AgentApi,
    id: &ConversationId,
    body: &RecordRequest,
) -> Result<RecordRef, ApiError> {
    let _ = (state, id, body);
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "records_webhook_unavailable",
        "This deployment has no records webhook (RECORDS_WEBHOOK_URL) to create records with.",
    ))
}
