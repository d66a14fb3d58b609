//! Terms: the folded words of a text, counted as a document's search entry ([`IndexedDoc`])
//! or read as a query's patterns, English stop words left out where asked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::search::{MAX_TERM_CHARS, MIN_TERM_CHARS, fold};

/// Distinct terms kept per field of an [`IndexedDoc`], by first appearance: bounds the entry
/// stored beside the article; a 20,000-character body rarely has more distinct words.
pub const MAX_FIELD_TERMS: usize = 2_000;
/// Distinct query words used, by first appearance.
pub const MAX_QUERY_WORDS: usize = 64;
/// Query words this long also match longer words they begin with.
const MIN_PREFIX_CHARS: usize = 4;
/// Query words this long tolerate a trailing plural `s`.
const MIN_PLURAL_CHARS: usize = 5;
/// NLTK's English stop words (`nltk.corpus.stopwords.words("english")`, built on Snowball's),
/// the entries of 3+ letters without an apostrophe: words split `aren't` into `aren` and `t`,
/// and shorter words are never suggestion words. Sorted for `binary_search`.
#[rustfmt::skip]
const STOP_WORDS: [&str; 119] = [
    "about", "above", "after", "again", "against", "ain", "all", "and", "any", "are", "aren",
    "because", "been", "before", "being", "below", "between", "both", "but", "can", "couldn",
    "did", "didn", "does", "doesn", "doing", "don", "down", "during", "each", "few", "for",
    "from", "further", "had", "hadn", "has", "hasn", "have", "haven", "having", "her", "here",
    "hers", "herself", "him", "himself", "his", "how", "into", "isn", "its", "itself", "just",
    "mightn", "more", "most", "mustn", "myself", "needn", "nor", "not", "now", "off", "once",
    "only", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "shan", "she",
    "should", "shouldn", "some", "such", "than", "that", "the", "their", "theirs", "them",
    "themselves", "then", "there", "these", "they", "this", "those", "through", "too", "under",
    "until", "very", "was", "wasn", "were", "weren", "what", "when", "where", "which", "while",
    "who", "whom", "why", "will", "with", "won", "wouldn", "you", "your", "yours", "yourself",
    "yourselves",
];

/// A document's compact search entry: folded word counts of its title and body (each capped at
/// [`MAX_FIELD_TERMS`] distinct words, by first appearance), and its length in words (all of
/// them, kept or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedDoc {
    pub id: String,
    pub title_terms: BTreeMap<String, u32>,
    pub body_terms: BTreeMap<String, u32>,
    pub length: u32,
}

/// Folded words: runs of letters and digits of 2–40 characters.
fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| (MIN_TERM_CHARS..=MAX_TERM_CHARS).contains(&w.chars().count()))
        .map(str::to_owned)
        .collect()
}

/// The search entry of an article or a quick reply.
pub fn index_doc(id: &str, title: &str, body: &str) -> IndexedDoc {
    let mut length = 0u32;
    let mut count = |text: &str| {
        let mut terms = BTreeMap::new();
        for word in words(text) {
            length = length.saturating_add(1);
            if terms.len() < MAX_FIELD_TERMS || terms.contains_key(&word) {
                let n: &mut u32 = terms.entry(word).or_default();
                *n = n.saturating_add(1);
            }
        }
        terms
    };
    let title_terms = count(title);
    let body_terms = count(body);
    IndexedDoc {
        id: id.to_owned(),
        title_terms,
        body_terms,
        length,
    }
}

/// What a query word matches. A document word matches when it equals the query word or, for a
/// query word of 4+ characters that is not a number, when it begins with it (`refund` finds
/// `refunds`, `refunded`). A query word of 5+ characters ending in a single `s` loses it first
/// (`refunds` finds `refund`; `address` keeps its `ss`).
#[derive(Debug, PartialEq)]
pub(super) struct Pattern {
    pub(super) stem: String,
    prefix: bool,
}

impl Pattern {
    fn new(word: &str) -> Self {
        let chars = word.chars().count();
        let prefix = chars >= MIN_PREFIX_CHARS && !word.chars().all(char::is_numeric);
        let plural = chars >= MIN_PLURAL_CHARS && word.ends_with('s') && !word.ends_with("ss");
        let stem = if plural {
            &word[..word.len() - 1]
        } else {
            word
        };
        Self {
            stem: stem.to_owned(),
            prefix,
        }
    }

    pub(super) fn matches(&self, word: &str) -> bool {
        if self.prefix {
            word.starts_with(&self.stem)
        } else {
            word == self.stem
        }
    }
}

/// A text's distinct query patterns of `min_chars`+ characters, stop words left out if asked.
pub(super) fn patterns(text: &str, min_chars: usize, skip_stop_words: bool) -> Vec<Pattern> {
    let mut out: Vec<Pattern> = Vec::new();
    for word in words(text) {
        let stop = skip_stop_words && STOP_WORDS.binary_search(&word.as_str()).is_ok();
        if word.chars().count() < min_chars || stop {
            continue;
        }
        let pattern = Pattern::new(&word);
        if !out.contains(&pattern) {
            out.push(pattern);
            if out.len() == MAX_QUERY_WORDS {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doc_counts_folded_words_per_field_and_all_its_words() {
        let d = index_doc("a", "Refund, REFUND", "Remboursement: rémboursement a x 42");
        assert_eq!(d.title_terms, BTreeMap::from([("refund".to_owned(), 2)]));
        let body = BTreeMap::from([("42".to_owned(), 1), ("remboursement".to_owned(), 2)]);
        assert_eq!(d.body_terms, body);
        assert_eq!(d.length, 5);
    }

    #[test]
    fn a_long_body_keeps_its_first_2000_distinct_words() {
        let body: Vec<String> = (0..2_500).map(|i| format!("w{i}")).collect();
        let d = index_doc("a", "t1", &format!("{} w0 w2499", body.join(" ")));
        assert_eq!(d.body_terms.len(), MAX_FIELD_TERMS);
        assert_eq!(d.body_terms.get("w0"), Some(&2));
        assert!(!d.body_terms.contains_key("w2499"));
        assert_eq!(d.length, 2_503);
    }
}
