//! Creating a record in the CRM through the records webhook (`RECORDS_WEBHOOK_URL`): the
//! signed request goes out, and the `{id, url}` the CRM answers is linked.

use lambda_http::http::StatusCode;
use whatsapp_channel::app::outcomes::records::RecordRequest;
use whatsapp_channel::domain::ConversationId;
use whatsapp_channel::domain::outcomes::RecordRef;
use whatsapp_channel::http::ApiError;
use whatsapp_channel::ports::{CreateRecord, RecordsWebhookError};

use crate::{AgentApi, no_conversation};

/// The record the CRM created for conversation `id`, ready to link.
pub(crate) async fn create(
    state: &AgentApi,
    id: &ConversationId,
    body: &RecordRequest,
) -> Result<RecordRef, ApiError> {
    let Some(webhook) = &state.records_webhook else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "records_webhook_unavailable",
            "This deployment has no records webhook (RECORDS_WEBHOOK_URL) to create records with.",
        ));
    };
    let invalid = |reason: &str| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_record",
            reason.to_owned(),
        )
    };
    let title = body
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.chars().count() <= 200)
        .ok_or_else(|| invalid("Creating a record needs a title of 1 to 200 characters."))?;
    // The system's rule, checked before the CRM is called.
    RecordRef::parse(&body.system, "pending", None)
        .map_err(|_| invalid("The record system must be 1 to 32 letters, digits, '-' or '_'."))?;
    let conversation = state
        .store
        .conversation(id)
        .await?
        .ok_or_else(no_conversation)?;
    let request = CreateRecord {
        conversation_id: conversation.id.clone(),
        customer: conversation.customer.clone(),
        business_number: conversation.business.clone(),
        system: body.system.trim().to_owned(),
        title: title.to_owned(),
        summary: conversation
            .outcome
            .as_ref()
            .and_then(|o| o.summary.clone()),
    };
    let created = webhook.create(&request).await.map_err(|e| {
        // Only the status: a CRM may echo the customer back in its message.
        let status = match &e {
            RecordsWebhookError::Refused { status, .. } => Some(*status),
            _ => None,
        };
        tracing::warn!(conversation_id = %id, webhook_status = status, "the records webhook did not create a record");
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "records_webhook_failed",
            "The CRM did not create the record; nothing was linked. Try again, or link an existing record.",
        )
        .with("webhook_status", status)
    })?;
    RecordRef::parse(&request.system, &created.id, created.url.as_deref()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "records_webhook_failed",
            "The CRM answered a record id that cannot be linked.",
        )
    })
}
