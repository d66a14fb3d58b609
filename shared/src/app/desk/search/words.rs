//! A search by words: the longest word's postings read page by page (newest first, at most
//! [`MAX_PAGES_PER_SHARD`] pages), the candidates that hold the other words (and, with `agent`,
//! are that agent's) kept, and each result's snippet around the word.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::try_join_all;

use super::{SNIPPET_CHARS, SearchPage, SearchRequest, SearchResult};
use crate::app::views::rfc3339;
use crate::domain::search::snippet;
use crate::ports::{FoundMessage, SearchIndex, StoreError, TermEntry, TermQuery};

/// Pages of each of the index's partitions read for one answer (a page holds `limit`
/// postings). When filters leave the answer short after that many, it carries a cursor and the
/// caller continues from it.
pub const MAX_PAGES_PER_SHARD: usize = 3;

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
