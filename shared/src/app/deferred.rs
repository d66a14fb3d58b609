//! Deferred replies: while a customer's window is closed, an agent may leave a free-form reply
//! (`"defer": true`) that goes out, in order and once, the moment the customer writes again and
//! opens a new window. It can be cancelled until then, and expires unsent after a configurable
//! wait (28 days by default).

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use super::MessageView;
use super::reply::{InvalidReply, NotAnswerable, ReplySettings, answerable, record_unsent};
use crate::domain::{
    AgentId, ConversationId, ConversationState, MessageStatus, ReplyContent, SessionWindow,
};
use crate::ports::{
    ChannelStore, DeferredMarker, MessageRecord, OutboundRequest, ReplySender, SessionKey,
    SessionRecord, StoreError, StoredItem, StreamChange,
};

/// Whether a reply body asks to be deferred (`"defer": true`).
pub fn wants_defer(raw: &[u8]) -> Result<bool, InvalidReply> {
    let value: serde_json::Value =
        serde_json::from_slice(raw).map_err(|e| InvalidReply::Malformed(e.to_string()))?;
    match value.get("defer") {
        None | Some(serde_json::Value::Null) => Ok(false),
        Some(serde_json::Value::Bool(defer)) => Ok(*defer),
        Some(_) => Err(InvalidReply::Unsendable("defer must be true or false")),
    }
}

/// A reply to keep until the customer writes again.
#[derive(Debug, Clone)]
pub struct DeferRequest {
    pub conversation_id: ConversationId,
    pub agent: AgentId,
    pub idempotency_key: Option<String>,
    pub content: ReplyContent,
}

impl From<NotAnswerable> for DeferRefused {
    fn from(reason: NotAnswerable) -> Self {
        match reason {
            NotAnswerable::NotFound => Self::NotFound,
            NotAnswerable::NotAccepted => Self::NotAccepted,
            NotAnswerable::NotAssigned => Self::NotAssigned,
            NotAnswerable::Closed => Self::Closed,
            NotAnswerable::Store(e) => Self::Store(e),
        }
    }
}

/// Why a reply cannot be deferred, or a deferred one cancelled.
#[derive(Debug, thiserror::Error)]
pub enum DeferRefused {
    #[error("no such conversation")]
    NotFound,
    #[error("no such deferred reply in this conversation")]
    NoSuchReply,
    #[error("no agent has accepted this conversation")]
    NotAccepted,
    #[error("another agent is assigned to this conversation")]
    NotAssigned,
    #[error("the conversation is closed")]
    Closed,
    #[error("the window is open: send the reply now")]
    WindowOpen,
    #[error("a template can be sent at any time: send it now")]
    Template,
    #[error("this Idempotency-Key was used for another reply")]
    KeyReused,
    #[error("this reply is no longer deferred: it was sent, cancelled or expired")]
    NotDeferred,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The record id of a deferred reply: from the agent's `Idempotency-Key` when there is one, so
/// that a retry finds the first.
fn deferred_id(agent: &AgentId, key: Option<&str>) -> String {
    match key {
        Some(key) => {
            let mut hash = Sha256::new();
            hash.update(agent.as_str().as_bytes());
            hash.update([0]);
            hash.update(key.as_bytes());
            let hex: String = hash.finalize()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("deferred-{hex}")
        }
        None => format!("deferred-{}", uuid::Uuid::now_v7().simple()),
    }
}

/// Keeps a free-form reply while the window is closed. Answers the deferred message (the first
/// one again for a retry with the same key).
pub async fn defer_reply(
    store: &dyn ChannelStore,
    now: DateTime<Utc>,
    request: &DeferRequest,
) -> Result<MessageView, DeferRefused> {
    if !request.content.is_free_form() {
        return Err(DeferRefused::Template);
    }
    let id = &request.conversation_id;
    let (conversation, window) = answerable(store, id, &request.agent, now).await?;
    if window.open {
        return Err(DeferRefused::WindowOpen);
    }
    let mut record = MessageRecord::outbound(
        deferred_id(&request.agent, request.idempotency_key.as_deref()),
        id,
        request.agent.as_str(),
        &request.content,
        now,
    );
    record.status = MessageStatus::Deferred;
    // The marker first: without it the reply would never be found; a marker without a deferred
    // message finds nothing.
    store
        .mark_deferred(&DeferredMarker {
            business: conversation.business.clone(),
            customer: conversation.customer.clone(),
            conversation_id: conversation.id.clone(),
        })
        .await?;
    if store.put_message(&record).await? == crate::ports::Stored::Duplicate {
        let first = store
            .conversation_messages(id)
            .await?
            .into_iter()
            .find(|m| m.id == record.id)
            .ok_or(DeferRefused::KeyReused)?;
        if first.content() != Some(request.content.clone()) {
            return Err(DeferRefused::KeyReused);
        }
        return Ok(MessageView::from(first));
    }
    Ok(MessageView::from(record))
}

/// Who cancels a deferred reply: the assigned agent, or any administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canceller {
    Agent,
    Admin,
}

