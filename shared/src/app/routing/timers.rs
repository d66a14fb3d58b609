//! What a due timer does. Each names what it acts on (an offer by its number, a request), and
//! acts only through a conditional write, so a timer delivered twice, or late, does nothing.

use chrono::{DateTime, Utc};

use super::RoutingError;
use crate::domain::{ConversationId, OfferEnd, Presence, SessionWindow, missed_too_often};
use crate::ports::{ChannelStore, ConversationState, MISSED_OFFERS, OfferEnded, Timer, TimerKind};

/// What a timer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerOutcome {
    /// Not due yet (a queue may deliver early only when asked to wait longer than it can):
    /// schedule it again.
    NotYet,
    /// The offer expired; `set_away` when it was the agent's second in a row.
    OfferExpired { business: String, set_away: bool },
    /// The request was raised to supervisors.
    Overflowed { business: String },
    /// The wrap-up hold on the agent's capacity ended without an outcome.
    WrapUpEnded { agent_id: String },
    /// Nothing to do any more: accepted, ended, closed, or done already.
    Moot,
}

/// Runs a due timer.
pub async fn on_timer(
    store: &dyn ChannelStore,
    timer: &Timer,
    now: DateTime<Utc>,
) -> Result<TimerOutcome, RoutingError> {
    if timer.due_at > now {
        return Ok(TimerOutcome::NotYet);
    }
    match &timer.kind {
        TimerKind::OfferExpiry {
            conversation_id,
            agent_id,
            seq,
        } => {
            let ended = store
                .end_offer(conversation_id, agent_id, *seq, OfferEnd::Expired, now)
                .await?;
            let OfferEnded::Ended {
                conversation,
                misses,
            } = ended
            else {
                return Ok(TimerOutcome::Moot);
            };
            let set_away = missed_too_often(misses);
            if set_away {
                // Only an agent still available: one who changed their presence meanwhile
                // chose it themself.
                let available = store
                    .agent(agent_id)
                    .await?
                    .presence
                    .is_some_and(|p| p.status == Presence::Available);
                if available {
                    store
                        .set_presence_because(agent_id, Presence::Away, Some(MISSED_OFFERS), now)
                        .await?;
                }
                store.forgive_misses(agent_id).await?;
            }
            Ok(TimerOutcome::OfferExpired {
                business: conversation.business,
                set_away,
            })
        }
        TimerKind::Overflow { conversation_id } => {
            let Ok(id) = ConversationId::parse(conversation_id) else {
                return Ok(TimerOutcome::Moot);
            };
            let Some(conversation) = store.conversation(&id).await? else {
                return Ok(TimerOutcome::Moot);
            };
            let waiting = conversation.state == ConversationState::Requested
                && SessionWindow::new(conversation.last_inbound_at).is_open_at(now);
            if waiting && store.mark_overflow(conversation_id, now).await? {
                Ok(TimerOutcome::Overflowed {
                    business: conversation.business,
                })
            } else {
                Ok(TimerOutcome::Moot)
            }
        }
        TimerKind::WrapUpEnd {
            conversation_id,
            agent_id,
        } => {
            // The hold's removal goes through the stream, where routing offers the agent what
            // waits. Gone already (the outcome was sent): nothing to do.
            if store.release_wrap_up(agent_id, conversation_id).await? {
                Ok(TimerOutcome::WrapUpEnded {
                    agent_id: agent_id.clone(),
                })
            } else {
                Ok(TimerOutcome::Moot)
            }
        }
    }
}
