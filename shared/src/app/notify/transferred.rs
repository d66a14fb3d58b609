//! `conversation.transferred`: the agent a conversation was handed to learns it.

use chrono::{DateTime, Utc};

use super::customer::{Keyed, contact_of};
use crate::app::desk::transfer::notification;
use crate::ports::{ChannelStore, ConversationRecord, StoreError};

pub(super) async fn on_transferred(
    store: &dyn ChannelStore,
    key: &str,
    from: Option<String>,
    conversation: &ConversationRecord,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let contact = contact_of(store, &conversation.customer).await?;
    Ok(notification(from, conversation, contact.as_ref(), now)
        .map(|n| vec![(key.to_owned(), n)])
        .unwrap_or_default())
}
