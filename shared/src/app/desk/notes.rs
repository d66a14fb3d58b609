//! Agents' notes on a conversation: for agents only, never sent to the customer.

use sha2::{Digest, Sha256};

use super::NoteView;
use crate::domain::{AgentId, ConversationId};
use crate::ports::{ChannelStore, Clock, NoteRecord, StoreError, Stored};

/// A note's longest body, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// Why a note body is refused before anything is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidNote {
    #[error("the body is not a JSON object with a body string")]
    Malformed,
    #[error("the note is blank")]
    Blank,
    #[error("the note is longer than 4,000 characters")]
    TooLong,
}

/// Reads `{"body": "…"}`.
pub fn parse_note(raw: &[u8]) -> Result<String, InvalidNote> {
    let value: serde_json::Value =
        serde_json::from_slice(raw).map_err(|_| InvalidNote::Malformed)?;
    let body = value
        .get("body")
        .and_then(serde_json::Value::as_str)
        .ok_or(InvalidNote::Malformed)?;
    if body.trim().is_empty() {
        return Err(InvalidNote::Blank);
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(InvalidNote::TooLong);
    }
    Ok(body.to_owned())
}

/// What adding a note did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteAnswer {
    /// Stored now (`true`), or found stored by an earlier request with the same key.
    Added(NoteView, bool),
    NotFound,
}

/// A note's id: from the caller's `Idempotency-Key` when there is one, so that a retry finds
/// the first note instead of adding another; else a fresh UUIDv7 (sorting by creation).
fn note_id(author: &AgentId, key: Option<&str>) -> String {
    match key {
        Some(key) => {
            let digest = Sha256::digest(format!("{}\n{key}", author.as_str()).as_bytes());
            let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
            format!("k{hex}")
        }
        None => uuid::Uuid::now_v7().simple().to_string(),
    }
}

pub async fn add_note(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    author: &AgentId,
    body: String,
    idempotency_key: Option<&str>,
) -> Result<NoteAnswer, StoreError> {
    if store.conversation(id).await?.is_none() {
        return Ok(NoteAnswer::NotFound);
    }
    let note = NoteRecord {
        id: note_id(author, idempotency_key),
        conversation_id: id.as_str().to_owned(),
        author: author.as_str().to_owned(),
        body,
        created_at: clock.now(),
    };
    match store.add_note(&note).await? {
        Stored::Inserted => Ok(NoteAnswer::Added(note.into(), true)),
        Stored::Duplicate => {
            let notes = store.desk_items(id).await?.notes;
            let first = notes.into_iter().find(|n| n.id == note.id).unwrap_or(note);
            Ok(NoteAnswer::Added(first.into(), false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_needs_a_non_blank_body_of_at_most_4000_characters() {
        assert_eq!(
            parse_note(br#"{"body":"Asked for a refund"}"#).as_deref(),
            Ok("Asked for a refund")
        );
        assert_eq!(parse_note(br#"{"body":"   "}"#), Err(InvalidNote::Blank));
        assert_eq!(parse_note(b"not json"), Err(InvalidNote::Malformed));
        assert_eq!(parse_note(br#"{"body":3}"#), Err(InvalidNote::Malformed));
        let long = serde_json::json!({"body": "é".repeat(MAX_NOTE_CHARS + 1)}).to_string();
        assert_eq!(parse_note(long.as_bytes()), Err(InvalidNote::TooLong));
        let longest = serde_json::json!({"body": "é".repeat(MAX_NOTE_CHARS)}).to_string();
        assert!(parse_note(longest.as_bytes()).is_ok());
    }

    #[test]
    fn the_same_key_from_the_same_agent_names_the_same_note() {
        let alice = AgentId::from_claim("alice");
        let bob = AgentId::from_claim("bob");
        assert_eq!(note_id(&alice, Some("1")), note_id(&alice, Some("1")));
        assert_ne!(note_id(&alice, Some("1")), note_id(&bob, Some("1")));
        assert_ne!(note_id(&alice, None), note_id(&alice, None));
    }
}
