//! `conversation.sentiment_negative`: the customer's rolling sentiment turned negative. To the
//! agent who holds the conversation and to supervisors (SNS attribute `audience=supervisors`,
//! and live to every connected administrator), once per turn: the conversation's own change
//! raises it, and a record's notification is published once.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use crate::app::views::rfc3339;
use crate::ports::{ChannelStore, ConversationRecord, Notification, StoreError};

pub(super) async fn on_negative(
    store: &dyn ChannelStore,
    key: &str,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let contact = contact_of(store, &conversation.customer).await?;
    let agents: Vec<String> = conversation
        .assigned_agent
        .clone()
        .or_else(|| conversation.offered_to.clone())
        .into_iter()
        .collect();
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "conversation.sentiment_negative".into(),
            business_number: conversation.business.clone(),
            agent_ids: agents,
            supervisors: true,
            authenticated: contact.is_some(),
            body: json!({
                "event_type": "conversation.sentiment_negative",
                "conversation_id": conversation.id,
                "business_number": conversation.business,
                "state": conversation.state.as_str(),
                "assigned_agent": conversation.assigned_agent,
                "sentiment": conversation.sentiment,
                "sentiment_trend": conversation.sentiment_trend,
                "customer": customer(conversation, contact.as_ref()),
                "at": rfc3339(now),
            }),
        },
    )])
}
