//! An inbound customer message: stored once, durable before its session's window moves, and the
//! window counted from the time the message was first received.
//!
//! The order is the rule. The message is written first (`put_inbound`, conditional on its sid),
//! then the session. A crash, a timeout or a failed write between the two leaves a stored message
//! whose window has not moved yet; Twilio's retry of the same sid finds the first record and
//! completes the work from that record's time, so a retry or a replay never gives the customer a
//! later window than WhatsApp does, and never a second message or conversation.

use chrono::{DateTime, Utc};

use crate::domain::{
    ConversationId, ConversationState, InboundMessage, SessionDecision, SessionWindow,
};
use crate::ports::{
    ChannelStore, Clock, InboundStored, MessageRecord, SessionKey, SessionRecord, SessionStart,
    SessionTouch, StoreError, Stored,
};

/// Lost races (a concurrent first message, a close, the window ending) are settled by reading
/// the session again; this many steps before giving up with a 5xx that Twilio retries.
const STEPS: usize = 8;

/// What storing an inbound message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundReceipt {
    pub conversation_id: ConversationId,
    /// What this request did to the session: `Start` when it created the conversation.
    pub session: SessionDecision,
    pub stored: Stored,
    /// The customer's answer to the CSAT survey (1–5) when this message was one: stored on the
    /// closed conversation, no new request.
    pub csat: Option<u8>,
}

/// The next step for a stored message at `at` in conversation `conversation`, given the
/// customer's session as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing left to do: the session already counts from this message or a later one.
    Settled,
    /// Refresh the open session's window to `at`.
    Refresh,
    /// Create the session and the message's conversation (which may not exist yet).
    Start,
    /// The message belongs to the session's current conversation: move it there.
    Join(ConversationId),
    /// The message's conversation exists but it can no longer take the message (closed or
    /// expired): move it to a new conversation.
    NewConversation,
    /// The customer answers a conversation the business started (its session awaits them):
    /// the same conversation continues, its window opening now (desk/start.rs).
    Continue,
}

/// The session rule for a stored message, decided from the session as it is now.
/// `conversation_exists`: whether the message's conversation is known to exist (it came from
/// the session), as opposed to an id generated for a conversation not created yet.
pub(crate) fn step(
    session: Option<&SessionRecord>,
    conversation: &ConversationId,
    at: DateTime<Utc>,
    conversation_exists: bool,
) -> Step {
    let Some(session) = session else {
        return if conversation_exists {
            // Its conversation exists and its session is gone: an old message replayed.
            Step::Settled
        } else {
            Step::Start
        };
    };
    if session.awaits_customer() && session.conversation_id == conversation.as_str() {
        return Step::Continue;
    }
    let open_at = !(session.state == ConversationState::Closed)
        && SessionWindow::new(session.last_inbound_at).is_open_at(at);
    let ours = session.conversation_id == conversation.as_str();
    if session.last_inbound_at >= at {
        return match (ours, conversation_exists) {
            // Applied already, or a later message counts: the window never moves back.
            (true, _) | (false, true) => Step::Settled,
            // Its conversation was never created and a newer one holds the session.
            (false, false) => join(session),
        };
    }
    match (ours, open_at) {
        (true, true) => Step::Refresh,
        (true, false) => Step::NewConversation,
        (false, true) => join(session),
        (false, false) if conversation_exists => Step::NewConversation,
        (false, false) => Step::Start,
    }
}

fn join(session: &SessionRecord) -> Step {
    match ConversationId::parse(&session.conversation_id) {
        Ok(id) => Step::Join(id),
        // A corrupt session id: start a conversation of our own rather than lose the message.
        Err(_) => Step::Start,
    }
}

