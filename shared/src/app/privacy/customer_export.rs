//! `GET /customers/{address}/export`: everything stored about one customer, as JSON: their
//! contact entry, legal hold, and each conversation as its own export holds it (messages with
//! statuses, notes, events, outcome, records, tags, CSAT, attachment links).

use serde_json::{Value, json};

use crate::app::export::{export as conversation_export, to_json};
use crate::domain::{ConversationId, WhatsAppAddress};
use crate::ports::{ChannelStore, Clock, StoreError};

/// The most conversations one export reads: far beyond any one customer's.
pub const MAX_CONVERSATIONS: usize = 1_000;

/// The customer's data; `None` when they never wrote and are no contact. `origin` makes our
/// own attachment links absolute.
pub async fn customer_export(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    address: &WhatsAppAddress,
    origin: Option<&str>,
) -> Result<Option<Value>, StoreError> {
    let contact = store
        .contacts(&[address.as_str().to_owned()])
        .await?
        .into_iter()
        .next();
    let conversations = store
        .customer_conversations(address.as_str(), MAX_CONVERSATIONS)
        .await?;
    if contact.is_none() && conversations.is_empty() {
        return Ok(None);
    }
    let hold = store.legal_hold(address.as_str()).await?;
    let mut exported = Vec::with_capacity(conversations.len());
    for conversation in conversations {
        let Ok(id) = ConversationId::parse(&conversation.id) else {
            continue;
        };
        if let Some(mut one) = conversation_export(store, clock, &id).await? {
            if let Some(origin) = origin {
                one.link_from(origin);
            }
            exported.push(to_json(&one));
        }
    }
    Ok(Some(json!({
        "format_version": 1,
        "exported_at": crate::app::views::rfc3339(clock.now()),
        "customer": address.as_str(),
        "contact": contact,
        "legal_hold": hold.as_ref().map(super::LegalHoldView::of),
        "conversations": exported,
    })))
}
