//! notify-agent's use case: the table's stream is a transactional outbox. Each change that
//! matters to agents becomes one SNS notification, published once per change even when the
//! stream delivers a record again. It reads typed [`StreamChange`]s: the adapters decode the
//! table's items.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::views::rfc3339;
use crate::domain::{ConversationId, ConversationState, Presence, SessionWindow, ViewState};
use crate::ports::{
    AgentNotifier, ChangeKind, ChannelStore, Clock, Contact, ConversationRecord, Direction,
    MessageRecord, Notification, NotifyError, SessionRecord, StoreError, StoredItem, StreamChange,
};

/// Why a change could not be handled: the record is reported and redelivered.
#[derive(Debug, thiserror::Error)]
pub enum NotifyFailure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] NotifyError),
}

/// What a change means for agents.
#[derive(Debug)]
enum Meaning {
    Requested(ConversationRecord),
    Accepted(ConversationRecord),
    /// Handed from one agent (the first) to another.
    Transferred(Option<String>, ConversationRecord),
    MessageReceived(Box<MessageRecord>),
    StatusChanged(Box<MessageRecord>),
    WindowClosed(SessionRecord),
    AgentAvailable(String, DateTime<Utc>),
    Nothing,
}

fn meaning(change: &StreamChange, now: DateTime<Utc>) -> Meaning {
    use StoredItem as I;
    match (change.kind, change.old.as_ref(), change.new.as_ref()) {
        // A business-started conversation is inserted already assigned: no request.
        (ChangeKind::Insert, _, Some(I::Conversation(new)))
            if new.state == ConversationState::Requested =>
        {
            Meaning::Requested(new.clone())
        }
        (ChangeKind::Modify, Some(I::Conversation(old)), Some(I::Conversation(new)))
            if old.state == ConversationState::Requested
                && new.state == ConversationState::Active =>
        {
            Meaning::Accepted(new.clone())
        }
        (ChangeKind::Modify, Some(I::Conversation(old)), Some(I::Conversation(new)))
            if old.state == ConversationState::Active
                && new.state == ConversationState::Active
                && old.assigned_agent != new.assigned_agent =>
        {
            Meaning::Transferred(old.assigned_agent.clone(), new.clone())
        }
        (ChangeKind::Insert, _, Some(I::Message(m))) if m.direction == Direction::Inbound => {
            Meaning::MessageReceived(m.clone())
        }
        // A reply's delivery moved (a status callback, or the send failed).
        (ChangeKind::Modify, Some(I::Message(old)), Some(I::Message(new)))
            if new.direction == Direction::Outbound && old.status != new.status =>
        {
            Meaning::StatusChanged(new.clone())
        }
        // Our code never deletes a session: a removal is the TTL's, or, where the record does
        // not say, one whose window its timestamps show closed.
        (ChangeKind::Remove, Some(I::Session(s)), _)
            if change.by_ttl == Some(true)
                || (change.by_ttl.is_none()
                    && !SessionWindow::new(s.last_inbound_at).is_open_at(now)) =>
        {
            Meaning::WindowClosed(s.clone())
        }
        (ChangeKind::Insert | ChangeKind::Modify, old, Some(I::Presence(new))) => {
            let was_available =
                matches!(old, Some(I::Presence(o)) if o.status == Presence::Available);
            match (new.status, new.available_since) {
                (Presence::Available, Some(since)) if !was_available => {
                    Meaning::AgentAvailable(new.agent_id.clone(), since)
                }
                _ => Meaning::Nothing,
            }
        }
        _ => Meaning::Nothing,
    }
}

pub(crate) fn customer(conversation: &ConversationRecord, contact: Option<&Contact>) -> Value {
    let mut customer = json!({
        "address": conversation.customer,
        "profile_name": conversation.profile_name,
        "authenticated": contact.is_some(),
    });
    if let Some(contact) = contact {
        customer["name"] = json!(contact.name);
        customer["contact_id"] = json!(contact.contact_id);
        customer["summary"] = Value::Object(contact.summary.clone());
    }
    customer
}

/// The conversation request an agent sees.
fn requested(
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
            "requested_at": rfc3339(conversation.started_at),
            "wait_seconds": (now - conversation.started_at).num_seconds().max(0),
            "window_expires_at": rfc3339(window.ends_at()),
            "published_at": rfc3339(now),
        }),
        agent_ids: agents,
    }
}

