//! Closing from every state that is not final: an assigned agent closes their conversation
//! (agents::close_conversation); an administrator also closes one waiting for an agent (a
//! request nobody should take: spam, a duplicate) or one another agent holds.

use crate::app::deferred::cancel_all_deferred;
use crate::app::{ConversationView, load_context};
use crate::domain::{AgentId, ConversationId, ConversationState};
use crate::ports::{ChannelStore, Clock, StoreError};

/// `None`: no such conversation.
pub async fn close_as_admin(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    admin: &AgentId,
) -> Result<Option<ConversationView>, StoreError> {
    // Two attempts: the state may change between the read and the conditional write.
    for _ in 0..2 {
        let Some(conversation) = store.conversation(id).await? else {
            return Ok(None);
        };
        if conversation.state != ConversationState::Closed
            && !store
                .close_any(&conversation, admin.as_str(), clock.now())
                .await?
        {
            continue;
        }
        cancel_all_deferred(store, id).await?;
        let Some(current) = store.conversation(id).await? else {
            return Ok(None);
        };
        return Ok(Some(load_context(store, current).await?.view(clock)));
    }
    let current = store.conversation(id).await?;
    match current {
        Some(c) => Ok(Some(load_context(store, c).await?.view(clock))),
        None => Ok(None),
    }
}
