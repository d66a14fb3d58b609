//! Reading a search from the query string: words (folded, at most [`MAX_WORDS`]), a record, a
//! customer, an agent, a time range, a cursor and a limit, each checked, or why it is refused.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::domain::WhatsAppAddress;
use crate::domain::search::terms;

/// Results per page, by default and at most.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Words a query may hold: each word after the first is checked against every candidate.
pub const MAX_WORDS: usize = 8;

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
