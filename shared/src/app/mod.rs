//! Use cases: what the functions do, over the ports. They return domain outcomes; each
//! function's handler turns them into HTTP (or stream) answers.

pub mod agents;
pub mod deadline;
pub mod deferred;
pub mod desk;
pub mod live;
pub mod media;
pub mod notify;
pub mod reply;
pub mod views;

pub use views::{ConversationView, CustomerView, MediaView, MessageView, WindowView};

use crate::domain::{
    ConversationId, InboundMessage, SessionDecision, StatusCallback, ViewState, WhatsAppAddress,
};
use crate::ports::{
    ChannelStore, Clock, Contact, ConversationRecord, Direction, MessageRecord, SessionKey,
    SessionRecord, SessionStore, SessionTouch, StatusApplied, StoreError, Stored,
};

/// What storing an inbound message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundReceipt {
    pub conversation_id: ConversationId,
    pub session: SessionDecision,
    pub stored: Stored,
}

/// An inbound message: the session first (it names the conversation), then the message, each a
/// single conditional write.
pub async fn receive_inbound(
    store: &dyn SessionStore,
    clock: &dyn Clock,
    message: &InboundMessage,
) -> Result<InboundReceipt, StoreError> {
    let now = clock.now();
    let touched = store
        .touch_session(&SessionTouch {
            key: SessionKey {
                business: message.to.clone(),
                customer: message.from.clone(),
            },
            at: now,
            profile_name: message.profile_name().map(str::to_owned),
            preview: Some(message.preview()),
        })
        .await?;
    let stored = store
        .put_message(&MessageRecord::inbound(
            message,
            &touched.conversation_id,
            now,
        ))
        .await?;
    Ok(InboundReceipt {
        conversation_id: touched.conversation_id,
        session: touched.decision,
        stored,
    })
}

/// A delivery status callback: moves the message's status forward only.
pub async fn receive_status(
    store: &dyn SessionStore,
    clock: &dyn Clock,
    callback: &StatusCallback,
) -> Result<StatusApplied, StoreError> {
    store.apply_status(callback, clock.now()).await
}

/// A conversation with what its window and its customer depend on.
#[derive(Debug, Clone)]
pub struct ConversationContext {
    pub conversation: ConversationRecord,
    /// Its customer's session item while that item is still this conversation's.
    pub session: Option<SessionRecord>,
    pub contact: Option<Contact>,
}

impl ConversationContext {
    pub fn view(self, clock: &dyn Clock) -> ConversationView {
        views::view(
            self.conversation,
            self.session.as_ref(),
            self.contact.as_ref(),
            clock.now(),
        )
    }
}

/// The customer's session item, if it still belongs to this conversation.
pub(crate) async fn current_session(
    store: &dyn SessionStore,
    conversation: &ConversationRecord,
) -> Result<Option<SessionRecord>, StoreError> {
    let Some(key) = SessionKey::of(conversation) else {
        return Ok(None);
    };
    Ok(store
        .sessions(&[key])
        .await?
        .into_iter()
        .find(|s| s.conversation_id == conversation.id))
}

/// The one lookup behind every view of a single conversation: its current session and its
/// customer's contact.
pub async fn load_context(
    store: &dyn ChannelStore,
    conversation: ConversationRecord,
) -> Result<ConversationContext, StoreError> {
    let session = current_session(store, &conversation).await?;
    let contact = store
        .contacts(std::slice::from_ref(&conversation.customer))
        .await?
        .into_iter()
        .next();
    Ok(ConversationContext {
        conversation,
        session,
        contact,
    })
}

/// Which conversations the agents' queue lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this view state.
    pub state: Option<ViewState>,
    /// Only conversations with this business number.
    pub number: Option<WhatsAppAddress>,
}

/// The agents' queue: newest conversations first, optionally of one state or one number.
pub async fn list_conversations(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    filter: &ListFilter,
    limit: usize,
) -> Result<Vec<ConversationView>, StoreError> {
    let now = clock.now();
    let state = filter.state;
    let conversations = match &filter.number {
        Some(number) => {
            store
                .list_number_conversations(number.as_str(), limit)
                .await?
        }
        None => store.list_conversations(limit).await?,
    };
    let keys: Vec<SessionKey> = conversations.iter().filter_map(SessionKey::of).collect();
    let sessions = store.sessions(&keys).await?;
    let addresses: Vec<String> = conversations.iter().map(|c| c.customer.clone()).collect();
    let contacts = store.contacts(&addresses).await?;
    Ok(conversations
        .into_iter()
        .map(|c| {
            let session = sessions.iter().find(|s| s.conversation_id == c.id);
            let contact = contacts.iter().find(|k| k.address == c.customer);
            views::view(c, session, contact, now)
        })
        .filter(|v| state.is_none_or(|wanted| v.state == wanted))
        .collect())
}

/// One conversation with its transcript, oldest message first.
pub async fn get_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
) -> Result<Option<ConversationView>, StoreError> {
    let Some(mut conversation) = store.conversation(id).await? else {
        return Ok(None);
    };
    let messages = store.conversation_messages(id).await?;
    // The transcript knows the last inbound message exactly, even after the session item is gone.
    if let Some(last) = messages
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .map(|m| m.created_at)
        .max()
    {
        conversation.last_inbound_at = conversation.last_inbound_at.max(last);
    }
    let mut view = load_context(store, conversation).await?.view(clock);
    view.messages = Some(messages.into_iter().map(MessageView::from).collect());
    Ok(Some(view))
}
