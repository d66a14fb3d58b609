//! `conversation.transferred`: the agent a conversation was handed to learns it.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use crate::app::desk::transfer::TRANSFERRED;
use crate::app::views::rfc3339;
use crate::ports::{ChannelStore, Contact, ConversationRecord, Notification, StoreError};

pub(super) async fn on_transferred(
    store: &dyn ChannelStore,
    key: &str,
    from: Option<String>,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(notification(from, conversation, contact.as_ref(), now)
        .map(|n| vec![(key.to_owned(), n)])
        .unwrap_or_default())
}

/// What the stream's change of assignee tells the new agent (notify-agent publishes it, SNS and
/// the live channel); `None` when nobody holds the conversation.
fn notification(
    from: Option<String>,
    conversation: &ConversationRecord,
    contact: Option<&Contact>,
    now: DateTime<Utc>,
) -> Option<Notification> {
    let to = conversation.assigned_agent.clone()?;
    Some(Notification {
        event_type: TRANSFERRED.into(),
        business_number: conversation.business.clone(),
        agent_ids: vec![to.clone()],
        supervisors: false,
        authenticated: contact.is_some(),
        body: json!({
            "event_type": TRANSFERRED,
            "conversation_id": conversation.id,
            "business_number": conversation.business,
            "from_agent": from,
            "assigned_agent": to,
            "customer": customer(conversation, contact),
            "published_at": rfc3339(now),
        }),
    })
}
