//! `conversation.accepted`: the other available agents learn that a request was taken.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use crate::app::views::rfc3339;
use crate::ports::{ChannelStore, ConversationRecord, Notification, StoreError};

pub(super) async fn on_accepted(
    store: &dyn ChannelStore,
    key: &str,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let accepted_by = conversation.assigned_agent.clone().unwrap_or_default();
    let others: Vec<String> = store
        .available_agents()
        .await?
        .into_iter()
        .map(|a| a.agent_id)
        .filter(|a| *a != accepted_by)
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "conversation.accepted".into(),
            business_number: conversation.business.clone(),
            agent_ids: others,
            authenticated: contact.is_some(),
            body: json!({
                "event_type": "conversation.accepted",
                "conversation_id": conversation.id,
                "business_number": conversation.business,
                "assigned_agent": accepted_by,
                "customer": customer(conversation, contact.as_ref()),
                "published_at": rfc3339(now),
            }),
        },
    )])
}
