//! [`ContactStore`] on the table: the customer directory.

use async_trait::async_trait;

use super::DynamoChannelStore;
use super::items::{TYPE, contact_key, s, tag, to_item};
use crate::ports::{Contact, ContactStore, StoreError};

#[async_trait]
impl ContactStore for DynamoChannelStore {
    async fn put_contact(&self, contact: &Contact) -> Result<bool, StoreError> {
        let mut item = to_item(contact)?;
        // No empty map on the item: DynamoDB Local's stream records carry one in a shape the
        // stream reader cannot decode (reading it back, an absent summary is an empty one).
        if item
            .get("summary")
            .is_some_and(|v| v.as_m().is_ok_and(|m| m.is_empty()))
        {
            item.remove("summary");
        }
        item.insert(TYPE.into(), s(tag::CONTACT));
        item.extend(contact_key(&contact.address));
        self.replace(item).await
    }

    async fn contacts(&self, addresses: &[String]) -> Result<Vec<Contact>, StoreError> {
        let mut unique: Vec<&String> = addresses.iter().collect();
        unique.sort();
        unique.dedup();
        self.batch_get(unique.iter().map(|a| contact_key(a)).collect())
            .await
    }
}
