//! A conversation's messages, to the agent who holds it: `message.received` (the customer
//! wrote) and `message.status` (a reply's delivery moved).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use crate::app::views::rfc3339;
use crate::domain::{ConversationId, ConversationState, SessionWindow};
use crate::ports::{ChannelStore, MessageRecord, Notification, StoreError};

pub(super) async fn on_received(
    store: &dyn ChannelStore,
    key: &str,
    message: &MessageRecord,
) -> Result<Keyed, StoreError> {
    let Ok(id) = ConversationId::parse(&message.conversation_id) else {
        return Ok(Vec::new());
    };
    let Some(conversation) = store.conversation(&id).await? else {
        return Ok(Vec::new());
    };
    // A waiting conversation's follow-ups raise no new request.
    let (ConversationState::Active, Some(agent)) =
        (conversation.state, conversation.assigned_agent.clone())
    else {
        return Ok(Vec::new());
    };
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "message.received".into(),
            business_number: conversation.business.clone(),
            agent_ids: vec![agent],
            supervisors: false,
            authenticated: contact.is_some(),
            body: json!({
                "event_type": "message.received",
                "conversation_id": conversation.id,
                "business_number": conversation.business,
                "message_id": message.id,
                "preview": message.body.clone().map(|b| b.chars().take(200).collect::<String>()),
                "media_count": message.media.len(),
                "received_at": rfc3339(message.created_at),
                "customer": customer(&conversation, contact.as_ref()),
                "window_expires_at": rfc3339(SessionWindow::new(message.created_at).ends_at()),
            }),
        },
    )])
}

pub(super) async fn on_status(
    store: &dyn ChannelStore,
    key: &str,
    message: &MessageRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let Ok(id) = ConversationId::parse(&message.conversation_id) else {
        return Ok(Vec::new());
    };
    // The agent answering the conversation now sees how its replies fare.
    let Some((agent, business)) = store
        .conversation(&id)
        .await?
        .and_then(|c| Some((c.assigned_agent?, c.business)))
    else {
        return Ok(Vec::new());
    };
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "message.status".into(),
            business_number: business.clone(),
            agent_ids: vec![agent],
            supervisors: false,
            authenticated: false,
            body: json!({
                "event_type": "message.status",
                "conversation_id": message.conversation_id,
                "business_number": business,
                "message_id": message.id,
                "status": message.status.as_str(),
                "error_code": message.error_code,
                "published_at": rfc3339(now),
            }),
        },
    )])
}
