//! Use cases: what the functions do, over the ports. Handlers translate HTTP to these calls.

pub mod agents;
pub mod notify;
pub mod reply;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::domain::{
    ConversationId, InboundMessage, Location, SessionDecision, SessionWindow, StatusCallback,
    WhatsAppAddress,
};
use crate::ports::{
    ChannelStore, Clock, Contact, ConversationRecord, ConversationState, Direction, MessageRecord,
    SessionKey, SessionRecord, SessionStore, SessionTouch, StatusApplied, StoreError, Stored,
};

/// What storing an inbound message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundReceipt {
    pub conversation_id: ConversationId,
    pub session: SessionDecision,
    pub stored: Stored,
}

/// An inbound message: the session first (it names the conversation), then the message, each a
/// single conditional write.
pub async fn receive_inbound(
    store: &dyn SessionStore,
    clock: &dyn Clock,
    message: &InboundMessage,
) -> Result<InboundReceipt, StoreError> {
    let now = clock.now();
    let touched = store
        .touch_session(&SessionTouch {
            key: SessionKey {
                business: message.to.clone(),
                customer: message.from.clone(),
            },
            at: now,
            profile_name: message.profile_name().map(str::to_owned),
            preview: Some(message.preview()),
        })
        .await?;
    let stored = store
        .put_message(&MessageRecord::inbound(
            message,
            &touched.conversation_id,
            now,
        ))
        .await?;
    Ok(InboundReceipt {
        conversation_id: touched.conversation_id,
        session: touched.decision,
        stored,
    })
}

