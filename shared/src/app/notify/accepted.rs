//! `conversation.accepted`: the agents whose card it was learn that a request was taken: every
//! other available agent in broadcast mode; the agent it was offered to, and supervisors, in
//! offer mode.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use crate::app::views::rfc3339;
use crate::ports::{ChannelStore, ConversationRecord, Notification, StoreError};

pub(super) async fn on_accepted(
    store: &dyn ChannelStore,
    key: &str,
    conversation: &ConversationRecord,
    offers: bool,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let accepted_by = conversation.assigned_agent.clone().unwrap_or_default();
    // Offer mode: the agent it was offered to (when someone else took it) and supervisors;
    // broadcast: every other available agent, whose card it was.
    let others: Vec<String> = if offers {
        conversation.offered_to.iter().cloned().collect::<Vec<_>>()
    } else {
        store
            .available_agents()
            .await?
            .into_iter()
            .map(|a| a.agent_id)
            .collect()
    }
    .into_iter()
    .filter(|a| *a != accepted_by)
    .collect();
    if others.is_empty() && !offers {
        return Ok(Vec::new());
    }
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "conversation.accepted".into(),
            business_number: conversation.business.clone(),
            agent_ids: others,
            supervisors: offers,
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
