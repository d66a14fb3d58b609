//! Transcript search over a small inverted index kept from the table's stream: each message's
//! words (case and accents folded) become postings `TERM#{word}#{shard}`, sorted by time. A
//! query reads its longest word's postings (every shard at once, newest first; with a customer,
//! that customer's postings alone), keeps the messages that hold its other words too (direct
//! reads of their postings), and pages with a cursor. Closed conversations stay searchable: the
//! index never forgets a message.
//!
//! The cost of one answer is bounded: at most [`MAX_WORDS`] words, and [`MAX_PAGES_PER_SHARD`]
//! pages of the index. An answer the page cap cut short carries a cursor like a full one.
//!
//! `record=SYSTEM:ID` without words answers that record's conversations instead
//! ([`linked_conversations`]): one result each, its newest message, newest conversation first.
//!
//! - `request`: the query string read and validated into a [`SearchRequest`].
//! - `words`: a search by words, on the index's postings ([`search`]).
//! - `records`: a record's conversations, without words ([`linked_conversations`]).
//! - `indexing`: the stream's side, a stored message's words written as postings
//!   ([`index_change`]).

mod indexing;
mod records;
mod request;
mod words;

use serde::Serialize;

use crate::ports::Direction;

pub use indexing::index_change;
pub use records::{MAX_RECORD_CONVERSATIONS, linked_conversations};
pub use request::{
    DEFAULT_LIMIT, InvalidSearch, MAX_LIMIT, MAX_WORDS, SearchRequest, parse_search,
};
pub use words::{MAX_PAGES_PER_SHARD, search};

/// The length of a result's snippet, in characters, in both modes.
const SNIPPET_CHARS: usize = 160;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchResult {
    pub conversation_id: String,
    pub message_id: String,
    pub snippet: String,
    pub created_at: String,
    pub customer: String,
    pub direction: Option<Direction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchPage {
    pub results: Vec<SearchResult>,
    /// Present while older matches may remain: pass it back as `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