/// Cancels a deferred reply that has not gone out.
pub async fn cancel_deferred(
    store: &dyn ChannelStore,
    agent: &AgentId,
    canceller: Canceller,
    conversation_id: &ConversationId,
    message_id: &str,
) -> Result<(), DeferRefused> {
    let conversation = store
        .conversation(conversation_id)
        .await?
        .ok_or(DeferRefused::NotFound)?;
    if canceller == Canceller::Agent
        && conversation.assigned_agent.as_deref() != Some(agent.as_str())
    {
        return Err(DeferRefused::NotAssigned);
    }
    let message = store
        .conversation_messages(conversation_id)
        .await?
        .into_iter()
        .find(|m| m.id == message_id)
        .ok_or(DeferRefused::NoSuchReply)?;
    if message.status != MessageStatus::Deferred
        || !store
            .leave_deferred(message_id, MessageStatus::Canceled)
            .await?
    {
        return Err(DeferRefused::NotDeferred);
    }
    Ok(())
}

/// A closed conversation sends nothing more: its deferred replies become `canceled`. Called
/// after a close; a release that finds a closed conversation's reply cancels it too, so a crash
/// between the two sends nothing. Returns how many it cancelled.
pub async fn cancel_all_deferred(
    store: &dyn ChannelStore,
    conversation_id: &ConversationId,
) -> Result<usize, StoreError> {
    let mut cancelled = 0;
    for message in store.conversation_messages(conversation_id).await? {
        if message.status == MessageStatus::Deferred
            && store
                .leave_deferred(&message.id, MessageStatus::Canceled)
                .await?
        {
            cancelled += 1;
        }
    }
    Ok(cancelled)
}

/// What sends deferred replies: Twilio, where their statuses go, and how long they wait.
pub struct DeferredSending<'a> {
    pub sender: &'a dyn ReplySender,
    pub settings: &'a ReplySettings,
    pub max_wait: TimeDelta,
}

/// Whether a session change opens a window: a new session, a session now of another
/// conversation, or one whose customer writes after its window closed (a business-started
/// conversation's first answer among them).
fn opens_window(old: Option<&StoredItem>, new: &SessionRecord) -> bool {
    match old {
        Some(StoredItem::Session(old)) => {
            old.conversation_id != new.conversation_id
                || !SessionWindow::new(old.last_inbound_at).is_open_at(new.last_inbound_at)
        }
        _ => true,
    }
}

/// When a stream change opens a customer's new window, sends every deferred reply waiting for
/// that customer, whichever of their conversations holds it, oldest first, each once; those
/// older than `max_wait` expire instead, and a closed conversation's are cancelled. Returns how
/// many went to Twilio.
pub async fn release_for_change(
    store: &dyn ChannelStore,
    sending: &DeferredSending<'_>,
    now: DateTime<Utc>,
    change: &StreamChange,
) -> Result<usize, StoreError> {
    let Some(StoredItem::Session(new)) = &change.new else {
        return Ok(0);
    };
    if !opens_window(change.old.as_ref(), new) {
        return Ok(0);
    }
    let Some(key) = SessionKey::parse(&new.business, &new.customer) else {
        return Ok(0);
    };
    // A late record of an old window (a backlog, a redrive) releases nothing.
    if !SessionWindow::new(new.last_inbound_at).is_open_at(now) {
        return Ok(0);
    }
    let markers = store.deferred_markers(&key).await?;
    let mut waiting = Vec::new();
    for marker in &markers {
        let Ok(held_in) = ConversationId::parse(&marker.conversation_id) else {
            continue;
        };
        let closed = store
            .conversation(&held_in)
            .await?
            .is_none_or(|c| c.state == ConversationState::Closed);
        for message in store.conversation_messages(&held_in).await? {
            if message.status == MessageStatus::Deferred {
                waiting.push((closed, message));
            }
        }
    }
    waiting.sort_by_key(|(_, message)| message.created_at);
    let mut sent = 0;
    for (closed, message) in waiting {
        let ended = if closed {
            Some(MessageStatus::Canceled)
        } else if now - message.created_at > sending.max_wait {
            Some(MessageStatus::Expired)
        } else {
            None
        };
        if let Some(status) = ended {
            store.leave_deferred(&message.id, status).await?;
            continue;
        }
        // Taken by this run alone: a redelivered record or a concurrent one finds it gone.
        if !store
            .leave_deferred(&message.id, MessageStatus::Pending)
            .await?
        {
            continue;
        }
        send_one(store, sending, &key, message).await?;
        sent += 1;
    }
    for marker in &markers {
        store.clear_deferred(&key, &marker.conversation_id).await?;
    }
    Ok(sent)
}

async fn send_one(
    store: &dyn ChannelStore,
    sending: &DeferredSending<'_>,
    key: &SessionKey,
    mut message: MessageRecord,
) -> Result<(), StoreError> {
    let old_id = message.id.clone();
    let Some(content) = message.content() else {
        message.status = MessageStatus::Failed;
        message.error_message = Some("The deferred reply could not be read back.".into());
        return store.replace_message(&old_id, &message).await;
    };
    let outbound = OutboundRequest {
        to: key.customer.to_string(),
        from: key.business.to_string(),
        content,
        status_callback: sending.settings.status_callback.clone(),
        budget: None,
    };
    match sending.sender.send(&outbound).await {
        Ok(sent) => {
            message.id = sent.sid;
            message.status = sent.status;
        }
        Err(error) => record_unsent(&mut message, &error),
    }
    store.replace_message(&old_id, &message).await
}
