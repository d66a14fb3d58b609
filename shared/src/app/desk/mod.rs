//! The desk around a conversation: notes, hand-overs, quick replies, the customer summary and
//! transcript search. Each use case returns domain outcomes; agent-api maps them to HTTP.

pub mod close;
pub mod customers;
pub mod notes;
pub mod quick_replies;
pub mod search;
pub mod start;
pub mod transfer;

use serde::Serialize;

use super::ConversationView;
use super::views::rfc3339;
use crate::domain::ConversationId;
use crate::ports::{ChannelStore, Clock, EventRecord, NoteRecord, StoreError};

/// A note as agents read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteView {
    pub id: String,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

impl From<NoteRecord> for NoteView {
    fn from(n: NoteRecord) -> Self {
        Self {
            id: n.id,
            author: n.author,
            body: n.body,
            created_at: rfc3339(n.created_at),
        }
    }
}

/// A system event of the transcript (a transfer), as agents read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView {
    pub id: String,
    pub event_type: String,
    pub by: String,
    pub from_agent: Option<String>,
    pub to_agent: Option<String>,
    /// `suggestion_used`: what was inserted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    pub created_at: String,
}

impl From<EventRecord> for EventView {
    fn from(e: EventRecord) -> Self {
        Self {
            id: e.id,
            event_type: e.event_type,
            by: e.by,
            from_agent: e.from_agent,
            to_agent: e.to_agent,
            kind: e.kind,
            item_id: e.item_id,
            created_at: rfc3339(e.created_at),
        }
    }
}

/// `GET /conversations/{id}`: the conversation with its messages, its notes and its system
/// events (each oldest first).
#[derive(Debug, Clone, Serialize)]
pub struct DeskConversation {
    #[serde(flatten)]
    pub conversation: ConversationView,
    pub notes: Vec<NoteView>,
    pub events: Vec<EventView>,
    /// The agent script it follows, with the steps ticked (`null`: none applies).
    pub script: Option<super::assist::scripts::ScriptView>,
}

/// One conversation with its transcript, notes and events.
pub async fn conversation_with_desk(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
) -> Result<Option<DeskConversation>, StoreError> {
    let Some(mut conversation) = super::get_conversation(store, clock, id).await? else {
        return Ok(None);
    };
    let items = store.desk_items(id).await?;
    conversation.read = items.read.map(|r| super::views::ReadView {
        message_id: r.message_id,
        at: super::views::rfc3339(r.at),
    });
    conversation.records = Some(
        items
            .records
            .into_iter()
            .map(super::views::RecordView::from)
            .collect(),
    );
    let scripts = store.scripts().await?;
    let script =
        super::assist::scripts::script_view(&scripts, &conversation.business_number, &items.steps);
    Ok(Some(DeskConversation {
        conversation,
        notes: items.notes.into_iter().map(NoteView::from).collect(),
        events: items.events.into_iter().map(EventView::from).collect(),
        script,
    }))
}
