//! Routing in `offer` mode: each waiting request is offered to one agent at a time, chosen by
//! presence, the numbers they serve and their load ([`crate::domain::choose_agent`]); an offer
//! ends in an accept, a reject, its timer, or the agent going away, and then the request goes
//! to the next agent. When nobody may take it, it waits, and the agent whose capacity frees
//! first is offered the oldest waiting request they may take.
//!
//! Every move is a conditional write of the store ([`crate::ports::RoutingStore`]): two offers
//! decided on the same read of an agent cannot both land, and a late or repeated timer, or a
//! redelivered stream record, finds the offer moved on and does nothing. The stream drives it
//! ([`on_change`]); the timers ([`timers::on_timer`]) and agents' rejects only end offers.

pub mod board;
pub mod reject;
pub mod timers;

use chrono::{DateTime, TimeDelta, Utc};

pub use crate::domain::routing::RoutingSettings;

use super::profiles::{AgentFacts, agent_facts};
use crate::domain::{
    ConversationId, ConversationState, OfferEnd, Presence, SessionWindow, choose_agent,
};
use crate::ports::{
    ChangeKind, ChannelStore, ConversationRecord, OfferEnded, OfferRecord, ScheduleError,
    StoreError, StoredItem, StreamChange, Timer, TimerKind, TimerQueue, WaitingRecord,
};

/// Why routing could not finish: the stream record (or the timer) is retried.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// Every attempt at an offer lost to a concurrent one: retried.
    #[error("every attempt at an offer lost to another offer")]
    Contended,
}

/// What routing did for one change, for the function's metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingReport {
    /// Offers made: (business number, how long the request had waited).
    pub offers: Vec<(String, TimeDelta)>,
    /// Requests left waiting because nobody may take them: their business numbers.
    pub waiting: Vec<String>,
}

impl RoutingReport {
    fn merge(&mut self, other: RoutingReport) {
        self.offers.extend(other.offers);
        self.waiting.extend(other.waiting);
    }
}

/// What routing needs: the store, the timers and the settings.
#[derive(Clone, Copy)]
pub struct Router<'a> {
    pub store: &'a dyn ChannelStore,
    pub timers: Option<&'a dyn TimerQueue>,
    pub settings: &'a RoutingSettings,
}

/// Attempts at one offer when another offer to the chosen agent lands first.
const OFFER_ATTEMPTS: usize = 4;
/// Waiting requests read when an agent's capacity frees.
const WAITING_PAGE: usize = 50;

/// Whether a request still waits for an agent at `now`: requested, and its window open.
fn still_waiting(conversation: &ConversationRecord, now: DateTime<Utc>) -> bool {
    conversation.state == ConversationState::Requested
        && SessionWindow::new(conversation.last_inbound_at).is_open_at(now)
}

