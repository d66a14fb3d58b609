//! Ports: what the use cases need from the outside world, and the records they exchange.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    ButtonReply, ConversationId, InboundMessage, Location, Media, MessageSid, MessageStatus,
    Referral, SessionDecision, StatusCallback, WhatsAppAddress,
};

/// The time, injected so that the 24-hour rule is testable.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// A storage failure: the request did not complete, or an item could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store did not complete the request")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("a stored item could not be read: {0}")]
    Corrupt(String),
}

/// A conversation's lifecycle as stored. Whether its window is open is never stored: it is
/// decided from `last_inbound_at` on every read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Waiting for an agent to accept.
    Requested,
    /// Accepted by an agent.
    Active,
    /// Closed by an agent.
    Closed,
}

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
}

/// An inbound message's effect on its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTouch {
    pub key: SessionKey,
    pub at: DateTime<Utc>,
    pub profile_name: Option<String>,
    /// What the message says, shortened: kept on a new conversation for its request.
    pub preview: Option<String>,
}

impl SessionTouch {
    /// A new session and its conversation, `requested`, from this message.
    pub fn start(&self) -> (SessionRecord, ConversationRecord) {
        let id = ConversationId::generate();
        let session = SessionRecord {
            business: self.key.business.as_str().to_owned(),
            customer: self.key.customer.as_str().to_owned(),
            conversation_id: id.as_str().to_owned(),
            profile_name: self.profile_name.clone(),
            state: ConversationState::Requested,
            assigned_agent: None,
            started_at: self.at,
            last_inbound_at: self.at,
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
        };
        (session, conversation)
    }
}

/// What [`SessionStore::touch_session`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTouched {
    pub conversation_id: ConversationId,
    pub decision: SessionDecision,
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
}

/// A conversation: one session of a customer, durable after the session item is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRecord {
    pub id: String,
    pub business: String,
    pub customer: String,
    #[serde(default)]
    pub profile_name: Option<String>,
    pub state: ConversationState,
    #[serde(default)]
    pub assigned_agent: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub started_at: DateTime<Utc>,
    /// Exact while the conversation is current; set again when a later session replaces it
    /// or when its session item expires.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub last_inbound_at: DateTime<Utc>,
    /// The first message, shortened, for the conversation request.
    #[serde(default)]
    pub preview: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Serialize for MessageStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MessageStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
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
}

/// The template of an outbound message: Twilio Content API `HX…` id and its variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRef {
    pub content_sid: String,
    pub variables: std::collections::BTreeMap<String, String>,
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
        }
    }

    /// An agent's reply as recorded before Twilio is called: status `pending`, a local id.
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
            } => (
                None,
                vec![],
                Some(TemplateRef {
                    content_sid: content_sid.clone(),
                    variables: variables.clone(),
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
        }
    }
}

/// What accepting a conversation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptOutcome {
    Accepted(ConversationRecord),
    /// The caller had already accepted it: the same answer again.
    AlreadyYours(ConversationRecord),
    /// Another agent accepted it first.
    Taken {
        by: Option<String>,
    },
    /// It is not waiting for an agent (closed).
    WrongState(ConversationState),
    NotFound,
}

impl ConversationRecord {
    /// Why `agent` cannot accept it now, if they cannot (`None`: it waits for an agent).
    pub fn accept_refusal(&self, agent: &str) -> Option<AcceptOutcome> {
        match self.state {
            ConversationState::Requested => None,
            ConversationState::Active if self.assigned_agent.as_deref() == Some(agent) => {
                Some(AcceptOutcome::AlreadyYours(self.clone()))
            }
            ConversationState::Active => Some(AcceptOutcome::Taken {
                by: self.assigned_agent.clone(),
            }),
            state => Some(AcceptOutcome::WrongState(state)),
        }
    }

    /// Why `agent` cannot close it now, if they cannot (`None`: theirs and active).
    pub fn close_refusal(&self, agent: &str) -> Option<CloseOutcome> {
        if self.assigned_agent.as_deref() != Some(agent) {
            return Some(match self.state {
                ConversationState::Requested => CloseOutcome::NotAccepted,
                _ => CloseOutcome::NotAssigned,
            });
        }
        (self.state == ConversationState::Closed).then(|| CloseOutcome::AlreadyClosed(self.clone()))
    }
}

