//! The customer as every notification names them: their address and profile name, and, for a
//! known contact, the directory's name, id and summary.

use serde_json::{Value, json};

use crate::ports::{ChannelStore, Contact, ConversationRecord, Notification, StoreError};

/// The notifications one change raises, each with the key that keeps it single.
pub(super) type Keyed = Vec<(String, Notification)>;

pub(super) fn customer(conversation: &ConversationRecord, contact: Option<&Contact>) -> Value {
    let mut customer = json!({
        "address": conversation.customer,
        "profile_name": conversation.profile_name,
        "authenticated": contact.is_some(),
    });
    if let Some(contact) = contact {
        customer["name"] = json!(contact.name);
        customer["contact_id"] = json!(contact.contact_id);
        customer["summary"] = Value::Object(contact.summary.clone());
    }
    customer
}

/// The directory's contact for this address, if the customer is known.
pub(super) async fn contact_of(
    store: &dyn ChannelStore,
    address: &str,
) -> Result<Option<Contact>, StoreError> {
    Ok(store
        .contacts(&[address.to_owned()])
        .await?
        .into_iter()
        .next())
}
