//! Routing's records and store: offers of waiting requests to one agent at a time, each
//! agent's routing state (the version that keeps two offers from overfilling them, their missed
//! offers in a row, their last offer) and day's counts, and the requests waiting for an agent,
//! oldest first.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationRecord, StoreError};
use crate::domain::OfferEnd;

/// An outstanding offer, kept in the offered agent's partition (`OFFER#{conversation}`) so that
/// one read of the agent shows their load, offers included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRecord {
    pub agent_id: String,
    pub conversation_id: String,
    pub business: String,
    /// The offer's number ([`ConversationRecord::offer_seq`]).
    pub seq: u32,
    /// When the request was made (how long it has waited, on the board).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub requested_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub offered_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub expires_at: DateTime<Utc>,
}

/// An agent's routing state (`ROUTING`): written by every offer made to them, so that two
/// offers decided on the same read cannot both land.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoutingState {
    /// Raised by every offer: an offer is written only if it is still what the choice read.
    #[serde(default)]
    pub version: u64,
    /// Offers in a row they let expire; an accept or a reject starts again from 0.
    #[serde(default)]
    pub misses: u32,
    #[serde(default, with = "chrono::serde::ts_milliseconds_option")]
    pub last_offer_at: Option<DateTime<Utc>>,
}

/// One agent's counts for one UTC day (`STATS#{yyyy-mm-dd}`), for the board.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DayCounts {
    /// `yyyy-mm-dd`, UTC.
    pub day: String,
    #[serde(default)]
    pub accepted: u32,
    #[serde(default)]
    pub rejected: u32,
    #[serde(default)]
    pub expired: u32,
}

/// The UTC day an instant counts toward.
pub fn day_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// A request waiting for an agent: written when nobody could be offered it, removed by the
/// offer, accept or close that ends its wait. Read oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRecord {
    pub conversation_id: String,
    pub business: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub requested_at: DateTime<Utc>,
}

impl WaitingRecord {
    pub fn of(conversation: &ConversationRecord) -> Self {
        Self {
            conversation_id: conversation.id.clone(),
            business: conversation.business.clone(),
            requested_at: conversation.started_at,
        }
    }
}

/// What ending an offer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferEnded {
    /// The offer ended: the conversation as it is now, and the agent's missed offers in a row.
    Ended {
        conversation: Box<ConversationRecord>,
        misses: u32,
    },
    /// The offer was not outstanding any more (accepted, ended, or a later one made).
    Gone,
}

/// Offers, agents' routing state and the waiting requests.
#[async_trait]
pub trait RoutingStore: Send + Sync {
    /// Offers a waiting request to `offer.agent_id`, at once: the conversation takes the offer
    /// (only if it is still requested, unoffered and at offer `offer.seq - 1`), the agent's
    /// offer entry is written, their routing state moves on from `version` (only if it is still
    /// there), and the request's waiting entry goes. `false` when either condition failed.
    async fn make_offer(
        &self,
        conversation: &ConversationRecord,
        offer: &OfferRecord,
        version: u64,
    ) -> Result<bool, StoreError>;

    /// Ends offer `seq` of the conversation to `agent` without an accept, at once: the
    /// conversation forgets the offer (and, when `how` declines, passes the agent over from now
    /// on), the offer entry goes, and the agent's missed offers and day's counts move.
    async fn end_offer(
        &self,
        conversation_id: &str,
        agent: &str,
        seq: u32,
        how: OfferEnd,
        at: DateTime<Utc>,
    ) -> Result<OfferEnded, StoreError>;

    /// Sets the agent's missed offers in a row back to 0 (when they are set away for them).
    async fn forgive_misses(&self, agent: &str) -> Result<(), StoreError>;

    /// Records that the request waits for an agent (writing it again changes nothing).
    async fn wait(&self, waiting: &WaitingRecord) -> Result<(), StoreError>;

    /// Forgets a waiting entry whose request no longer waits (accepted, closed, expired).
    async fn unwait(&self, waiting: &WaitingRecord) -> Result<(), StoreError>;

    /// The waiting requests, oldest first, at most `limit`.
    async fn waiting(&self, limit: usize) -> Result<Vec<WaitingRecord>, StoreError>;

    /// Marks a waiting request as raised to supervisors: `false` when it was already, or it no
    /// longer waits.
    async fn mark_overflow(
        &self,
        conversation_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// A timer: something to do at `due_at`, named so that doing it twice, or late, does nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    #[serde(flatten)]
    pub kind: TimerKind,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub due_at: DateTime<Utc>,
}

/// What a timer does when due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "timer", rename_all = "snake_case")]
pub enum TimerKind {
    /// Offer `seq` of a request to `agent_id` expires, unless it was accepted or ended.
    OfferExpiry {
        conversation_id: String,
        agent_id: String,
        seq: u32,
    },
    /// A request still waiting is raised to supervisors.
    Overflow { conversation_id: String },
    /// A close's wrap-up hold on `agent_id`'s capacity ends (`WRAP_UP_SECONDS` passed without
    /// an outcome): the hold is removed, and its removal offers the agent what waits.
    WrapUpEnd {
        conversation_id: String,
        agent_id: String,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("the timer could not be scheduled")]
pub struct ScheduleError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Schedules timers: an SQS queue with a per-message delay in AWS, local-api's own clock
/// locally.
#[async_trait]
pub trait TimerQueue: Send + Sync {
    async fn schedule(&self, timer: &Timer) -> Result<(), ScheduleError>;
}