/// What closing a conversation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseOutcome {
    Closed(ConversationRecord),
    AlreadyClosed(ConversationRecord),
    /// The caller is not its assigned agent.
    NotAssigned,
    /// Nobody accepted it yet.
    NotAccepted,
    NotFound,
}

/// A reply's answer, kept under its idempotency key so a retry gets the same one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// An idempotency key's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// Scoped key: agent and the client's `Idempotency-Key`.
    pub key: String,
    /// Hash of the conversation and the request: the same key with another body is refused.
    pub fingerprint: String,
    /// The outbound message recorded for it.
    pub message_id: String,
    /// `None` while the first request is still sending.
    #[serde(default)]
    pub response: Option<StoredResponse>,
}

/// Whether a reply's idempotency key was free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This request owns the key; its pending message is recorded.
    Claimed,
    /// The key was used before.
    Existing(IdempotencyRecord),
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

/// Sessions, conversations and messages: the one table.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Opens, refreshes or keeps the customer's session for an inbound message at `touch.at`,
    /// following [`crate::domain::decide_session`]. Concurrent first messages make one session.
    async fn touch_session(&self, touch: &SessionTouch) -> Result<SessionTouched, StoreError>;

    /// Stores a message once: a second message with the same id is a [`Stored::Duplicate`].
    async fn put_message(&self, message: &MessageRecord) -> Result<Stored, StoreError>;

    /// Moves a message's status forward only (by [`MessageStatus::rank`]).
    async fn apply_status(
        &self,
        callback: &StatusCallback,
        at: DateTime<Utc>,
    ) -> Result<StatusApplied, StoreError>;

    async fn message(&self, id: &MessageSid) -> Result<Option<MessageRecord>, StoreError>;

    /// Newest first, at most `limit`.
    async fn list_conversations(&self, limit: usize)
    -> Result<Vec<ConversationRecord>, StoreError>;

    async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError>;

    /// The transcript, oldest first.
    async fn conversation_messages(
        &self,
        id: &ConversationId,
    ) -> Result<Vec<MessageRecord>, StoreError>;

    /// The session items that exist for these keys (expired ones included).
    async fn sessions(&self, keys: &[SessionKey]) -> Result<Vec<SessionRecord>, StoreError>;

    /// Records a conversation's final `last_inbound_at` (when its session item expires); never
    /// moves it back.
    async fn settle_conversation(
        &self,
        id: &ConversationId,
        last_inbound_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Assigns a waiting conversation to `agent`; exactly one of concurrent accepts wins.
    async fn accept(
        &self,
        id: &ConversationId,
        agent: &str,
        at: DateTime<Utc>,
    ) -> Result<AcceptOutcome, StoreError>;

    /// Closes an accepted conversation, by its assigned agent only.
    async fn close(
        &self,
        id: &ConversationId,
        agent: &str,
        at: DateTime<Utc>,
    ) -> Result<CloseOutcome, StoreError>;

    /// Takes an idempotency key and records the pending outbound message, atomically.
    async fn claim_reply(
        &self,
        claim: &IdempotencyRecord,
        pending: &MessageRecord,
        expires_at: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError>;

    async fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;

    /// Twilio accepted the reply: the pending record becomes the message `sent.id` (its sid),
    /// keeping any status a callback already delivered, and the key keeps the response.
    async fn complete_reply(
        &self,
        key: &str,
        pending_id: &str,
        sent: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError>;

    /// The reply was not sent (or may not have been): the pending record keeps the outcome.
    async fn fail_reply(
        &self,
        key: &str,
        pending: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError>;
}

/// What an agent sends: free-form text, one media with an optional caption, or an approved
/// template (Twilio Content API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyContent {
    Text {
        body: String,
    },
    Media {
        url: String,
        caption: Option<String>,
    },
    Template {
        content_sid: String,
        variables: std::collections::BTreeMap<String, String>,
    },
}

impl ReplyContent {
    /// Free-form content is only allowed inside the 24-hour window; templates at any time.
    pub fn is_free_form(&self) -> bool {
        !matches!(self, Self::Template { .. })
    }
}

/// One message for Twilio's Messages API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// The customer, `whatsapp:+E164`.
    pub to: String,
    /// Our sender, `WHATSAPP_FROM`.
    pub from: String,
    pub content: ReplyContent,
    /// `TWILIO_STATUS_URL`, sent with every message.
    pub status_callback: String,
}

/// Twilio accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// `SM…`/`MM…`.
    pub sid: String,
    /// As Twilio answered it, normally `queued`.
    pub status: MessageStatus,
}

