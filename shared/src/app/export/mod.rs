//! A conversation for the record (`GET /conversations/{id}/export`): everything agents read of
//! it (messages with their statuses, notes, events, outcome, records, tags, CSAT) as JSON, or as
//! one self-contained printable HTML page: no script, nothing loaded from elsewhere, every text
//! escaped.

use chrono::{DateTime, Utc};
use serde_json::Value;

mod html;

pub use html::{escape, to_html};

use super::desk::{DeskConversation, conversation_with_desk};
use super::views::rfc3339;
use crate::domain::{AdReferral, ConversationId};
use crate::ports::{ChannelStore, Clock, StoreError};

/// `format_version` of the JSON: raised when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// A conversation as exported, and when.
#[derive(Debug, Clone)]
pub struct Export {
    pub conversation: DeskConversation,
    pub exported_at: DateTime<Utc>,
}

impl Export {
    /// Makes our own routes' links (inbound attachments, ad media) absolute under `origin`
    /// (`https://abc.execute-api.eu-west-1.amazonaws.com`), so that a saved file still points
    /// at them. Links that are absolute already are left alone.
    pub fn link_from(&mut self, origin: &str) {
        let origin = origin.trim_end_matches('/');
        let absolute = |url: &mut String| {
            if url.starts_with('/') && !url.starts_with("//") {
                *url = format!("{origin}{url}");
            }
        };
        let ad = |ad: &mut Option<AdReferral>| {
            if let Some(url) = ad.as_mut().and_then(|a| a.media_url.as_mut()) {
                absolute(url);
            }
        };
        let conversation = &mut self.conversation.conversation;
        ad(&mut conversation.ad);
        for message in conversation.messages.iter_mut().flatten() {
            message.media.iter_mut().for_each(|m| absolute(&mut m.url));
            ad(&mut message.ad);
        }
    }
}

/// The conversation `id` with its transcript, notes and events, stamped with the clock's time;
/// `None` when there is no such conversation.
pub async fn export(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
) -> Result<Option<Export>, StoreError> {
    let Some(conversation) = conversation_with_desk(store, clock, id).await? else {
        return Ok(None);
    };
    Ok(Some(Export {
        conversation,
        exported_at: clock.now(),
    }))
}

/// The body of `GET /conversations/{id}`, plus `format_version` and `exported_at`.
pub fn to_json(export: &Export) -> Value {
    let mut value = serde_json::to_value(&export.conversation).unwrap_or_else(|e| {
        tracing::error!(error = %e, "export did not serialise");
        Value::Object(serde_json::Map::new())
    });
    if let Value::Object(fields) = &mut value {
        fields.insert("format_version".into(), FORMAT_VERSION.into());
        fields.insert("exported_at".into(), rfc3339(export.exported_at).into());
    }
    value
}
