//! The agent's side: accept and close a conversation.

use crate::domain::ConversationId;
use crate::ports::{
    AcceptOutcome, ChannelStore, Clock, CloseOutcome, ConversationRecord, StoreError,
};

use super::{ConversationView, session_key_of, view};

/// The conversation as an agent sees it after a change.
async fn current_view(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    conversation: ConversationRecord,
) -> Result<ConversationView, StoreError> {
    let sessions = match session_key_of(&conversation) {
        Some(key) => store.sessions(&[key]).await?,
        None => Vec::new(),
    };
    let session = sessions
        .iter()
        .find(|s| s.conversation_id == conversation.id);
    let contacts = store
        .contacts(std::slice::from_ref(&conversation.customer))
        .await?;
    Ok(view(conversation, session, contacts.first(), clock.now()))
}

/// Accepting, as the agent sees it.
#[derive(Debug)]
pub enum Accepted {
    /// Accepted now, or already by this agent (an accept is safe to retry).
    Yours(Box<ConversationView>),
    Taken {
        by: Option<String>,
    },
    Closed,
    NotFound,
}

pub async fn accept_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    agent: &str,
) -> Result<Accepted, StoreError> {
    Ok(match store.accept(id, agent, clock.now()).await? {
        AcceptOutcome::Accepted(c) | AcceptOutcome::AlreadyYours(c) => {
            Accepted::Yours(Box::new(current_view(store, clock, c).await?))
        }
        AcceptOutcome::Taken { by } => Accepted::Taken { by },
        AcceptOutcome::WrongState(_) => Accepted::Closed,
        AcceptOutcome::NotFound => Accepted::NotFound,
    })
}

/// Closing, as the agent sees it.
#[derive(Debug)]
pub enum Closed {
    /// Closed now, or already by this agent.
    Done(Box<ConversationView>),
    NotAssigned,
    NotAccepted,
    NotFound,
}

pub async fn close_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    agent: &str,
) -> Result<Closed, StoreError> {
    Ok(match store.close(id, agent, clock.now()).await? {
        CloseOutcome::Closed(c) | CloseOutcome::AlreadyClosed(c) => {
            Closed::Done(Box::new(current_view(store, clock, c).await?))
        }
        CloseOutcome::NotAssigned => Closed::NotAssigned,
        CloseOutcome::NotAccepted => Closed::NotAccepted,
        CloseOutcome::NotFound => Closed::NotFound,
    })
}
