//! The table's stream records as the use cases read them: each image decoded into a
//! [`StoredItem`] by its `type` tag, and back (for `local-api`, which plays the event source
//! mapping).

use serde::Deserialize;

use super::items::{
    conversation_item, message_item, presence_item, profile_item, session_item, tag,
};
use crate::ports::StoredItem;

/// A stream image: the item format Lambda's DynamoDB events and DynamoDB Streams carry.
pub type Image = serde_dynamo::Item;

#[derive(Deserialize)]
struct TypeTag {
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn read<T: serde::de::DeserializeOwned>(image: Image) -> Option<T> {
    serde_dynamo::from_item(image).ok()
}

/// The item an image holds; `None` for an empty image, an item of a kind the use cases ignore
/// (contacts, keys, markers, early statuses), or one that does not read.
pub fn decode(image: Image) -> Option<StoredItem> {
    if image.is_empty() {
        return None;
    }
    let kind = serde_dynamo::from_item::<_, TypeTag>(image.clone())
        .ok()?
        .kind?;
    match kind.as_str() {
        tag::SESSION => read(image).map(StoredItem::Session),
        tag::CONVERSATION => read(image).map(StoredItem::Conversation),
        tag::MESSAGE => read(image).map(|m| StoredItem::Message(Box::new(m))),
        tag::PRESENCE => read(image).map(StoredItem::Presence),
        tag::AGENT_PROFILE => read(image).map(StoredItem::Profile),
        tag::RECORD_LINK => read(image).map(StoredItem::Record),
        tag::WRAP_UP => read(image).map(StoredItem::WrapUp),
        _ => None,
    }
}

/// The image of an item, as the table holds it.
pub fn encode(item: &StoredItem) -> Option<Image> {
    let item = match item {
        StoredItem::Session(record) => session_item(record).ok()?,
        StoredItem::Conversation(record) => conversation_item(record).ok()?,
        StoredItem::Message(record) => message_item(record).ok()?,
        StoredItem::Presence(record) => presence_item(record),
        StoredItem::Profile(record) => profile_item(record).ok()?,
        StoredItem::Record(record) => super::outcomes::record_link_item(record).ok()?,
        StoredItem::WrapUp(hold) => super::outcomes::wrap_up_item(hold).ok()?,
    };
    Some(Image::from(item))
}
