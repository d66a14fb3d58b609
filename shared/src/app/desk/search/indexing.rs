//! The stream's side of search: a stored message's words written as postings, once per message.

use crate::domain::search::terms;
use crate::domain::{ConversationId, MessageSid};
use crate::ports::{ChangeKind, ChannelStore, StoreError, StoredItem, StreamChange, TermEntry};

/// The stream's side: a stored message's words become postings. Replies are indexed once they
/// carry Twilio's sid (not while pending or deferred); writing a posting again changes nothing,
/// so a redelivered record is harmless.
pub async fn index_change(
    store: &dyn ChannelStore,
    change: &StreamChange,
) -> Result<usize, StoreError> {
    let (ChangeKind::Insert | ChangeKind::Modify, Some(StoredItem::Message(message))) =
        (change.kind, change.new.as_ref())
    else {
        return Ok(0);
    };
    let already = matches!(&change.old, Some(StoredItem::Message(old)) if old.id == message.id && old.body == message.body);
    let Some(body) = message.body.as_deref() else {
        return Ok(0);
    };
    if already || MessageSid::parse(&message.id).is_err() {
        return Ok(0);
    }
    let Ok(id) = ConversationId::parse(&message.conversation_id) else {
        return Ok(0);
    };
    let Some(conversation) = store.conversation(&id).await? else {
        return Ok(0);
    };
    let entries: Vec<TermEntry> = terms(body)
        .into_iter()
        .map(|term| TermEntry {
            term,
            message_id: message.id.clone(),
            conversation_id: conversation.id.clone(),
            customer: conversation.customer.clone(),
            created_at: message.created_at,
        })
        .collect();
    store.index_terms(&entries).await?;
    Ok(entries.len())
}
