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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use futures_util::future::try_join_all;
use serde::Serialize;

use crate::app::views::rfc3339;
use crate::domain::search::{snippet, terms};
use crate::domain::{ConversationId, MessageSid, WhatsAppAddress};
use crate::ports::desk::position;
use crate::ports::{
    ChangeKind, ChannelStore, ConversationRecord, Direction, FoundMessage, SearchIndex, StoreError,
    StoredItem, StreamChange, TermEntry, TermQuery,
};

/// Results per page, by default and at most.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Words a query may hold: each word after the first is checked against every candidate.
pub const MAX_WORDS: usize = 8;
/// Pages of each of the index's partitions read for one answer (a page holds `limit`
/// postings). When filters leave the answer short after that many, it carries a cursor and the
/// caller continues from it.
pub const MAX_PAGES_PER_SHARD: usize = 3;
const SNIPPET_CHARS: usize = 160;
/// The conversations of one record a search reads (`record=`), newest first: as many as
/// `GET /conversations?record=` lists at most.
pub const MAX_RECORD_CONVERSATIONS: usize = 500;

/// A search, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// Folded terms, all required; none when `record` alone is given.
    pub terms: Vec<String>,
    pub customer: Option<WhatsAppAddress>,
    pub agent: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Where the previous page ended.
    pub cursor: Option<String>,
    pub limit: usize,
    /// `record=SYSTEM:ID`: only the conversations linked to that record.
    pub record: Option<(String, String)>,
    /// The conversations the search keeps to (`record`'s, resolved by the caller); `None`: all.
    pub within: Option<BTreeSet<String>>,
}

/// Why a search is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSearch {
    #[error("give q (words to search for), record (SYSTEM:ID, e.g. crm:CASE-42) or both")]
    Nothing,
    #[error("q must hold at least one word of two or more letters or digits")]
    Query,
    #[error(
        "q may hold at most {} words (of two or more letters or digits)",
        MAX_WORDS
    )]
    TooManyWords,
    #[error("customer must be a URL-encoded whatsapp:+E164 address")]
    Customer,
    #[error("from and to must be RFC 3339 times, from before to")]
    Time,
    #[error("cursor is not one this search returned")]
    Cursor,
    #[error("limit must be 1 to 100")]
    Limit,
    #[error("record is SYSTEM:ID, e.g. crm:CASE-42")]
    Record,
}

/// Reads the query string's parameters.
pub fn parse_search(get: impl Fn(&str) -> Option<String>) -> Result<SearchRequest, InvalidSearch> {
    let record = get("record")
        .filter(|r| !r.is_empty())
        .map(|r| {
            crate::domain::outcomes::RecordRef::parse_query(&r).map_err(|_| InvalidSearch::Record)
        })
        .transpose()?;
    // Words, unless a record alone is asked for; a `q` given must hold a word.
    let terms = match get("q").filter(|q| !q.is_empty()) {
        None if record.is_some() => Vec::new(),
        None => return Err(InvalidSearch::Nothing),
        Some(q) if q.chars().count() > 200 => return Err(InvalidSearch::Query),
        Some(q) => match terms(&q) {
            words if words.is_empty() => return Err(InvalidSearch::Query),
            words => words,
        },
    };
    if terms.len() > MAX_WORDS {
        return Err(InvalidSearch::TooManyWords);
    }
    let customer = get("customer")
        .filter(|c| !c.is_empty())
        .map(|c| WhatsAppAddress::parse(&c).map_err(|_| InvalidSearch::Customer))
        .transpose()?;
    let time = |name| {
        get(name)
            .filter(|t| !t.is_empty())
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|t| t.to_utc())
                    .map_err(|_| InvalidSearch::Time)
            })
            .transpose()
    };
    let (from, to) = (time("from")?, time("to")?);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(InvalidSearch::Time);
    }
    let cursor = get("cursor").filter(|c| !c.is_empty());
    if let Some(c) = &cursor {
        let valid = c.split_once('#').is_some_and(|(ms, id)| {
            ms.len() == 15 && ms.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty()
        });
        if !valid {
            return Err(InvalidSearch::Cursor);
        }
    }
    let limit = match get("limit").map(|l| l.parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return Err(InvalidSearch::Limit),
    };
    Ok(SearchRequest {
        terms,
        customer,
        agent: get("agent").filter(|a| !a.is_empty()),
        from,
        to,
        cursor,
        limit,
        record,
        within: None,
    })
}

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