impl Router<'_> {
    async fn conversation(&self, id: &str) -> Result<Option<ConversationRecord>, StoreError> {
        match ConversationId::parse(id) {
            Ok(id) => self.store.conversation(&id).await,
            Err(_) => Ok(None),
        }
    }

    async fn schedule(&self, timer: Timer) -> Result<(), ScheduleError> {
        match self.timers {
            Some(timers) => timers.schedule(&timer).await,
            None => Ok(()),
        }
    }

    /// Writes the offer of `conversation` to `agent` and starts its timer. `false`: the
    /// conversation or the agent changed since they were read.
    async fn offer(
        &self,
        conversation: &ConversationRecord,
        agent: &AgentFacts,
        now: DateTime<Utc>,
    ) -> Result<bool, RoutingError> {
        let offer = OfferRecord {
            agent_id: agent.agent_id.clone(),
            conversation_id: conversation.id.clone(),
            business: conversation.business.clone(),
            seq: conversation.offer_seq + 1,
            requested_at: conversation.started_at,
            offered_at: now,
            expires_at: now + self.settings.offer_timeout,
        };
        if !self
            .store
            .make_offer(conversation, &offer, agent.version())
            .await?
        {
            return Ok(false);
        }
        self.schedule(Timer {
            kind: TimerKind::OfferExpiry {
                conversation_id: offer.conversation_id,
                agent_id: offer.agent_id,
                seq: offer.seq,
            },
            due_at: offer.expires_at,
        })
        .await?;
        Ok(true)
    }

    /// The available agents' facts.
    async fn available(&self, now: DateTime<Utc>) -> Result<Vec<AgentFacts>, StoreError> {
        let ids: Vec<String> = self
            .store
            .available_agents()
            .await?
            .into_iter()
            .map(|a| a.agent_id)
            .collect();
        agent_facts(self.store, &ids, now).await
    }

    /// Offers a waiting request to the best eligible agent; when nobody may take it, records
    /// that it waits.
    pub async fn route(&self, id: &str, now: DateTime<Utc>) -> Result<RoutingReport, RoutingError> {
        let mut report = RoutingReport::default();
        let mut waits = false;
        for _ in 0..OFFER_ATTEMPTS {
            let Some(conversation) = self.conversation(id).await? else {
                return Ok(report);
            };
            if !still_waiting(&conversation, now) {
                self.store.unwait(&WaitingRecord::of(&conversation)).await?;
                return Ok(report);
            }
            if conversation.offered_to.is_some() {
                return Ok(report);
            }
            let agents = self.available(now).await?;
            let candidates: Vec<_> = agents
                .iter()
                .map(|a| a.candidate(self.settings.default_capacity))
                .collect();
            let declined: Vec<&str> = conversation.declined.iter().map(String::as_str).collect();
            let Some(chosen) = choose_agent(&candidates, &conversation.business, &declined) else {
                if waits {
                    report.waiting.push(conversation.business);
                    return Ok(report);
                }
                // Written, then the choice made once more: an agent whose capacity freed
                // between the choice and this write did not see it waiting.
                self.store.wait(&WaitingRecord::of(&conversation)).await?;
                waits = true;
                continue;
            };
            let Some(agent) = agents.iter().find(|a| a.agent_id == chosen.agent_id) else {
                return Ok(report);
            };
            if self.offer(&conversation, agent, now).await? {
                report
                    .offers
                    .push((conversation.business.clone(), now - conversation.started_at));
                return Ok(report);
            }
        }
        // Every attempt lost to another offer: it waits (an agent whose capacity frees takes
        // it), and the record is retried, so an idle agent is not left out either.
        if let Some(conversation) = self.conversation(id).await? {
            self.store.wait(&WaitingRecord::of(&conversation)).await?;
        }
        Err(RoutingError::Contended)
    }

    /// `agent`'s capacity may have freed (a close, a transfer away, a presence change to
    /// available, a profile change, an offer ended): offers them the oldest waiting requests
    /// they may take, while they have room.
    pub async fn fill(
        &self,
        agent: &str,
        now: DateTime<Utc>,
    ) -> Result<RoutingReport, RoutingError> {
        let mut report = RoutingReport::default();
        let waiting = self.store.waiting(WAITING_PAGE).await?;
        if waiting.is_empty() {
            return Ok(report);
        }
        let ids = [agent.to_owned()];
        let mut facts = agent_facts(self.store, &ids, now).await?;
        let Some(mut me) = facts.pop() else {
            return Ok(report);
        };
        for entry in waiting {
            let candidate = me.candidate(self.settings.default_capacity);
            if candidate.presence != Presence::Available
                || candidate.active + candidate.offers >= candidate.capacity.get()
            {
                break;
            }
            let Some(conversation) = self.conversation(&entry.conversation_id).await? else {
                self.store.unwait(&entry).await?;
                continue;
            };
            if !still_waiting(&conversation, now) {
                self.store.unwait(&entry).await?;
                continue;
            }
            let declined: Vec<&str> = conversation.declined.iter().map(String::as_str).collect();
            if conversation.offered_to.is_some()
                || !candidate.eligible(&conversation.business, &declined)
            {
                continue;
            }
            if self.offer(&conversation, &me, now).await? {
                report
                    .offers
                    .push((conversation.business.clone(), now - conversation.started_at));
            }
            // Whether it landed or another offer did, read the agent again.
            me = match agent_facts(self.store, &ids, now).await?.pop() {
                Some(facts) => facts,
                None => break,
            };
        }
        Ok(report)
    }

    /// The agent went away or offline: their outstanding offers end now, and each request
    /// goes to the next agent (the stream shows each end).
    pub async fn withdraw(&self, agent: &str, now: DateTime<Utc>) -> Result<(), RoutingError> {
        let record = self.store.agent(agent).await?;
        for offer in record.offers {
            let ended = self
                .store
                .end_offer(
                    &offer.conversation_id,
                    agent,
                    offer.seq,
                    OfferEnd::Withdrawn,
                    now,
                )
                .await?;
            if ended == OfferEnded::Gone {
                tracing::debug!(
                    conversation_id = offer.conversation_id,
                    "offer moved on already"
                );
            }
        }
        Ok(())
    }

    /// A new request: in offer mode, offered to one agent; in either mode, its overflow timer.
    async fn requested(
        &self,
        conversation: &ConversationRecord,
        now: DateTime<Utc>,
    ) -> Result<RoutingReport, RoutingError> {
        self.schedule(Timer {
            kind: TimerKind::Overflow {
                conversation_id: conversation.id.clone(),
            },
            due_at: conversation.started_at + self.settings.overflow_after,
        })
        .await?;
        if self.settings.offers() {
            self.route(&conversation.id, now).await
        } else {
            Ok(RoutingReport::default())
        }
    }
}

