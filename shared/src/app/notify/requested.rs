//! `conversation.requested`: a new conversation offered to the agents available when it was
//! made, and again to each agent who becomes available while it waits.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use crate::app::views::rfc3339;
use crate::app::{ListFilter, list_conversations};
use crate::domain::{ConversationId, SessionWindow, ViewState};
use crate::ports::{ChannelStore, Clock, Contact, ConversationRecord, Notification, StoreError};

/// The conversation request an agent sees.
pub(super) fn requested(
    conversation: &ConversationRecord,
    contact: Option<&Contact>,
    agents: Vec<String>,
    now: DateTime<Utc>,
) -> Notification {
    let window = SessionWindow::new(conversation.last_inbound_at);
    Notification {
        event_type: "conversation.requested".into(),
        business_number: conversation.business.clone(),
        authenticated: contact.is_some(),
        body: json!({
            "event_type": "conversation.requested",
            "conversation_id": conversation.id,
            "business_number": conversation.business,
            "customer": customer(conversation, contact),
            "first_message_preview": conversation.preview,
            "ad": conversation.ad,
            "requested_at": rfc3339(conversation.started_at),
            "wait_seconds": (now - conversation.started_at).num_seconds().max(0),
            "window_expires_at": rfc3339(window.ends_at()),
            "published_at": rfc3339(now),
        }),
        agent_ids: agents,
        supervisors: false,
    }
}

/// Whether an agent available `since` was available when a request was made at `requested_at`.
/// Both at the millisecond, the precision a request's time is kept at: an agent who became
/// available within the request's millisecond counts as available then, and is told once,
/// by [`on_request`], not never.
fn available_by(since: DateTime<Utc>, requested_at: DateTime<Utc>) -> bool {
    since.timestamp_millis() <= requested_at.timestamp_millis()
}

/// A new request, to the agents available when it was made.
pub(super) async fn on_request(
    store: &dyn ChannelStore,
    key: &str,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    // Agents available when the request was made; those who become available later get
    // it then (below), so nobody gets it twice.
    let agents: Vec<String> = store
        .available_agents()
        .await?
        .into_iter()
        .filter(|a| available_by(a.available_since, conversation.started_at))
        .map(|a| a.agent_id)
        .collect();
    // Nobody available: the request waits; an agent who becomes available gets it.
    if agents.is_empty() {
        return Ok(Vec::new());
    }
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(vec![(
        key.to_owned(),
        requested(conversation, contact.as_ref(), agents, now),
    )])
}

/// An agent who became available: every request that was waiting before they did.
pub(super) async fn on_agent_available(
    store: &dyn ChannelStore,
    agent: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let waiting = list_conversations(
        store,
        &FixedClock(now),
        &ListFilter {
            state: Some(ViewState::Requested),
            number: None,
        },
        100,
    )
    .await?;
    let mut out = Vec::new();
    for view in waiting {
        let Ok(id) = ConversationId::parse(&view.id) else {
            continue;
        };
        let Some(mut conversation) = store.conversation(&id).await? else {
            continue;
        };
        // Told when it was made (above).
        if available_by(since, conversation.started_at) {
            continue;
        }
        conversation.last_inbound_at = conversation.last_inbound_at.max(
            view.last_inbound_at
                .as_deref()
                .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                .map_or(conversation.last_inbound_at, |t| t.to_utc()),
        );
        let contact = contact_of(store, &conversation.customer).await?;
        // Keyed by agent, minute and conversation, not by stream record: an agent who
        // toggles their presence in a loop is offered each request once a minute at
        // most, whatever the number of toggles.
        out.push((
            format!(
                "reoffer#{agent}#{}#{}",
                now.timestamp() / 60,
                conversation.id
            ),
            requested(&conversation, contact.as_ref(), vec![agent.to_owned()], now),
        ));
    }
    Ok(out)
}

struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
