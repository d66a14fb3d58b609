//! Offer mode's events: `conversation.offered` to the one agent a request is offered to,
//! `conversation.offer_expired` or `conversation.offer_withdrawn` when it leaves them unanswered,
//! `agent.missed` when routing set them away for it, and `conversation.overflow` to supervisors
//! when a request waits too long.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::customer::{Keyed, contact_of, customer};
use super::requested::requested;
use crate::app::views::rfc3339;
use crate::domain::{MISSES_BEFORE_AWAY, OfferEnd};
use crate::ports::{ChannelStore, ConversationRecord, Notification, StoreError};

/// Offered to `agent`: what `conversation.requested` carries, plus the offer's expiry.
pub(super) async fn on_offered(
    store: &dyn ChannelStore,
    key: &str,
    agent: &str,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let contact = contact_of(store, &conversation.customer).await?;
    let mut notification = requested(conversation, contact.as_ref(), vec![agent.to_owned()], now);
    notification.event_type = "conversation.offered".into();
    let body = &mut notification.body;
    body["event_type"] = json!("conversation.offered");
    body["agent_id"] = json!(agent);
    body["offer_expires_at"] = json!(conversation.offer_expires_at.map(rfc3339));
    body["offer_timeout_seconds"] = json!(
        conversation
            .offer_expires_at
            .map(|at| (at - now).num_seconds().max(0))
    );
    Ok(vec![(key.to_owned(), notification)])
}

/// The offer to `agent` ended without an accept: they hear it expired, or was withdrawn when
/// they went away; a reject was their own doing and needs no word.
pub(super) fn on_offer_ended(
    key: &str,
    agent: &str,
    how: OfferEnd,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Keyed {
    let event_type = match how {
        OfferEnd::Rejected => return Vec::new(),
        OfferEnd::Expired => "conversation.offer_expired",
        OfferEnd::Withdrawn => "conversation.offer_withdrawn",
    };
    vec![(
        key.to_owned(),
        Notification {
            event_type: event_type.into(),
            business_number: conversation.business.clone(),
            agent_ids: vec![agent.to_owned()],
            authenticated: false,
            supervisors: false,
            body: json!({
                "event_type": event_type,
                "conversation_id": conversation.id,
                "business_number": conversation.business,
                "agent_id": agent,
                "reason": how.as_str(),
                "published_at": rfc3339(now),
            }),
        },
    )]
}

/// Routing set `agent` away after offers in a row expired.
pub(super) fn on_missed(key: &str, agent: &str, now: DateTime<Utc>) -> Keyed {
    vec![(
        key.to_owned(),
        Notification {
            event_type: "agent.missed".into(),
            business_number: String::new(),
            agent_ids: vec![agent.to_owned()],
            authenticated: false,
            supervisors: false,
            body: json!({
                "event_type": "agent.missed",
                "agent_id": agent,
                "presence": "away",
                "missed": MISSES_BEFORE_AWAY,
                "message": format!(
                    "You were set to Away because {MISSES_BEFORE_AWAY} offers in a row expired \
                     unanswered. Set yourself Available to receive requests again."
                ),
                "published_at": rfc3339(now),
            }),
        },
    )]
}

/// A request still waiting after `OVERFLOW_AFTER_SECONDS`: to supervisors only.
pub(super) async fn on_overflow(
    store: &dyn ChannelStore,
    key: &str,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(vec![(
        key.to_owned(),
        Notification {
            event_type: "conversation.overflow".into(),
            business_number: conversation.business.clone(),
            agent_ids: Vec::new(),
            authenticated: contact.is_some(),
            supervisors: true,
            body: json!({
                "event_type": "conversation.overflow",
                "conversation_id": conversation.id,
                "business_number": conversation.business,
                "customer": customer(conversation, contact.as_ref()),
                "offered_to": conversation.offered_to,
                "requested_at": rfc3339(conversation.started_at),
                "wait_seconds": (now - conversation.started_at).num_seconds().max(0),
                "published_at": rfc3339(now),
            }),
        },
    )])
}
