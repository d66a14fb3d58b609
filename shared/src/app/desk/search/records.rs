//! `record=SYSTEM:ID` without words: the record's conversations, newest first, one result each
//! (its newest message), narrowed by the search's filters and paged with a cursor.

use std::collections::HashMap;

use futures_util::future::try_join_all;

use super::{SNIPPET_CHARS, SearchPage, SearchRequest, SearchResult};
use crate::app::views::rfc3339;
use crate::domain::ConversationId;
use crate::ports::desk::position;
use crate::ports::{ChannelStore, ConversationRecord, StoreError};

/// The conversations of one record a search reads (`record=`), newest first: as many as
/// `GET /conversations?record=` lists at most.
pub const MAX_RECORD_CONVERSATIONS: usize = 500;

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