/// Stores an inbound message once, then opens, refreshes or keeps the customer's session.
pub async fn receive_inbound(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    message: &InboundMessage,
) -> Result<InboundReceipt, StoreError> {
    // At the precision the store keeps (milliseconds), so that the time read back from a
    // stored message or session compares equal to the time it was written with.
    let now = clock.now();
    let now = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    let key = SessionKey {
        business: message.to.clone(),
        customer: message.from.clone(),
    };
    let mut session = store.session(&key).await?;
    if let Some(receipt) = csat_answer(store, message, session.as_ref(), now).await? {
        return Ok(receipt);
    }
    // Where the message goes if it is new: the open session's conversation, or a new one.
    let (planned, exists) = match session.as_ref() {
        Some(s)
            if s.awaits_customer()
                || (s.state != ConversationState::Closed
                    && SessionWindow::new(s.last_inbound_at).is_open_at(now)) =>
        {
            match ConversationId::parse(&s.conversation_id) {
                Ok(id) => (id, true),
                Err(_) => (ConversationId::generate(), false),
            }
        }
        _ => (ConversationId::generate(), false),
    };
    let record = MessageRecord::inbound(message, &planned, now);
    let (mut conversation, at, stored, mut exists) = match store.put_inbound(&record).await? {
        InboundStored::Inserted => (planned, now, Stored::Inserted, exists),
        InboundStored::Duplicate(first) => {
            let id = ConversationId::parse(&first.conversation_id)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            // Its conversation exists unless the first delivery stopped before creating it; only
            // worth a read when the session is another conversation's.
            let exists = match session.as_ref() {
                Some(s) if s.conversation_id == first.conversation_id => true,
                _ => store.conversation(&id).await?.is_some(),
            };
            (id, first.created_at, Stored::Duplicate, exists)
        }
    };
    let touch = |conversation: &ConversationId| SessionTouch {
        key: key.clone(),
        conversation_id: conversation.clone(),
        at,
        profile_name: message.profile_name().map(str::to_owned),
        preview: Some(message.preview()),
        ad: message
            .referral()
            .and_then(|r| r.ad_in(conversation.as_str(), message.message_sid.as_str())),
    };
    let sid = &message.message_sid;
    let receipt = |conversation: ConversationId, session: SessionDecision| InboundReceipt {
        conversation_id: conversation,
        session,
        stored,
        csat: None,
    };
    for _ in 0..STEPS {
        let next = step(session.as_ref(), &conversation, at, exists);
        tracing::debug!(message_sid = %sid, step = ?next, exists, conversation = %conversation, "inbound step");
        match next {
            Step::Settled => {
                let decision = match stored {
                    Stored::Inserted => SessionDecision::KeepNewer,
                    Stored::Duplicate => SessionDecision::Refresh,
                };
                return Ok(receipt(conversation, decision));
            }
            Step::Refresh => match store.refresh_session(&touch(&conversation)).await? {
                Ok(()) => return Ok(receipt(conversation, SessionDecision::Refresh)),
                Err(now) => session = now,
            },
            Step::Start => match store
                .start_session(&touch(&conversation), session.as_ref())
                .await?
            {
                SessionStart::Started => return Ok(receipt(conversation, SessionDecision::Start)),
                SessionStart::SessionChanged => session = store.session(&key).await?,
                SessionStart::ConversationExists => exists = true,
            },
            Step::Join(to) => {
                conversation = store.relink_message(sid, &conversation, &to).await?;
                exists = conversation == to || exists;
            }
            Step::Continue => match session.as_ref() {
                Some(awaiting)
                    if store
                        .continue_started(&touch(&conversation), awaiting)
                        .await? =>
                {
                    return Ok(receipt(conversation, SessionDecision::Refresh));
                }
                _ => session = store.session(&key).await?,
            },
            Step::NewConversation => {
                let to = ConversationId::generate();
                conversation = store.relink_message(sid, &conversation, &to).await?;
                exists = conversation != to;
            }
        }
    }
    Err(StoreError::Unavailable(
        "the session kept changing under concurrent requests".into(),
    ))
}