/// Why a message was not (or may not have been) sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Twilio answered with an error: nothing was sent.
    #[error("Twilio refused the message ({http_status}, code {code:?}): {message}")]
    Rejected {
        http_status: u16,
        code: Option<u32>,
        message: String,
    },
    /// Still rate limited (HTTP 429 / 20429) after the bounded retries: nothing was sent.
    #[error("Twilio is rate limiting this account")]
    RateLimited,
    /// No answer (connect failure, timeout): the message may or may not have been sent, so it is
    /// never retried.
    #[error("Twilio did not answer: {0}")]
    Unreachable(String),
}

/// Sends messages through Twilio's Messages API.
#[async_trait]
pub trait ReplySender: Send + Sync {
    async fn send(&self, request: &OutboundRequest) -> Result<SentMessage, SendError>;
}

/// One notification for agents (an SNS message): a JSON body and the attributes subscription
/// filter policies select on.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// `conversation.requested`, `conversation.accepted`, `window.closed`, `message.received`.
    pub event_type: String,
    /// The agents addressed (message attribute `agent_ids`, String.Array).
    pub agent_ids: Vec<String>,
    /// Whether the customer matched a known contact (message attribute `authenticated`).
    pub authenticated: bool,
    /// The message body, JSON.
    pub body: serde_json::Value,
}

/// Why a notification was not published; the stream record is retried.
#[derive(Debug, thiserror::Error)]
#[error("the notification could not be published")]
pub struct NotifyError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Publishes notifications to agents.
#[async_trait]
pub trait AgentNotifier: Send + Sync {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError>;
}

/// A known customer: a sender whose address matches a contact is *authenticated*.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// `whatsapp:+E164`.
    pub address: String,
    pub name: String,
    pub contact_id: String,
    /// Further summary fields for the agent (tier, account, open orders, …), kept as given.
    #[serde(default)]
    pub summary: serde_json::Map<String, serde_json::Value>,
}

/// An available agent and since when: a conversation request goes to the agents available when
/// it was made, and an agent who becomes available later gets the requests made before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailableAgent {
    pub agent_id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub available_since: DateTime<Utc>,
}

/// Agents' presence, the customer directory, and the markers that keep notifications single.
#[async_trait]
pub trait AgentDirectory: Send + Sync {
    async fn set_presence(
        &self,
        agent: &str,
        presence: crate::domain::Presence,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Available agents, each with the time they became available (kept while they stay so).
    async fn available_agents(&self) -> Result<Vec<AvailableAgent>, StoreError>;

    /// Creates or replaces a contact; `true` when it is new.
    async fn put_contact(&self, contact: &Contact) -> Result<bool, StoreError>;

    /// The contacts among these addresses.
    async fn contacts(&self, addresses: &[String]) -> Result<Vec<Contact>, StoreError>;

    /// Starts publishing the notification `key`: `false` when it was published before (a
    /// redelivered stream record), `true` when it is new or an earlier attempt did not finish.
    async fn begin_notification(&self, key: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Marks the notification `key` published.
    async fn finish_notification(&self, key: &str) -> Result<(), StoreError>;
}

/// The whole table: sessions, conversations, messages, agents and contacts.
pub trait ChannelStore: SessionStore + AgentDirectory {}

impl<T: SessionStore + AgentDirectory> ChannelStore for T {}
