//! `conversation.closed`: a waiting request an administrator closed (spam, a duplicate) leaves
//! the screens of the agents it was shown to at once, not at their next refresh.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use crate::app::views::rfc3339;
use crate::ports::{ChannelStore, ConversationRecord, Notification, StoreError};

/// A request closed before anyone accepted it: to the agents available now, those its card
/// stands before (as `conversation.accepted` goes).
pub(super) async fn on_request_closed(
    store: &dyn ChannelStore,
    key: &str,
    conversation: &ConversationRecord,
    offers: bool,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    // Offer mode: the agent it was offered to, and supervisors.
    let agents: Vec<String> = if offers {
        conversation.offered_to.iter().cloned().collect()
    } else {
        store
            .available_agents()
            .await?
            .into_iter()
            .map(|a| a.agent_id)
            .collect()
    };
    if agents.is_empty() && !offers {
        return Ok(Vec::new());
    }
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "conversation.closed".into(),
            business_number: conversation.business.clone(),
            agent_ids: agents,
            supervisors: offers,
            authenticated: contact.is_some(),
            body: json!({
                "event_type": "conversation.closed",
                "conversation_id": conversation.id,
                "business_number": conversation.business,
                "customer": customer(conversation, contact.as_ref()),
                "published_at": rfc3339(now),
            }),
        },
    )])
}