pub async fn search(
    index: &dyn SearchIndex,
    request: &SearchRequest,
) -> Result<SearchPage, StoreError> {
    // The longest word is usually the rarest: its postings are read, the others checked.
    let mut words = request.terms.clone();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let nowhere = request.within.as_ref().is_some_and(BTreeSet::is_empty);
    let (Some((driver, others)), false) = (words.split_first(), nowhere) else {
        return Ok(SearchPage {
            results: Vec::new(),
            cursor: None,
        });
    };
    let mut before = request.cursor.clone();
    let mut kept: Vec<TermEntry> = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PAGES_PER_SHARD {
        let page = index
            .search_term(
                &TermQuery {
                    term: driver.clone(),
                    customer: request.customer.as_ref().map(|c| c.as_str().to_owned()),
                    from: request.from,
                    to: request.to,
                    before: before.clone(),
                },
                request.limit,
            )
            .await?;
        kept.extend(matching(index, request, others, page.entries).await?);
        cursor = page.next;
        if kept.len() >= request.limit {
            if kept.len() > request.limit {
                // The rest of this page's matches come first on the next one.
                kept.truncate(request.limit);
                cursor = kept.last().map(TermEntry::position);
            }
            break;
        }
        match &cursor {
            Some(next) => before = Some(next.clone()),
            None => break,
        }
    }
    let ids: Vec<String> = kept.iter().map(|e| e.message_id.clone()).collect();
    let messages: BTreeMap<String, FoundMessage> = index
        .result_messages(&ids)
        .await?
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    let results = kept
        .iter()
        .map(|entry| result(entry, messages.get(&entry.message_id), driver))
        .collect();
    Ok(SearchPage { results, cursor })
}

/// `record=` without words: the record's conversations (`request.within`, resolved by the
/// caller), newest first, one result each: its newest message. `customer` and `agent` narrow
/// them as they narrow a search, `from`/`to` bound when a conversation started; a conversation
/// being erased is left out. A page reads its conversations (one `BatchGetItem` per `limit`
/// of them, or per 100 with a filter), then each kept one's newest message (one `Query` each,
/// at once).
pub async fn linked_conversations(
    store: &dyn ChannelStore,
    request: &SearchRequest,
) -> Result<SearchPage, StoreError> {
    let mut page = SearchPage {
        results: Vec::new(),
        cursor: None,
    };
    let Some(within) = &request.within else {
        return Ok(page);
    };
    // Conversation ids are UUIDv7s: their order is their creation's, so the cursor's id is
    // where the previous page ended.
    let after = request
        .cursor
        .as_deref()
        .and_then(|c| c.split_once('#'))
        .map(|(_, id)| id);
    let candidates: Vec<String> = within
        .iter()
        .rev()
        .filter(|id| after.is_none_or(|after| id.as_str() < after))
        .filter(|id| ConversationId::parse(id).is_ok())
        .cloned()
        .collect();
    let limit = request.limit.max(1);
    // Unfiltered, a page's conversations are all kept: read just those. Filtered, read 100 at
    // a time (one `BatchGetItem`'s most), so even 500 links cost at most 5.
    let filtered = request.customer.is_some()
        || request.agent.is_some()
        || request.from.is_some()
        || request.to.is_some();
    let chunk = if filtered { 100 } else { limit };
    let mut kept: Vec<(ConversationId, ConversationRecord)> = Vec::new();
    let mut examined = 0;
    'chunks: for chunk in candidates.chunks(chunk) {
        let mut found: HashMap<String, ConversationRecord> = store
            .result_conversations(chunk)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        for id in chunk {
            examined += 1;
            let Some(conversation) = found.remove(id).filter(|c| keeps(request, c)) else {
                continue;
            };
            let Ok(parsed) = ConversationId::parse(id) else {
                continue;
            };
            kept.push((parsed, conversation));
            if kept.len() == limit {
                if examined < candidates.len() {
                    page.cursor = kept.last().map(|(_, c)| position(c.started_at, &c.id));
                }
                break 'chunks;
            }
        }
    }
    let newest = try_join_all(kept.iter().map(|(id, _)| store.last_message(id))).await?;
    // A conversation always holds its first message; one without any is being erased.
    page.results = kept
        .into_iter()
        .zip(newest)
        .filter_map(|((_, conversation), message)| {
            let message = message?;
            Some(SearchResult {
                conversation_id: conversation.id,
                snippet: opening(message.body.as_deref().unwrap_or_default()),
                message_id: message.id,
                created_at: rfc3339(message.created_at),
                customer: conversation.customer,
                direction: Some(message.direction),
            })
        })
        .collect();
    Ok(page)
}

