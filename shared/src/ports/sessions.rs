use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationRecord, ReplyContent, StoreError};
use crate::domain::{
    ButtonReply, ConversationId, ConversationState, InboundMessage, Location, Media, MessageSid,
    MessageStatus, Referral, StatusCallback, WhatsAppAddress,
};

/// Identifies a customer's session: one per (business number, customer address).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey {
    pub business: WhatsAppAddress,
    pub customer: WhatsAppAddress,
}

impl SessionKey {
    /// The key of a stored record's addresses; `None` when they are not WhatsApp addresses.
    pub fn parse(business: &str, customer: &str) -> Option<Self> {
        Some(Self {
            business: WhatsAppAddress::parse(business).ok()?,
            customer: WhatsAppAddress::parse(customer).ok()?,
        })
    }

    /// The session key of a conversation's customer.
    pub fn of(conversation: &ConversationRecord) -> Option<Self> {
        Self::parse(&conversation.business, &conversation.customer)
    }
}

/// An inbound message's effect on its session: the window counts from `at`, the time the
/// message was first received, in conversation `conversation_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTouch {
    pub key: SessionKey,
    pub conversation_id: ConversationId,
    pub at: DateTime<Utc>,
    pub profile_name: Option<String>,
    /// What the message says, shortened: kept on a new conversation for its request.
    pub preview: Option<String>,
    /// The ad the message came from: kept on a new conversation for its request card.
    pub ad: Option<crate::domain::AdReferral>,
}

impl SessionTouch {
    /// A new session and its conversation, `requested`, from this message.
    pub fn start(&self) -> (SessionRecord, ConversationRecord) {
        let id = self.conversation_id.clone();
        let session = SessionRecord {
            business: self.key.business.as_str().to_owned(),
            customer: self.key.customer.as_str().to_owned(),
            conversation_id: id.as_str().to_owned(),
            profile_name: self.profile_name.clone(),
            state: ConversationState::Requested,
            assigned_agent: None,
            started_at: self.at,
            last_inbound_at: self.at,
            csat_until: None,
        };
        let conversation = ConversationRecord {
            id: id.as_str().to_owned(),
            business: session.business.clone(),
            customer: session.customer.clone(),
            profile_name: session.profile_name.clone(),
            state: ConversationState::Requested,
            assigned_agent: None,
            started_at: self.at,
            last_inbound_at: self.at,
            preview: self.preview.clone(),
            ad: self.ad.clone().map(Box::new),
            offered_to: None,
            offer_expires_at: None,
            offer_seq: 0,
            declined: Vec::new(),
            offer_ended: None,
            overflowed_at: None,
            closed_at: None,
            closed_by: None,
            outcome: None,
            tags: Vec::new(),
            csat_sent_at: None,
            csat: None,
            sentiment: None,
            sentiment_trend: None,
            erasing: false,
        };
        (session, conversation)
    }
}

/// What [`SessionStore::start_session`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStart {
    /// The session and its conversation now exist.
    Started,
    /// The session item is no longer one a new conversation may replace: read it again.
    SessionChanged,
    /// The conversation exists already (a retry completed, or an older conversation).
    ConversationExists,
}

/// What storing an inbound message found.
#[derive(Debug, Clone, PartialEq)]
pub enum InboundStored {
    Inserted,
    /// The sid was stored before: the first record, with the time it was first received.
    Duplicate(Box<MessageRecord>),
}

/// The live session of a customer. Its item carries the table's TTL (`expires_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub business: String,
    pub customer: String,
    pub conversation_id: String,
    #[serde(default)]
    pub profile_name: Option<String>,
    pub state: ConversationState,
    #[serde(default)]
    pub assigned_agent: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub started_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub last_inbound_at: DateTime<Utc>,
    /// After a close that sent the CSAT template: until when the customer's digit (or button)
    /// answers it instead of opening a new request.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub csat_until: Option<DateTime<Utc>>,
}

impl SessionRecord {
    /// Its key; `None` when its addresses are not WhatsApp addresses.
    pub fn key(&self) -> Option<SessionKey> {
        SessionKey::parse(&self.business, &self.customer)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// One message of a transcript, inbound or outbound. Durable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// Twilio's MessageSid.
    pub id: String,
    pub conversation_id: String,
    pub direction: Direction,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub media: Vec<Media>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub button: Option<ButtonReply>,
    #[serde(default)]
    pub referral: Option<Referral>,
    #[serde(default)]
    pub replied_to: Option<String>,
    pub status: MessageStatus,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
    /// Every webhook parameter as received.
    #[serde(default)]
    pub params: Vec<(String, String)>,
    /// The approved template an outbound message used.
    #[serde(default)]
    pub template: Option<TemplateRef>,
    /// The agent who sent an outbound message.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// A customer text's sentiment, once read (off the webhook's path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<crate::domain::sentiment::Sentiment>,
    /// A reply's scoped idempotency key (agent and `Idempotency-Key`): how an erasure finds
    /// the key's record, which keeps the reply's answer for 24 hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// The template of an outbound message: Twilio Content API `HX…` id and its variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRef {
    pub content_sid: String,
    pub variables: std::collections::BTreeMap<String, String>,
    /// Its name and filled-in text, when the approved template was known at sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl MessageRecord {
    pub fn inbound(
        msg: &InboundMessage,
        conversation_id: &ConversationId,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: msg.message_sid.as_str().to_owned(),
            conversation_id: conversation_id.as_str().to_owned(),
            direction: Direction::Inbound,
            body: msg.body().map(str::to_owned),
            media: msg.media(),
            location: msg.location(),
            button: msg.button(),
            referral: msg.referral(),
            replied_to: msg.replied_to().map(str::to_owned),
            status: MessageStatus::Received,
            error_code: None,
            error_message: None,
            created_at: at,
            params: msg.params().to_vec(),
            template: None,
            agent_id: None,
            sentiment: None,
            idempotency_key: None,
        }
    }