/// A delivery status callback: moves the message's status forward only.
pub async fn receive_status(
    store: &dyn SessionStore,
    clock: &dyn Clock,
    callback: &StatusCallback,
) -> Result<StatusApplied, StoreError> {
    store.apply_status(callback, clock.now()).await
}

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerView {
    pub address: String,
    pub display_name: String,
    pub authenticated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// The WhatsApp profile name the customer gave themself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
    /// A known contact's summary fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowView {
    pub open: bool,
    pub expires_at: String,
    pub seconds_left: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaView {
    pub url: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageView {
    pub id: String,
    pub direction: Direction,
    pub body: Option<String>,
    pub media: Vec<MediaView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button: Option<crate::domain::ButtonReply>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// What the error means for the agent (e.g. 63016: a template is needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<crate::ports::TemplateRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub created_at: String,
}

impl From<MessageRecord> for MessageView {
    fn from(m: MessageRecord) -> Self {
        Self {
            id: m.id,
            direction: m.direction,
            body: m.body,
            media: m
                .media
                .into_iter()
                .map(|media| MediaView {
                    url: media.url,
                    content_type: media.content_type,
                })
                .collect(),
            location: m.location,
            button: m.button,
            status: m.status.as_str().to_owned(),
            error_message: m.error_message.or_else(|| {
                m.error_code
                    .as_deref()
                    .and_then(crate::domain::twilio_error_text)
                    .map(str::to_owned)
            }),
            error_code: m.error_code,
            template: m.template,
            agent_id: m.agent_id,
            created_at: rfc3339(m.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationView {
    pub id: String,
    pub customer: CustomerView,
    /// `requested`, `active`, `closed`, or `expired` once the window closed on an open one.
    pub state: &'static str,
    pub assigned_agent: Option<String>,
    pub window: WindowView,
    pub started_at: String,
    pub last_inbound_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageView>>,
}

/// A conversation's live facts: from its session item while that item is still this
/// conversation's, else from the durable conversation item.
pub(crate) fn view(
    conversation: ConversationRecord,
    session: Option<&SessionRecord>,
    contact: Option<&Contact>,
    now: DateTime<Utc>,
) -> ConversationView {
    let current = session.filter(|s| s.conversation_id == conversation.id);
    let last_inbound_at = current
        .map(|s| s.last_inbound_at)
        .unwrap_or(conversation.last_inbound_at)
        .max(conversation.last_inbound_at);
    let window = SessionWindow::new(last_inbound_at);
    // Only the current conversation of a customer can have an open window.
    let open = current.is_some() && window.is_open_at(now);
    // The conversation item owns state and assignment; the session has the freshest name.
    let (state, assigned_agent) = (conversation.state, conversation.assigned_agent.clone());
    let profile_name = current
        .and_then(|s| s.profile_name.clone())
        .or_else(|| conversation.profile_name.clone());
    let display_name = profile_name.clone();
    let state = match state {
        ConversationState::Closed => "closed",
        _ if !open => "expired",
        ConversationState::Requested => "requested",
        ConversationState::Active => "active",
    };
    let display_name = display_name.unwrap_or_else(|| {
        WhatsAppAddress::parse(&conversation.customer)
            .map(|a| a.e164().to_owned())
            .unwrap_or_else(|_| conversation.customer.clone())
    });
    ConversationView {
        id: conversation.id,
        customer: CustomerView {
            address: conversation.customer,
            // A known contact's name is the one agents know them by.
            display_name: contact.map(|c| c.name.clone()).unwrap_or(display_name),
            authenticated: contact.is_some(),
            contact_id: contact.map(|c| c.contact_id.clone()),
            profile_name,
            summary: contact.map(|c| c.summary.clone()).filter(|s| !s.is_empty()),
        },
        state,
        assigned_agent,
        window: WindowView {
            open,
            expires_at: rfc3339(window.ends_at()),
            seconds_left: if open { window.seconds_left(now) } else { 0 },
        },
        started_at: rfc3339(conversation.started_at),
        last_inbound_at: rfc3339(last_inbound_at),
        messages: None,
    }
}

pub(crate) fn session_key_of(c: &ConversationRecord) -> Option<SessionKey> {
    SessionKey::parse(&c.business, &c.customer)
}

/// States a conversation list can be filtered by.
pub const STATES: [&str; 4] = ["requested", "active", "closed", "expired"];

/// The agents' queue: newest conversations first, optionally of one state.
pub async fn list_conversations(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    state: Option<&str>,
    limit: usize,
) -> Result<Vec<ConversationView>, StoreError> {
    let now = clock.now();
    let conversations = store.list_conversations(limit).await?;
    let keys: Vec<SessionKey> = conversations.iter().filter_map(session_key_of).collect();
    let sessions = store.sessions(&keys).await?;
    let addresses: Vec<String> = conversations.iter().map(|c| c.customer.clone()).collect();
    let contacts = store.contacts(&addresses).await?;
    Ok(conversations
        .into_iter()
        .map(|c| {
            let session = sessions.iter().find(|s| s.conversation_id == c.id);
            let contact = contacts.iter().find(|k| k.address == c.customer);
            view(c, session, contact, now)
        })
        .filter(|v| state.is_none_or(|wanted| v.state == wanted))
        .collect())
}

/// One conversation with its transcript, oldest message first.
pub async fn get_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
) -> Result<Option<ConversationView>, StoreError> {
    let now = clock.now();
    let Some(mut conversation) = store.conversation(id).await? else {
        return Ok(None);
    };
    let messages = store.conversation_messages(id).await?;
    // The transcript knows the last inbound message exactly, even after the session item is gone.
    if let Some(last) = messages
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .map(|m| m.created_at)
        .max()
    {
        conversation.last_inbound_at = conversation.last_inbound_at.max(last);
    }
    let sessions = match session_key_of(&conversation) {
        Some(key) => store.sessions(&[key]).await?,
        None => Vec::new(),
    };
    let contacts = store
        .contacts(std::slice::from_ref(&conversation.customer))
        .await?;
    let mut view = view(conversation, sessions.first(), contacts.first(), now);
    view.messages = Some(messages.into_iter().map(MessageView::from).collect());
    Ok(Some(view))
}