/// Whether a record's conversation passes the search's filters.
fn keeps(request: &SearchRequest, c: &ConversationRecord) -> bool {
    !c.erasing
        && request
            .customer
            .as_ref()
            .is_none_or(|customer| customer.as_str() == c.customer)
        && request
            .agent
            .as_deref()
            .is_none_or(|agent| c.assigned_agent.as_deref() == Some(agent))
        && request.from.is_none_or(|from| c.started_at >= from)
        && request.to.is_none_or(|to| c.started_at <= to)
}

/// A message's first [`SNIPPET_CHARS`] characters, `…` when it goes on.
fn opening(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(SNIPPET_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// The candidates that hold every other word and, with `agent`, belong to that agent's
/// conversations. One `has_terms` per 100 postings checked, all at once.
async fn matching(
    index: &dyn SearchIndex,
    request: &SearchRequest,
    others: &[String],
    candidates: Vec<TermEntry>,
) -> Result<Vec<TermEntry>, StoreError> {
    let mut candidates = candidates;
    if let Some(within) = &request.within {
        candidates.retain(|c| within.contains(&c.conversation_id));
    }
    if !others.is_empty() && !candidates.is_empty() {
        let wanted: Vec<(String, TermEntry)> = candidates
            .iter()
            .flat_map(|c| others.iter().map(|w| (w.clone(), c.clone())))
            .collect();
        let chunks = try_join_all(wanted.chunks(100).map(|chunk| index.has_terms(chunk))).await?;
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (term, message) in chunks.into_iter().flatten() {
            found.entry(message).or_default().insert(term);
        }
        candidates.retain(|c| {
            found
                .get(&c.message_id)
                .is_some_and(|terms| others.iter().all(|w| terms.contains(w)))
        });
    }
    if let Some(agent) = &request.agent
        && !candidates.is_empty()
    {
        let ids: BTreeSet<String> = candidates
            .iter()
            .map(|c| c.conversation_id.clone())
            .collect();
        let ids: Vec<String> = ids.into_iter().collect();
        let theirs: BTreeSet<String> = index
            .result_conversations(&ids)
            .await?
            .into_iter()
            .filter(|c| c.assigned_agent.as_deref() == Some(agent.as_str()))
            .map(|c| c.id)
            .collect();
        candidates.retain(|c| theirs.contains(&c.conversation_id));
    }
    Ok(candidates)
}

fn result(entry: &TermEntry, message: Option<&FoundMessage>, driver: &str) -> SearchResult {
    let text = message.and_then(|m| m.body.as_deref()).unwrap_or_default();
    SearchResult {
        conversation_id: entry.conversation_id.clone(),
        message_id: entry.message_id.clone(),
        snippet: snippet(text, driver, SNIPPET_CHARS),
        created_at: rfc3339(entry.created_at),
        customer: entry.customer.clone(),
        direction: message.map(|m| m.direction),
    }
}

/// The stream's side: a stored message's words become postings. Replies are indexed once they
/// carry Twilio's sid (not while pending or deferred); writing a posting again changes nothing,
/// so a redelivered record is harmless.
pub async fn index_change(
    store: &dyn ChannelStore,
    change: &StreamChange,
) -> Result<usize, StoreError> {
    let (ChangeKind::Insert | ChangeKind::Modify, Some(StoredItem::Message(message))) =
        (change.kind, change.new.as_ref())
    else {
        return Ok(0);
    };
    let already = matches!(&change.old, Some(StoredItem::Message(old)) if old.id == message.id && old.body == message.body);
    let Some(body) = message.body.as_deref() else {
        return Ok(0);
    };
    if already || MessageSid::parse(&message.id).is_err() {
        return Ok(0);
    }
    let Ok(id) = ConversationId::parse(&message.conversation_id) else {
        return Ok(0);
    };
    let Some(conversation) = store.conversation(&id).await? else {
        return Ok(0);
    };
    let entries: Vec<TermEntry> = terms(body)
        .into_iter()
        .map(|term| TermEntry {
            term,
            message_id: message.id.clone(),
            conversation_id: conversation.id.clone(),
            customer: conversation.customer.clone(),
            created_at: message.created_at,
        })
        .collect();
    store.index_terms(&entries).await?;
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(q: &str) -> Result<SearchRequest, InvalidSearch> {
        parse_search(|name| (name == "q").then(|| q.to_owned()))
    }

    #[test]
    fn a_query_of_eight_words_is_searched_and_one_of_nine_is_refused() {
        let words = ["aa", "bb", "cc", "dd", "ee", "ff", "gg", "hh", "ii"];
        assert_eq!(
            parsed(&words[..8].join(" ")).unwrap().terms.len(),
            MAX_WORDS
        );
        assert_eq!(parsed(&words.join(" ")), Err(InvalidSearch::TooManyWords));
    }

    #[test]
    fn repeated_words_and_single_letters_do_not_count_against_the_cap() {
        let q = format!("{} a b c d e f g h i j", "order ".repeat(20));
        assert_eq!(parsed(&q).unwrap().terms, vec!["order"]);
    }

    fn parsed_from(pairs: &[(&str, &str)]) -> Result<SearchRequest, InvalidSearch> {
        parse_search(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn a_record_alone_is_a_search_without_words() {
        let request = parsed_from(&[("record", "crm:CASE-42")]).unwrap();
        assert!(request.terms.is_empty());
        assert_eq!(request.record, Some(("crm".into(), "CASE-42".into())));
        let both = parsed_from(&[("q", "parcel"), ("record", "crm:CASE-42")]).unwrap();
        assert_eq!(both.terms, vec!["parcel"]);
    }

    #[test]
    fn neither_words_nor_a_record_is_refused_and_says_so() {
        assert_eq!(parsed_from(&[]), Err(InvalidSearch::Nothing));
        assert_eq!(parsed_from(&[("q", "")]), Err(InvalidSearch::Nothing));
        assert!(InvalidSearch::Nothing.to_string().contains("record"));
        // A `q` given must hold a word, with a record too; a bad record is named.
        assert_eq!(
            parsed_from(&[("q", "!!"), ("record", "crm:CASE-42")]),
            Err(InvalidSearch::Query)
        );
        assert_eq!(
            parsed_from(&[("record", "CASE-42")]),
            Err(InvalidSearch::Record)
        );
    }

    #[test]
    fn the_refusal_names_the_cap() {
        assert!(
            InvalidSearch::TooManyWords
                .to_string()
                .contains("at most 8 words")
        );
    }
}
