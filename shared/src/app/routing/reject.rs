//! `POST /conversations/{id}/reject`: the offered agent says no, and the request goes to the
//! next agent (the stream shows the offer's end, and routing offers it on).

use chrono::{DateTime, Utc};

use crate::domain::{AgentId, ConversationId, OfferEnd};
use crate::ports::{ChannelStore, ConversationState, OfferEnded, StoreError};

/// A reject, as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectAnswer {
    /// Their offer ended; the request goes to the next agent.
    Rejected,
    /// It is not offered to them (any more): another agent's, accepted, expired or closed.
    NotOffered,
    NotFound,
}

pub async fn reject_offer(
    store: &dyn ChannelStore,
    id: &ConversationId,
    agent: &AgentId,
    now: DateTime<Utc>,
) -> Result<RejectAnswer, StoreError> {
    let Some(conversation) = store.conversation(id).await? else {
        return Ok(RejectAnswer::NotFound);
    };
    if conversation.state != ConversationState::Requested
        || conversation.offered_to.as_deref() != Some(agent.as_str())
    {
        return Ok(RejectAnswer::NotOffered);
    }
    match store
        .end_offer(
            id.as_str(),
            agent.as_str(),
            conversation.offer_seq,
            OfferEnd::Rejected,
            now,
        )
        .await?
    {
        OfferEnded::Ended { .. } => Ok(RejectAnswer::Rejected),
        // Accepted by an administrator, expired, or withdrawn meanwhile.
        OfferEnded::Gone => Ok(RejectAnswer::NotOffered),
    }
}
