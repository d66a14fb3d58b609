//! The CRM records a conversation is linked to: link (any agent who may read it), unlink (the
//! assigned agent or an administrator), and create one in the CRM through the records webhook.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::OutcomeRefusal;
use crate::app::views::RecordView;
use crate::domain::ConversationId;
use crate::domain::outcomes::RecordRef;
use crate::ports::{ChannelStore, RecordLink, StoreError, Stored};

/// `POST /conversations/{id}/records`: link `{"system", "id", "url"?}`, or create
/// `{"system", "create": true, "title"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordRequest {
    pub system: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub create: bool,
    #[serde(default)]
    pub title: Option<String>,
}

impl RecordRequest {
    pub fn parse(raw: &[u8]) -> Result<Self, OutcomeRefusal> {
        serde_json::from_slice(raw).map_err(|e| OutcomeRefusal::Malformed(e.to_string()))
    }
}

/// Links `record` to conversation `id`: the link, and whether it is new.
pub async fn link(
    store: &dyn ChannelStore,
    id: &ConversationId,
    record: RecordRef,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Result<(RecordView, bool), OutcomeRefusal>, StoreError> {
    if store.conversation(id).await?.is_none() {
        return Ok(Err(OutcomeRefusal::NotFound));
    }
    let link = RecordLink {
        conversation_id: id.as_str().to_owned(),
        system: record.system,
        id: record.id,
        url: record.url,
        linked_by: by.to_owned(),
        linked_at: now,
    };
    match store.link_record(&link).await? {
        Stored::Inserted => Ok(Ok((RecordView::from(link), true))),
        Stored::Duplicate => {
            let existing = store
                .records(id)
                .await?
                .into_iter()
                .find(|r| r.system == link.system && r.id == link.id)
                .unwrap_or(link);
            Ok(Ok((RecordView::from(existing), false)))
        }
    }
}

/// Unlinks a record: the assigned agent or an administrator.
pub async fn unlink(
    store: &dyn ChannelStore,
    id: &ConversationId,
    system: &str,
    record: &str,
    agent: &str,
    admin: bool,
) -> Result<Result<(), OutcomeRefusal>, StoreError> {
    let Some(conversation) = store.conversation(id).await? else {
        return Ok(Err(OutcomeRefusal::NotFound));
    };
    if !admin && conversation.assigned_agent.as_deref() != Some(agent) {
        return Ok(Err(OutcomeRefusal::NotAllowed));
    }
    store.unlink_record(id, system, record).await?;
    Ok(Ok(()))
}
