//! [`RoutingStore`] in memory: offers, agents' routing state and counts, the waiting requests;
//! each call under the one lock, as each of the table's transactions is atomic.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{InMemoryChannelStore, Tables};
use crate::domain::{ConversationState, OfferEnd};
use crate::ports::{
    ChangeKind, ConversationRecord, DayCounts, OfferEnded, OfferRecord, RoutingStore, StoreError,
    StoredItem, WaitingRecord, day_of,
};

fn waiting_key(waiting: &WaitingRecord) -> (i64, String) {
    (
        waiting.requested_at.timestamp_millis(),
        waiting.conversation_id.clone(),
    )
}

impl Tables {
    /// A request stops waiting (accepted or closed): its outstanding offer and its waiting
    /// entry go, as in the table's transactions.
    pub(super) fn stop_waiting(&mut self, old: &ConversationRecord) {
        if let Some(agent) = &old.offered_to
            && let Some(held) = self.offers.get_mut(agent)
        {
            held.remove(&old.id);
        }
        self.waiting.remove(&waiting_key(&WaitingRecord::of(old)));
    }

    /// Moves one of `agent`'s counts for the day of `at`.
    pub(super) fn count(
        &mut self,
        agent: &str,
        at: DateTime<Utc>,
        change: impl FnOnce(&mut DayCounts),
    ) {
        let day = day_of(at);
        let days = self.counts.entry(agent.to_owned()).or_default();
        change(days.entry(day.clone()).or_insert_with(|| DayCounts {
            day,
            ..DayCounts::default()
        }));
        // The table keeps two days (TTL).
        while days.len() > 2 {
            days.pop_first();
        }
    }
}

#[async_trait]
impl RoutingStore for InMemoryChannelStore {
    async fn make_offer(
        &self,
        conversation: &ConversationRecord,
        offer: &OfferRecord,
        version: u64,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let state = tables.routing.entry(offer.agent_id.clone()).or_default();
        if state.version != version {
            return Ok(false);
        }
        let Some(current) = tables.conversations.get_mut(&conversation.id) else {
            return Ok(false);
        };
        if current.state != ConversationState::Requested
            || current.offered_to.is_some()
            || current.offer_seq + 1 != offer.seq
        {
            return Ok(false);
        }
        let old = current.clone();
        current.offered_to = Some(offer.agent_id.clone());
        current.offer_expires_at = Some(offer.expires_at);
        current.offer_seq = offer.seq;
        current.offer_ended = None;
        let record = current.clone();
        let state = tables.routing.entry(offer.agent_id.clone()).or_default();
        state.version += 1;
        state.last_offer_at = Some(offer.offered_at);
        tables
            .offers
            .entry(offer.agent_id.clone())
            .or_default()
            .insert(offer.conversation_id.clone(), offer.clone());
        tables
            .waiting
            .remove(&waiting_key(&WaitingRecord::of(&old)));
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record)),
            None,
        );
        Ok(true)
    }

    async fn end_offer(
        &self,
        conversation_id: &str,
        agent: &str,
        seq: u32,
        how: OfferEnd,
        at: DateTime<Utc>,
    ) -> Result<OfferEnded, StoreError> {
        let mut tables = self.tables();
        let Some(current) = tables.conversations.get_mut(conversation_id) else {
            return Ok(OfferEnded::Gone);
        };
        if current.state != ConversationState::Requested
            || current.offered_to.as_deref() != Some(agent)
            || current.offer_seq != seq
        {
            return Ok(OfferEnded::Gone);
        }
        let old = current.clone();
        current.offered_to = None;
        current.offer_expires_at = None;
        current.offer_ended = Some(how);
        if how.declines() && !current.declined.iter().any(|a| a == agent) {
            current.declined.push(agent.to_owned());
        }
        let record = current.clone();
        if let Some(held) = tables.offers.get_mut(agent) {
            held.remove(conversation_id);
        }
        let state = tables.routing.entry(agent.to_owned()).or_default();
        match how {
            OfferEnd::Expired => state.misses += 1,
            OfferEnd::Rejected => state.misses = 0,
            OfferEnd::Withdrawn => {}
        }
        let misses = state.misses;
        match how {
            OfferEnd::Expired => tables.count(agent, at, |c| c.expired += 1),
            OfferEnd::Rejected => tables.count(agent, at, |c| c.rejected += 1),
            OfferEnd::Withdrawn => {}
        }
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record.clone())),
            None,
        );
        Ok(OfferEnded::Ended {
            conversation: Box::new(record),
            misses,
        })
    }

    async fn forgive_misses(&self, agent: &str) -> Result<(), StoreError> {
        self.tables()
            .routing
            .entry(agent.to_owned())
            .or_default()
            .misses = 0;
        Ok(())
    }

    async fn wait(&self, waiting: &WaitingRecord) -> Result<(), StoreError> {
        self.tables()
            .waiting
            .insert(waiting_key(waiting), waiting.clone());
        Ok(())
    }

    async fn unwait(&self, waiting: &WaitingRecord) -> Result<(), StoreError> {
        self.tables().waiting.remove(&waiting_key(waiting));
        Ok(())
    }

    async fn waiting(&self, limit: usize) -> Result<Vec<WaitingRecord>, StoreError> {
        Ok(self
            .tables()
            .waiting
            .values()
            .take(limit)
            .cloned()
            .collect())
    }

    async fn mark_overflow(
        &self,
        conversation_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(current) = tables.conversations.get_mut(conversation_id) else {
            return Ok(false);
        };
        if current.state != ConversationState::Requested || current.overflowed_at.is_some() {
            return Ok(false);
        }
        let old = current.clone();
        current.overflowed_at = Some(at);
        let record = current.clone();
        drop(tables);
        self.emit(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(record)),
            None,
        );
        Ok(true)
    }
}
