//! What a change of the table means for agents: the one place that reads a stream record's old
//! and new items and names the event it raises, if any.

use chrono::{DateTime, Utc};

use crate::domain::sentiment::turned_negative;
use crate::domain::{ConversationState, OfferEnd, Presence, SessionWindow};
use crate::ports::{
    ChangeKind, ConversationRecord, Direction, MISSED_OFFERS, MessageRecord, SessionRecord,
    StoredItem, StreamChange,
};

/// What a change means for agents.
#[derive(Debug)]
pub(super) enum Meaning {
    Requested(ConversationRecord),
    Accepted(ConversationRecord),
    /// A request closed before anyone accepted it.
    RequestClosed(ConversationRecord),
    /// Handed from one agent (the first) to another.
    Transferred(Option<String>, ConversationRecord),
    MessageReceived(Box<MessageRecord>),
    StatusChanged(Box<MessageRecord>),
    WindowClosed(SessionRecord),
    AgentAvailable(String, DateTime<Utc>),
    /// Offer mode: offered to this agent now.
    Offered(String, ConversationRecord),
    /// Offer mode: the offer to this agent ended without an accept.
    OfferEnded(String, OfferEnd, ConversationRecord),
    /// Waited past `OVERFLOW_AFTER_SECONDS`.
    Overflowed(ConversationRecord),
    /// Routing set the agent away: offers in a row expired.
    MissedOffers(String),
    /// The customer's rolling sentiment turned negative.
    SentimentNegative(ConversationRecord),
    Nothing,
}

pub(super) fn meaning(change: &StreamChange, now: DateTime<Utc>) -> Meaning {
    use StoredItem as I;
    match (change.kind, change.old.as_ref(), change.new.as_ref()) {
        // A business-started conversation is inserted already assigned: no request.
        (ChangeKind::Insert, _, Some(I::Conversation(new)))
            if new.state == ConversationState::Requested =>
        {
            Meaning::Requested(new.clone())
        }
        // Assist's write of the rolling sentiment changes nothing else of the conversation.
        (ChangeKind::Modify, Some(I::Conversation(old)), Some(I::Conversation(new)))
            if turned_negative(old.sentiment.as_ref(), new.sentiment.as_ref()) =>
        {
            Meaning::SentimentNegative(new.clone())
        }
        (ChangeKind::Modify, Some(I::Conversation(old)), Some(I::Conversation(new)))
            if old.state == ConversationState::Requested
                && new.state == ConversationState::Active =>
        {
            // The agent it was offered to (if any) learns it was taken.
            let mut accepted = new.clone();
            accepted.offered_to = old.offered_to.clone();
            Meaning::Accepted(accepted)
        }
        (ChangeKind::Modify, Some(I::Conversation(old)), Some(I::Conversation(new)))
            if old.state == ConversationState::Requested
                && new.state == ConversationState::Closed =>
        {
            let mut closed = new.clone();
            closed.offered_to = old.offered_to.clone();
            Meaning::RequestClosed(closed)
        }
        (ChangeKind::Modify, Some(I::Conversation(old)), Some(I::Conversation(new)))
            if new.state == ConversationState::Requested =>
        {
            match (&old.offered_to, &new.offered_to) {
                (_, Some(agent)) if old.offered_to != new.offered_to => {
                    Meaning::Offered(agent.clone(), new.clone())
                }
                (Some(agent), None) => Meaning::OfferEnded(
                    agent.clone(),
                    new.offer_ended.unwrap_or(OfferEnd::Withdrawn),
                    new.clone(),
                ),
                _ if old.overflowed_at.is_none() && new.overflowed_at.is_some() => {
                    Meaning::Overflowed(new.clone())
                }
                _ => Meaning::Nothing,
            }
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
                (Presence::Away, _)
                    if was_available && new.reason.as_deref() == Some(MISSED_OFFERS) =>
                {
                    Meaning::MissedOffers(new.agent_id.clone())
                }
                _ => Meaning::Nothing,
            }
        }
        _ => Meaning::Nothing,
    }
}
