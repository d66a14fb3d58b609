use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;
pub use crate::domain::ConversationState;
use crate::domain::{
    AcceptRefusal, CloseRefusal, ConversationId, OfferEnd, accept_refusal, close_refusal, may_take,
};

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
    /// Offer mode: the agent the waiting request is offered to now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_to: Option<String>,
    /// When the current offer expires.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// How many offers were made: the number of the current (or last) one, which its timer
    /// names, so a late or repeated timer finds it moved on.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offer_seq: u32,
    /// Agents who rejected the request or let its offer expire: never offered it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declined: Vec<String>,
    /// How the last offer ended, when not in an accept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_ended: Option<OfferEnd>,
    /// The click-to-WhatsApp ad the first message came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad: Option<Box<crate::domain::AdReferral>>,
    /// When and by whom it was closed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    /// The wrap-up: how it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Box<super::OutcomeRecord>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// When the CSAT template went out, and the customer's answer.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub csat_sent_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<super::CsatRecord>,
    /// When supervisors were told it had waited too long (`conversation.overflow`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "chrono::serde::ts_milliseconds_option"
    )]
    pub overflowed_at: Option<DateTime<Utc>>,
    /// The customer's rolling sentiment over their last three messages, and where it heads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<crate::domain::sentiment::Sentiment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment_trend: Option<crate::domain::sentiment::SentimentTrend>,
    /// Being erased (its customer's erasure, or retention): nothing more is derived from it,
    /// and no notification names its customer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erasing: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ConversationRecord {
    /// Why `agent` cannot accept it now, if they cannot (`None`: it waits for them). Unless
    /// `may_pick`, a waiting request is theirs to take only while it is offered to them.
    pub fn accept_refusal(&self, agent: &str, may_pick: bool) -> Option<AcceptResult> {
        let refusal =
            accept_refusal(self.state, self.assigned_agent.as_deref(), agent).map(|r| match r {
                AcceptRefusal::AlreadyYours => AcceptResult::AlreadyYours(self.clone()),
                AcceptRefusal::Taken { by } => AcceptResult::Taken { by },
                AcceptRefusal::WrongState(state) => AcceptResult::WrongState(state),
            });
        refusal.or_else(|| {
            (!may_take(self.offered_to.as_deref(), agent, may_pick))
                .then_some(AcceptResult::NotOffered)
        })
    }

    /// A waiting request as it is before any offer: what a new conversation starts with.
    pub fn without_offer(mut self) -> Self {
        self.offered_to = None;
        self.offer_expires_at = None;
        self.offer_seq = 0;
        self.declined = Vec::new();
        self.offer_ended = None;
        self.overflowed_at = None;
        self.ad = None;
        self
    }

    /// Why `agent` cannot close it now, if they cannot (`None`: theirs and active).
    pub fn close_refusal(&self, agent: &str) -> Option<CloseResult> {
        close_refusal(self.state, self.assigned_agent.as_deref(), agent).map(|r| match r {
            CloseRefusal::AlreadyClosed => CloseResult::AlreadyClosed(self.clone()),
            CloseRefusal::NotAssigned => CloseResult::NotAssigned,
            CloseRefusal::NotAccepted => CloseResult::NotAccepted,
        })
    }
}

/// What accepting a conversation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptResult {
    Accepted(ConversationRecord),
    /// The caller had already accepted it: the same answer again.
    AlreadyYours(ConversationRecord),
    /// Another agent accepted it first.
    Taken {
        by: Option<String>,
    },
    /// It is not waiting for an agent (closed).
    WrongState(ConversationState),
    /// Offer mode: it is offered to another agent (or to nobody yet), and the caller may not
    /// pick requests.
    NotOffered,
    NotFound,
}

/// What closing a conversation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseResult {
    Closed(ConversationRecord),
    AlreadyClosed(ConversationRecord),
    /// The caller is not its assigned agent.
    NotAssigned,
    /// Nobody accepted it yet.
    NotAccepted,
    NotFound,
}

/// Conversations: the agents' queue and each conversation's lifecycle.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// One page of the queue: newest first, at most `limit`, only those created before the
    /// conversation `before` (its id: ids sort by creation), and only of the business number
    /// `business` when one is given.
    async fn conversations_page(
        &self,
        business: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError>;

    /// Newest first, at most `limit`.
    async fn list_conversations(
        &self,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        self.conversations_page(None, None, limit).await
    }

    /// Newest first, at most `limit`, of the conversations with the business number `business`.
    async fn list_number_conversations(
        &self,
        business: &str,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        self.conversations_page(Some(business), None, limit).await
    }

    async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError>;

    /// Records a conversation's final `last_inbound_at` (when its session item expires); never
    /// moves it back.
    async fn settle_conversation(
        &self,
        id: &ConversationId,
        last_inbound_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Assigns a waiting conversation to `agent`; exactly one of concurrent accepts wins.
    /// Unless `may_pick`, only the agent it is offered to may ([`AcceptResult::NotOffered`]).
    /// An outstanding offer, and the request's waiting entry, go in the same write.
    async fn accept(
        &self,
        id: &ConversationId,
        agent: &str,
        may_pick: bool,
        at: DateTime<Utc>,
    ) -> Result<AcceptResult, StoreError>;

    /// Closes an accepted conversation, by its assigned agent only.
    async fn close(
        &self,
        id: &ConversationId,
        agent: &str,
        at: DateTime<Utc>,
    ) -> Result<CloseResult, StoreError>;
}
