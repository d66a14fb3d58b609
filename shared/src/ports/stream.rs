//! The table's change stream as the use cases read it: typed items, whoever delivered them
//! (Lambda's event source mapping, DynamoDB Streams, the embedded store).

use super::{ConversationRecord, MessageRecord, PresenceRecord, ProfileRecord, SessionRecord};

/// One change of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamChange {
    /// The record's event id: the key that keeps its notifications single.
    pub id: String,
    pub kind: ChangeKind,
    /// The item before and after; `None` when absent or of a kind the use cases ignore.
    pub old: Option<StoredItem>,
    pub new: Option<StoredItem>,
    /// `Some(true)` when the record says DynamoDB's TTL removed the item; `None` when the record
    /// does not say (DynamoDB Local omits `userIdentity`).
    pub by_ttl: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Insert,
    Modify,
    Remove,
}

/// An item of the table, decoded.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a change holds at most two images and lives for one stream record; the conversation is the commonest change, so boxing it would allocate for nearly every record"
)]
pub enum StoredItem {
    Session(SessionRecord),
    Conversation(ConversationRecord),
    Message(Box<MessageRecord>),
    Presence(PresenceRecord),
    /// An agent's routing profile.
    Profile(ProfileRecord),
    /// A conversation's link to a CRM record.
    Record(super::RecordLink),
    /// A close's wrap-up holding its agent's capacity; its removal (the outcome sent, or the
    /// hold's time passed) frees that capacity.
    WrapUp(super::WrapUpHold),
}