    /// An agent's reply as recorded before Twilio is called: status `pending`, a local id.
    /// What an outbound message says, as it would be sent again; `None` for an inbound one or a
    /// record that is no reply.
    pub fn content(&self) -> Option<ReplyContent> {
        if self.direction != Direction::Outbound {
            return None;
        }
        match (&self.template, self.media.first(), &self.body) {
            (Some(t), _, _) => Some(ReplyContent::Template {
                content_sid: t.content_sid.clone(),
                variables: t.variables.clone(),
                shown: t
                    .name
                    .clone()
                    .zip(t.text.clone())
                    .map(|(name, text)| crate::domain::TemplateText { name, text }),
            }),
            (None, Some(media), caption) => Some(ReplyContent::Media {
                url: media.url.clone(),
                caption: caption.clone(),
            }),
            (None, None, Some(body)) => Some(ReplyContent::Text { body: body.clone() }),
            (None, None, None) => None,
        }
    }

    pub fn outbound(
        id: String,
        conversation_id: &ConversationId,
        agent_id: &str,
        content: &ReplyContent,
        at: DateTime<Utc>,
    ) -> Self {
        let (body, media, template) = match content {
            ReplyContent::Text { body } => (Some(body.clone()), vec![], None),
            ReplyContent::Media { url, caption } => (
                caption.clone(),
                vec![Media {
                    url: url.clone(),
                    content_type: None,
                }],
                None,
            ),
            ReplyContent::Template {
                content_sid,
                variables,
                shown,
            } => (
                None,
                vec![],
                Some(TemplateRef {
                    content_sid: content_sid.clone(),
                    variables: variables.clone(),
                    name: shown.as_ref().map(|s| s.name.clone()),
                    text: shown.as_ref().map(|s| s.text.clone()),
                }),
            ),
        };
        Self {
            id,
            conversation_id: conversation_id.as_str().to_owned(),
            direction: Direction::Outbound,
            body,
            media,
            location: None,
            button: None,
            referral: None,
            replied_to: None,
            status: MessageStatus::Pending,
            error_code: None,
            error_message: None,
            created_at: at,
            params: vec![],
            template,
            agent_id: Some(agent_id.to_owned()),
            sentiment: None,
            idempotency_key: None,
        }
    }
}

/// Whether a conditional insert wrote anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Inserted,
    Duplicate,
}

/// Whether a status callback moved a message's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusApplied {
    Advanced,
    Ignored,
}

/// Customers' sessions and the messages of their conversations.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// One customer's session item as it is now (a strongly consistent read).
    async fn session(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError>;

    /// Moves an open session's window forward to `touch.at`, only while the session is still
    /// `touch.conversation_id`'s, open at `touch.at`, not closed, and counting from an earlier
    /// message. When that does not hold, the session as it was (`None`: no item).
    async fn refresh_session(
        &self,
        touch: &SessionTouch,
    ) -> Result<Result<(), Option<SessionRecord>>, StoreError>;

    /// Creates the session and its conversation `touch.conversation_id` at once, only if the
    /// session is absent, expired at `touch.at`, or closed before it; `previous` (the session
    /// replaced) keeps its conversation's exact `last_inbound_at`.
    async fn start_session(
        &self,
        touch: &SessionTouch,
        previous: Option<&SessionRecord>,
    ) -> Result<SessionStart, StoreError>;

    /// The session items that exist for these keys (expired ones included).
    async fn sessions(&self, keys: &[SessionKey]) -> Result<Vec<SessionRecord>, StoreError>;

    /// Stores an inbound message once, before its session moves; a sid stored before is a
    /// [`InboundStored::Duplicate`] carrying the first record.
    async fn put_inbound(&self, message: &MessageRecord) -> Result<InboundStored, StoreError>;

    /// Moves a stored message from conversation `from` to `to` (a lost race for a new
    /// conversation); answers the conversation the message is in afterwards.
    async fn relink_message(
        &self,
        sid: &MessageSid,
        from: &ConversationId,
        to: &ConversationId,
    ) -> Result<ConversationId, StoreError>;

    /// Stores a message once: a second message with the same id is a [`Stored::Duplicate`].
    async fn put_message(&self, message: &MessageRecord) -> Result<Stored, StoreError>;

    /// Moves a message's status forward only (by [`MessageStatus::rank`]).
    async fn apply_status(
        &self,
        callback: &StatusCallback,
        at: DateTime<Utc>,
    ) -> Result<StatusApplied, StoreError>;

    async fn message(&self, id: &MessageSid) -> Result<Option<MessageRecord>, StoreError>;

    /// The transcript, oldest first.
    async fn conversation_messages(
        &self,
        id: &ConversationId,
    ) -> Result<Vec<MessageRecord>, StoreError>;
}