/// What routing does for a change of the table: a new request is offered; an offer that ended
/// without an accept goes to the next agent; an agent whose capacity may have freed is offered
/// what waits; an agent who went away loses their offers. Safe to repeat: each step re-reads
/// what it acts on and writes conditionally.
pub async fn on_change(
    router: &Router<'_>,
    change: &StreamChange,
    now: DateTime<Utc>,
) -> Result<RoutingReport, RoutingError> {
    use StoredItem as I;
    let mut report = RoutingReport::default();
    match (change.kind, change.old.as_ref(), change.new.as_ref()) {
        (ChangeKind::Insert, _, Some(I::Conversation(new)))
            if new.state == ConversationState::Requested =>
        {
            report.merge(router.requested(new, now).await?);
        }
        _ if !router.settings.offers() => {}
        (ChangeKind::Modify, Some(I::Conversation(old)), Some(I::Conversation(new))) => {
            // An offer ended without an accept: the next agent, and the freed agent's room.
            if let (Some(agent), None) = (&old.offered_to, &new.offered_to) {
                if new.state == ConversationState::Requested {
                    report.merge(router.route(&new.id, now).await?);
                }
                report.merge(router.fill(agent, now).await?);
            }
            // A close or a transfer away frees the agent who had it.
            let freed = old.state == ConversationState::Active
                && (new.state == ConversationState::Closed
                    || old.assigned_agent != new.assigned_agent);
            if freed && let Some(agent) = &old.assigned_agent {
                report.merge(router.fill(agent, now).await?);
            }
        }
        // A wrap-up hold ended (its outcome sent, or its time passed): the agent's room.
        (ChangeKind::Remove, Some(I::WrapUp(hold)), _) => {
            report.merge(router.fill(&hold.agent_id, now).await?);
        }
        (ChangeKind::Insert | ChangeKind::Modify, old, Some(I::Presence(new))) => {
            let was_available =
                matches!(old, Some(I::Presence(o)) if o.status == Presence::Available);
            match (was_available, new.status == Presence::Available) {
                (false, true) => report.merge(router.fill(&new.agent_id, now).await?),
                (true, false) => router.withdraw(&new.agent_id, now).await?,
                _ => {}
            }
        }
        (ChangeKind::Insert | ChangeKind::Modify, _, Some(I::Profile(new))) => {
            report.merge(router.fill(&new.agent_id, now).await?);
        }
        _ => {}
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
