//! Quick replies: canned answers every agent reads and administrators write.

use serde::Serialize;

use crate::app::views::rfc3339;
use crate::domain::AgentId;
use crate::ports::{ChannelStore, Clock, QuickReply, StoreError};

pub const MAX_ID_CHARS: usize = 64;
pub const MAX_TITLE_CHARS: usize = 100;
/// WhatsApp's limit for one message body.
pub const MAX_BODY_CHARS: usize = 1600;

/// Why a quick reply is refused before anything is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidQuickReply {
    #[error("the id is not 1-64 letters, digits, '-' or '_'")]
    BadId,
    #[error("the body is not a JSON object with title and body strings")]
    Malformed,
    #[error("title must be 1-100 characters and body 1-1,600, neither blank")]
    Invalid,
}

/// A quick reply's id from the path: 1–64 ASCII letters, digits, `-`, `_`.
pub fn parse_id(raw: &str) -> Result<String, InvalidQuickReply> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_ID_CHARS
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| raw.to_owned()).ok_or(InvalidQuickReply::BadId)
}

/// Reads `{"title", "body"}`.
pub fn parse_quick_reply(raw: &[u8]) -> Result<(String, String), InvalidQuickReply> {
    let value: serde_json::Value =
        serde_json::from_slice(raw).map_err(|_| InvalidQuickReply::Malformed)?;
    let text = |name: &str| value.get(name).and_then(serde_json::Value::as_str);
    let (Some(title), Some(body)) = (text("title"), text("body")) else {
        return Err(InvalidQuickReply::Malformed);
    };
    let fits = |s: &str, max: usize| !s.trim().is_empty() && s.chars().count() <= max;
    if !fits(title, MAX_TITLE_CHARS) || !fits(body, MAX_BODY_CHARS) {
        return Err(InvalidQuickReply::Invalid);
    }
    Ok((title.to_owned(), body.to_owned()))
}

/// A quick reply as agents read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuickReplyView {
    pub id: String,
    pub title: String,
    pub body: String,
    pub updated_by: String,
    pub updated_at: String,
}

impl From<QuickReply> for QuickReplyView {
    fn from(q: QuickReply) -> Self {
        Self {
            id: q.id,
            title: q.title,
            body: q.body,
            updated_by: q.updated_by,
            updated_at: rfc3339(q.updated_at),
        }
    }
}

/// Every quick reply, by title.
pub async fn list(store: &dyn ChannelStore) -> Result<Vec<QuickReplyView>, StoreError> {
    let mut all = store.quick_replies().await?;
    all.sort_by(|a, b| (a.title.to_lowercase(), &a.id).cmp(&(b.title.to_lowercase(), &b.id)));
    Ok(all.into_iter().map(QuickReplyView::from).collect())
}

/// Creates or replaces one; `true` when it is new.
pub async fn put(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: String,
    (title, body): (String, String),
    by: &AgentId,
) -> Result<(QuickReplyView, bool), StoreError> {
    let reply = QuickReply {
        id,
        title,
        body,
        updated_by: by.as_str().to_owned(),
        updated_at: clock.now(),
    };
    let new = store.put_quick_reply(&reply).await?;
    Ok((reply.into(), new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_and_plain() {
        assert!(parse_id("refund-policy_2").is_ok());
        assert_eq!(parse_id(""), Err(InvalidQuickReply::BadId));
        assert_eq!(parse_id("a b"), Err(InvalidQuickReply::BadId));
        assert_eq!(parse_id(&"a".repeat(65)), Err(InvalidQuickReply::BadId));
    }

    #[test]
    fn a_quick_reply_needs_a_title_and_a_body_within_bounds() {
        assert!(parse_quick_reply(br#"{"title":"Refund","body":"We refund in 5 days."}"#).is_ok());
        assert_eq!(
            parse_quick_reply(br#"{"title":"Refund"}"#),
            Err(InvalidQuickReply::Malformed)
        );
        assert_eq!(
            parse_quick_reply(br#"{"title":" ","body":"x"}"#),
            Err(InvalidQuickReply::Invalid)
        );
        let long = serde_json::json!({"title": "t", "body": "b".repeat(1601)}).to_string();
        assert_eq!(
            parse_quick_reply(long.as_bytes()),
            Err(InvalidQuickReply::Invalid)
        );
    }
}
