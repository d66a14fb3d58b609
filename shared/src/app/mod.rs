//! Use cases: what the functions do, over the ports. They return domain outcomes; each
//! function's handler turns them into HTTP (or stream) answers.

pub mod agents;
pub mod assist;
pub mod bus;
pub mod deadline;
pub mod deferred;
pub mod desk;
pub mod export;
pub mod inbound;
pub mod live;
pub mod media;
pub mod notify;
pub mod outcomes;
pub mod privacy;
pub mod profiles;
pub mod reply;
pub mod routing;
pub mod templates;
pub mod typing;
pub mod views;

pub use inbound::{InboundReceipt, receive_inbound};
pub use views::{ConversationView, CustomerView, MediaView, MessageView, WindowView};

use crate::domain::{ConversationId, StatusCallback, ViewState, WhatsAppAddress};
use crate::ports::{
    ChannelStore, Clock, Contact, ConversationRecord, Direction, SessionKey, SessionRecord,
    SessionStore, StatusApplied, StoreError,
};

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

/// Conversations read per page while looking for those of one state.
const QUEUE_PAGE: usize = 100;

/// Which conversations the agents' queue lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only this view state.
    pub state: Option<ViewState>,
    /// Only conversations with this business number.
    pub number: Option<WhatsAppAddress>,
}

/// The agents' queue: newest conversations first, optionally of one state or one number.
///
/// The state is filtered before the limit: pages of the index are read, newest first, until
/// `limit` conversations in that state are found or the index ends, so an old waiting request
/// is never hidden behind newer conversations in other states.
pub async fn list_conversations(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    filter: &ListFilter,
    limit: usize,
) -> Result<Vec<ConversationView>, StoreError> {
    let now = clock.now();
    let number = filter.number.as_ref().map(WhatsAppAddress::as_str);
    let page_size = if filter.state.is_some() {
        limit.max(QUEUE_PAGE)
    } else {
        limit
    };
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let conversations = store
            .conversations_page(number, before.as_deref(), page_size)
            .await?;
        let read = conversations.len();
        before = conversations.last().map(|c| c.id.clone());
        let keys: Vec<SessionKey> = conversations.iter().filter_map(SessionKey::of).collect();
        let sessions = store.sessions(&keys).await?;
        let addresses: Vec<String> = conversations.iter().map(|c| c.customer.clone()).collect();
        let contacts = store.contacts(&addresses).await?;
        out.extend(
            conversations
                .into_iter()
                .map(|c| {
                    let session = sessions.iter().find(|s| s.conversation_id == c.id);
                    let contact = contacts.iter().find(|k| k.address == c.customer);
                    views::view(c, session, contact, now)
                })
                .filter(|v| filter.state.is_none_or(|wanted| v.state == wanted)),
        );
        if out.len() >= limit || read < page_size {
            break;
        }
    }
    out.truncate(limit);
    Ok(out)
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
    let quoted = quoted_messages(store, &messages).await?;
    let mut view = load_context(store, conversation).await?.view(clock);
    let mut messages: Vec<MessageView> = messages
        .into_iter()
        .map(|m| {
            let mut message = MessageView::from(m);
            if let Some(reply_to) = &mut message.reply_to
                && let Some(found) = quoted.get(&reply_to.id)
            {
                *reply_to = views::QuotedView::of(found);
            }
            message
        })
        .collect();
    views::attach_reactions(&mut messages);
    view.messages = Some(messages);
    Ok(Some(view))
}

/// Quoted messages read beyond the transcript at most, per transcript.
const QUOTES_READ: usize = 20;

/// The messages a transcript's replies quote, by id: from the transcript itself, else read
/// (a quote of a message in an earlier conversation), a bounded number.
async fn quoted_messages(
    store: &dyn ChannelStore,
    messages: &[crate::ports::MessageRecord],
) -> Result<std::collections::HashMap<String, crate::ports::MessageRecord>, StoreError> {
    let mut found: std::collections::HashMap<String, crate::ports::MessageRecord> =
        std::collections::HashMap::new();
    let mut elsewhere = Vec::new();
    for quoted in messages.iter().filter_map(|m| m.replied_to.as_deref()) {
        match messages.iter().find(|m| m.id == quoted) {
            Some(m) => {
                found.insert(quoted.to_owned(), m.clone());
            }
            None if !elsewhere.contains(&quoted) => elsewhere.push(quoted),
            None => {}
        }
    }
    for quoted in elsewhere.into_iter().take(QUOTES_READ) {
        if let Ok(sid) = crate::domain::MessageSid::parse(quoted)
            && let Some(m) = store.message(&sid).await?
        {
            found.insert(quoted.to_owned(), m);
        }
    }
    Ok(found)
}