/// The notifications a change raises, each with the key that keeps it single.
async fn notifications(
    store: &dyn ChannelStore,
    change: &StreamChange,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Notification)>, StoreError> {
    let contact_of = async |address: &str| -> Result<Option<Contact>, StoreError> {
        Ok(store
            .contacts(&[address.to_owned()])
            .await?
            .into_iter()
            .next())
    };
    Ok(match meaning(change, now) {
        Meaning::Nothing => Vec::new(),
        Meaning::Requested(conversation) => {
            // Agents available when the request was made; those who become available later get
            // it then (below), so nobody gets it twice.
            let agents: Vec<String> = store
                .available_agents()
                .await?
                .into_iter()
                .filter(|a| a.available_since <= conversation.started_at)
                .map(|a| a.agent_id)
                .collect();
            // Nobody available: the request waits; an agent who becomes available gets it.
            if agents.is_empty() {
                return Ok(Vec::new());
            }
            let contact = contact_of(&conversation.customer).await?;
            vec![(
                change.id.clone(),
                requested(&conversation, contact.as_ref(), agents, now),
            )]
        }
        Meaning::AgentAvailable(agent, since) => {
            let waiting = super::list_conversations(
                store,
                &FixedClock(now),
                &super::ListFilter {
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
                if conversation.started_at >= since {
                    continue;
                }
                conversation.last_inbound_at = conversation.last_inbound_at.max(
                    view.last_inbound_at
                        .as_deref()
                        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                        .map_or(conversation.last_inbound_at, |t| t.to_utc()),
                );
                let contact = contact_of(&conversation.customer).await?;
                // Keyed by agent, minute and conversation, not by stream record: an agent who
                // toggles their presence in a loop is offered each request once a minute at
                // most, whatever the number of toggles.
                out.push((
                    format!(
                        "reoffer#{agent}#{}#{}",
                        now.timestamp() / 60,
                        conversation.id
                    ),
                    requested(&conversation, contact.as_ref(), vec![agent.clone()], now),
                ));
            }
            out
        }
        Meaning::Accepted(conversation) => {
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
            let contact = contact_of(&conversation.customer).await?;
            vec![(
                change.id.clone(),
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
                        "customer": customer(&conversation, contact.as_ref()),
                        "published_at": rfc3339(now),
                    }),
                },
            )]
        }
        Meaning::Transferred(from, conversation) => {
            let contact = contact_of(&conversation.customer).await?;
            super::desk::transfer::notification(from, &conversation, contact.as_ref(), now)
                .map(|n| vec![(change.id.clone(), n)])
                .unwrap_or_default()
        }
        Meaning::MessageReceived(message) => {
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
            let contact = contact_of(&conversation.customer).await?;
            vec![(
                change.id.clone(),
                Notification {
                    event_type: "message.received".into(),
                    business_number: conversation.business.clone(),
                    agent_ids: vec![agent],
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
            )]
        }
        Meaning::StatusChanged(message) => {
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
            vec![(
                change.id.clone(),
                Notification {
                    event_type: "message.status".into(),
                    business_number: business.clone(),
                    agent_ids: vec![agent],
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
            )]
        }
        Meaning::WindowClosed(session) => {
            let Ok(id) = ConversationId::parse(&session.conversation_id) else {
                return Ok(Vec::new());
            };
            // The transcript keeps the exact last customer message time after the item is gone.
            store
                .settle_conversation(&id, session.last_inbound_at)
                .await?;
            let Some(agent) = session.assigned_agent.clone() else {
                return Ok(Vec::new());
            };
            let authenticated = contact_of(&session.customer).await?.is_some();
            vec![(
                change.id.clone(),
                Notification {
                    event_type: "window.closed".into(),
                    business_number: session.business.clone(),
                    agent_ids: vec![agent],
                    authenticated,
                    body: json!({
                        "event_type": "window.closed",
                        "conversation_id": session.conversation_id,
                        "business_number": session.business,
                        "customer": {"address": session.customer, "profile_name": session.profile_name},
                        "last_inbound_at": rfc3339(session.last_inbound_at),
                        "window_expired_at": rfc3339(SessionWindow::new(session.last_inbound_at).ends_at()),
                        "published_at": rfc3339(now),
                    }),
                },
            )]
        }
    })
}

struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Handles one stream record: publishes what it raises, each notification at most once per
/// record even when the record comes again. Returns how many were published now.
pub async fn handle_change(
    store: &dyn ChannelStore,
    notifier: &dyn AgentNotifier,
    clock: &dyn Clock,
    change: &StreamChange,
) -> Result<usize, NotifyFailure> {
    Ok(handle_change_reported(store, notifier, clock, change)
        .await?
        .published)
}

/// What handling one stream record did, for the function's metrics and log line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeReport {
    /// Notifications published now.
    pub published: usize,
    /// A new conversation request nobody was available for: its business number.
    pub no_agent_for: Option<String>,
}

/// [`handle_change`], telling also whether a conversation request found no available agent.
pub async fn handle_change_reported(
    store: &dyn ChannelStore,
    notifier: &dyn AgentNotifier,
    clock: &dyn Clock,
    change: &StreamChange,
) -> Result<ChangeReport, NotifyFailure> {
    let now = clock.now();
    // A stored message's words go into the search index first: indexing again is harmless.
    super::desk::search::index_change(store, change).await?;
    let pending = notifications(store, change, now).await?;
    let mut report = ChangeReport::default();
    if pending.is_empty()
        && let Meaning::Requested(conversation) = meaning(change, now)
    {
        // A request raises no notification only when no agent is available.
        report.no_agent_for = Some(conversation.business);
    }
    for (key, notification) in pending {
        if !store.begin_notification(&key, now).await? {
            continue;
        }
        notifier.publish(&notification).await?;
        store.finish_notification(&key).await?;
        report.published += 1;
    }
    Ok(report)
}
