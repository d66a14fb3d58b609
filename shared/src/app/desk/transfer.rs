//! Handing a conversation to another agent: by its assigned agent or an administrator. The
//! target becomes the assigned agent (so only they may reply from then on), the transcript
//! records the hand-over, and the stream tells the target (`conversation.transferred`).

use crate::app::{ConversationView, load_context};
use crate::domain::{AgentId, ConversationId, ConversationState};
use crate::ports::{ChannelStore, Clock, EventRecord, StoreError, TransferResult};

/// The transcript event's type, and the notification's.
pub const TRANSFERRED: &str = "conversation.transferred";

/// Why a transfer body is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTransfer {
    #[error("the body is not a JSON object with agent_id")]
    Malformed,
    #[error("agent_id is not an agent id")]
    BadAgent,
}

/// Reads `{"agent_id": "…"}`.
pub fn parse_transfer(raw: &[u8]) -> Result<AgentId, InvalidTransfer> {
    let value: serde_json::Value =
        serde_json::from_slice(raw).map_err(|_| InvalidTransfer::Malformed)?;
    let agent = value
        .get("agent_id")
        .and_then(serde_json::Value::as_str)
        .ok_or(InvalidTransfer::Malformed)?;
    AgentId::parse(agent).map_err(|_| InvalidTransfer::BadAgent)
}

/// Transferring, as the caller sees it.
#[derive(Debug)]
pub enum TransferAnswer {
    /// Assigned to the target now, or already (a retry answers the same).
    Done(Box<ConversationView>),
    /// The caller is neither the assigned agent nor an administrator.
    Forbidden,
    /// Nobody has accepted it yet.
    NotAccepted,
    Closed,
    NotFound,
}

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Caller {
    pub agent: AgentId,
    pub admin: bool,
}

pub async fn transfer_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    caller: &Caller,
    target: &AgentId,
) -> Result<TransferAnswer, StoreError> {
    // Two attempts: the conversation may change between the read and the conditional write.
    for _ in 0..2 {
        let Some(conversation) = store.conversation(id).await? else {
            return Ok(TransferAnswer::NotFound);
        };
        let assigned = match (conversation.state, conversation.assigned_agent.clone()) {
            (ConversationState::Closed, _) => return Ok(TransferAnswer::Closed),
            (_, None) | (ConversationState::Requested, _) => {
                return Ok(TransferAnswer::NotAccepted);
            }
            (ConversationState::Active, Some(agent)) => agent,
        };
        if assigned == target.as_str() {
            // Already theirs: the same answer for the target, an administrator, and the agent
            // whose transfer this was (a retry).
            let events = store.desk_items(id).await?.events;
            let retried = events
                .iter()
                .rev()
                .find(|e| e.event_type == TRANSFERRED)
                .is_some_and(|e| {
                    e.by == caller.agent.as_str() && e.to_agent.as_deref() == Some(target.as_str())
                });
            if caller.admin || caller.agent == *target || retried {
                let view = load_context(store, conversation).await?.view(clock);
                return Ok(TransferAnswer::Done(Box::new(view)));
            }
            return Ok(TransferAnswer::Forbidden);
        }
        if assigned != caller.agent.as_str() && !caller.admin {
            return Ok(TransferAnswer::Forbidden);
        }
        let event = EventRecord {
            id: uuid::Uuid::now_v7().simple().to_string(),
            conversation_id: id.as_str().to_owned(),
            event_type: TRANSFERRED.into(),
            by: caller.agent.as_str().to_owned(),
            from_agent: Some(assigned.clone()),
            to_agent: Some(target.as_str().to_owned()),
            kind: None,
            item_id: None,
            created_at: clock.now(),
        };
        match store.transfer(&conversation, &assigned, &event).await? {
            TransferResult::Transferred(updated) => {
                let view = load_context(store, *updated).await?.view(clock);
                return Ok(TransferAnswer::Done(Box::new(view)));
            }
            TransferResult::NotFound => return Ok(TransferAnswer::NotFound),
            TransferResult::Changed => {}
        }
    }
    Ok(TransferAnswer::Forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_names_an_agent() {
        assert_eq!(
            parse_transfer(br#"{"agent_id":"bob"}"#).map(|a| a.as_str().to_owned()),
            Ok("bob".to_owned())
        );
        assert_eq!(parse_transfer(b"{}"), Err(InvalidTransfer::Malformed));
        assert_eq!(
            parse_transfer(br#"{"agent_id":""}"#),
            Err(InvalidTransfer::BadAgent)
        );
        assert_eq!(
            parse_transfer(br#"{"agent_id":"a#b"}"#),
            Err(InvalidTransfer::BadAgent)
        );
    }
}
