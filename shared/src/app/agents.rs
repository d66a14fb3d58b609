//! The agent's side: accept and close a conversation, set their presence, keep the customer
//! directory.

use chrono::{DateTime, TimeDelta, Utc};

use super::{ConversationView, load_context};
use crate::domain::{AgentId, ConversationId, Presence, WhatsAppAddress};
use crate::ports::{AcceptResult, ChannelStore, Clock, CloseResult, Contact, StoreError};

/// Accepting, as the agent sees it.
#[derive(Debug)]
pub enum AcceptAnswer {
    /// Accepted now (with the [`Acceptance`]), or already by this agent (an accept is safe to
    /// retry).
    Yours(Box<ConversationView>, Option<Acceptance>),
    Taken {
        by: Option<String>,
    },
    /// Offer mode: it is offered to another agent, or to nobody yet.
    NotOffered,
    /// It no longer waits for an agent.
    ConversationClosed,
    NotFound,
}

/// An accept that happened now, not a retry: how long the customer waited for an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// The conversation's business number.
    pub business: String,
    /// From the conversation request to this accept.
    pub waited: TimeDelta,
}

pub async fn accept_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    agent: &AgentId,
    may_pick: bool,
) -> Result<AcceptAnswer, StoreError> {
    let now = clock.now();
    Ok(
        match store.accept(id, agent.as_str(), may_pick, now).await? {
            AcceptResult::Accepted(c) => {
                let acceptance = Acceptance {
                    business: c.business.clone(),
                    waited: now - c.started_at,
                };
                let view = load_context(store, c).await?.view(clock);
                AcceptAnswer::Yours(Box::new(view), Some(acceptance))
            }
            AcceptResult::AlreadyYours(c) => {
                AcceptAnswer::Yours(Box::new(load_context(store, c).await?.view(clock)), None)
            }
            AcceptResult::Taken { by } => AcceptAnswer::Taken { by },
            AcceptResult::NotOffered => AcceptAnswer::NotOffered,
            AcceptResult::WrongState(_) => AcceptAnswer::ConversationClosed,
            AcceptResult::NotFound => AcceptAnswer::NotFound,
        },
    )
}

/// Closing, as the agent sees it.
#[derive(Debug)]
pub enum CloseAnswer {
    /// Closed now, or already by this agent.
    Done(Box<ConversationView>),
    NotAssigned,
    NotAccepted,
    NotFound,
}

pub async fn close_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    agent: &AgentId,
) -> Result<CloseAnswer, StoreError> {
    Ok(match store.close(id, agent.as_str(), clock.now()).await? {
        // Already closed too: a retry finishes what a crash left.
        CloseResult::Closed(c) | CloseResult::AlreadyClosed(c) => {
            crate::app::deferred::cancel_all_deferred(store, id).await?;
            CloseAnswer::Done(Box::new(load_context(store, c).await?.view(clock)))
        }
        CloseResult::NotAssigned => CloseAnswer::NotAssigned,
        CloseResult::NotAccepted => CloseAnswer::NotAccepted,
        CloseResult::NotFound => CloseAnswer::NotFound,
    })
}

/// Sets an agent's own presence; returns when it was set.
pub async fn set_presence(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    agent: &AgentId,
    presence: Presence,
) -> Result<DateTime<Utc>, StoreError> {
    let now = clock.now();
    store.set_presence(agent.as_str(), presence, now).await?;
    Ok(now)
}

/// Why a contact is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidContact {
    /// Not a JSON object.
    #[error("the body is not a JSON object")]
    Malformed,
    /// An object without a usable name or contact id.
    #[error("name and contact_id are required, non-empty strings")]
    Incomplete,
    /// Past the bounds that keep a conversation request's notification well inside SNS's
    /// 256 KB.
    #[error("the contact is larger than a contact may be")]
    TooLarge,
    /// A summary value the table cannot keep as given.
    #[error("{0}")]
    Unstorable(&'static str),
}

/// DynamoDB's number range: magnitudes from 1e-130 to below 1e126.
const MAX_NUMBER: f64 = 1e126;
const MIN_NUMBER: f64 = 1e-130;

/// Why a summary value could not be stored as given (DynamoDB refuses empty attribute names and
/// numbers out of its range; an empty map breaks DynamoDB Local's stream), if it could not.
fn unstorable(value: &serde_json::Value) -> Option<&'static str> {
    match value {
        serde_json::Value::Object(map) if map.is_empty() => {
            Some("summary objects must not be empty")
        }
        serde_json::Value::Object(map) => {
            if map.keys().any(String::is_empty) {
                return Some("summary field names must not be empty");
            }
            map.values().find_map(unstorable)
        }
        serde_json::Value::Array(items) => items.iter().find_map(unstorable),
        serde_json::Value::Number(n) => n
            .as_f64()
            .map(f64::abs)
            .filter(|m| *m >= MAX_NUMBER || (*m != 0.0 && *m < MIN_NUMBER))
            .map(|_| "summary numbers must be between 1e-130 and 1e126 in magnitude"),
        _ => None,
    }
}

/// A contact's bounds: its name and id in characters, its other fields as JSON bytes.
pub const MAX_CONTACT_NAME_CHARS: usize = 200;
pub const MAX_CONTACT_ID_CHARS: usize = 128;
pub const MAX_CONTACT_SUMMARY_BYTES: usize = 4096;

/// Reads a contact for `address` from a JSON object: `name`, `contact_id`, and the rest kept as
/// its summary.
pub fn parse_contact(address: &WhatsAppAddress, raw: &[u8]) -> Result<Contact, InvalidContact> {
    let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_slice(raw) else {
        return Err(InvalidContact::Malformed);
    };
    let text = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    };
    let (Some(name), Some(contact_id)) = (
        text(fields.remove("name")),
        text(fields.remove("contact_id")),
    ) else {
        return Err(InvalidContact::Incomplete);
    };
    fields.remove("address");
    if fields.keys().any(String::is_empty) {
        return Err(InvalidContact::Unstorable(
            "summary field names must not be empty",
        ));
    }
    if let Some(reason) = fields.values().find_map(unstorable) {
        return Err(InvalidContact::Unstorable(reason));
    }
    let summary_bytes = serde_json::to_vec(&fields).map_or(usize::MAX, |v| v.len());
    if name.chars().count() > MAX_CONTACT_NAME_CHARS
        || contact_id.chars().count() > MAX_CONTACT_ID_CHARS
        || summary_bytes > MAX_CONTACT_SUMMARY_BYTES
    {
        return Err(InvalidContact::TooLarge);
    }
    Ok(Contact {
        address: address.as_str().to_owned(),
        name,
        contact_id,
        summary: fields,
    })
}

/// Creates or replaces a contact; `true` when it is new.
pub async fn put_contact(store: &dyn ChannelStore, contact: &Contact) -> Result<bool, StoreError> {
    store.put_contact(contact).await
}

/// Why a presence body is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPresence {
    #[error("the body is not JSON")]
    Malformed,
    #[error("status is not a presence status")]
    UnknownStatus,
}

/// Reads `{"status": "available"|…}`.
pub fn parse_presence(raw: &[u8]) -> Result<Presence, InvalidPresence> {
    let body: serde_json::Value =
        serde_json::from_slice(raw).map_err(|_| InvalidPresence::Malformed)?;
    body["status"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or(InvalidPresence::UnknownStatus)
}