/// A customer's answer to the CSAT survey, while the closed conversation's session waits for
/// one (`csat_until`): the message is stored in that conversation, the score on it (the first
/// answer only), and no request is opened. Anything else is an ordinary message.
async fn csat_answer(
    store: &dyn ChannelStore,
    message: &InboundMessage,
    session: Option<&SessionRecord>,
    now: DateTime<Utc>,
) -> Result<Option<InboundReceipt>, StoreError> {
    let Some(session) = session.filter(|s| {
        s.state == ConversationState::Closed && s.csat_until.is_some_and(|until| now < until)
    }) else {
        return Ok(None);
    };
    let payload = message.button().and_then(|b| b.payload);
    let Some(score) = crate::domain::outcomes::csat_score(message.body(), payload.as_deref())
    else {
        return Ok(None);
    };
    let Ok(conversation) = ConversationId::parse(&session.conversation_id) else {
        return Ok(None);
    };
    let record = MessageRecord::inbound(message, &conversation, now);
    let (stored, at, in_conversation) = match store.put_inbound(&record).await? {
        InboundStored::Inserted => (Stored::Inserted, now, true),
        InboundStored::Duplicate(first) => (
            Stored::Duplicate,
            first.created_at,
            first.conversation_id == conversation.as_str(),
        ),
    };
    if !in_conversation {
        // A replay of a message that went elsewhere the first time: handled as it was then.
        return Ok(None);
    }
    store
        .record_csat(&conversation, &crate::ports::CsatRecord { score, at })
        .await?;
    Ok(Some(InboundReceipt {
        conversation_id: conversation,
        session: SessionDecision::KeepNewer,
        stored,
        csat: Some(score),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
            + TimeDelta::hours(h)
    }

    fn session(id: &ConversationId, last: i64, state: ConversationState) -> SessionRecord {
        SessionRecord {
            business: "whatsapp:+14155238886".into(),
            customer: "whatsapp:+15005550006".into(),
            conversation_id: id.as_str().to_owned(),
            profile_name: None,
            state,
            assigned_agent: None,
            started_at: at(0),
            last_inbound_at: at(last),
            csat_until: None,
        }
    }

    #[test]
    fn a_message_in_an_open_session_refreshes_it() {
        let c = ConversationId::generate();
        let s = session(&c, 0, ConversationState::Active);
        assert_eq!(step(Some(&s), &c, at(2), true), Step::Refresh);
    }

    #[test]
    fn a_retry_of_a_message_already_counted_changes_nothing() {
        let c = ConversationId::generate();
        let s = session(&c, 2, ConversationState::Active);
        assert_eq!(step(Some(&s), &c, at(2), true), Step::Settled);
    }

    #[test]
    fn a_replay_after_the_window_ended_opens_no_conversation() {
        let c = ConversationId::generate();
        let s = session(&c, 2, ConversationState::Active);
        assert_eq!(step(Some(&s), &c, at(1), true), Step::Settled);
        assert_eq!(step(None, &c, at(1), true), Step::Settled);
    }

    #[test]
    fn a_stored_message_whose_window_never_moved_moves_it_from_its_first_receipt() {
        let c = ConversationId::generate();
        let s = session(&c, 0, ConversationState::Active);
        // Stored at 23 h, the session write lost; retried any time later: refresh to 23 h.
        assert_eq!(step(Some(&s), &c, at(23), true), Step::Refresh);
    }

    #[test]
    fn an_answer_to_a_business_started_conversation_continues_it() {
        let c = ConversationId::generate();
        let mut s = session(&c, 0, ConversationState::Active);
        s.last_inbound_at = crate::ports::desk::NEVER;
        assert_eq!(step(Some(&s), &c, at(2), true), Step::Continue);
        // Closed before the customer answered: the answer is a new request.
        s.state = ConversationState::Closed;
        assert_eq!(step(Some(&s), &c, at(2), true), Step::NewConversation);
    }

    #[test]
    fn a_first_message_starts_its_conversation() {
        let c = ConversationId::generate();
        assert_eq!(step(None, &c, at(0), false), Step::Start);
    }

    #[test]
    fn a_message_that_lost_the_race_for_a_new_conversation_joins_the_winner() {
        let winner = ConversationId::generate();
        let ours = ConversationId::generate();
        let s = session(&winner, 0, ConversationState::Requested);
        assert_eq!(
            step(Some(&s), &ours, at(0), false),
            Step::Join(winner.clone())
        );
        let s = session(&winner, 1, ConversationState::Requested);
        assert_eq!(step(Some(&s), &ours, at(0), false), Step::Join(winner));
    }

    #[test]
    fn a_message_after_a_close_or_the_window_end_goes_to_a_new_conversation() {
        let c = ConversationId::generate();
        let closed = session(&c, 0, ConversationState::Closed);
        assert_eq!(step(Some(&closed), &c, at(1), true), Step::NewConversation);
        let expired = session(&c, 0, ConversationState::Active);
        assert_eq!(
            step(Some(&expired), &c, at(25), true),
            Step::NewConversation
        );
        let other = ConversationId::generate();
        assert_eq!(step(Some(&expired), &other, at(25), false), Step::Start);
        assert_eq!(
            step(Some(&expired), &other, at(25), true),
            Step::NewConversation
        );
    }
}
