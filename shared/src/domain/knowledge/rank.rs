//! Ranking: documents ready to rank ([`Corpus`]), ordered by BM25F for a searcher's query, or
//! filtered down to the few worth suggesting for a customer's messages.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::Serialize;

use super::terms::{IndexedDoc, Pattern, patterns};
use crate::domain::search::MIN_TERM_CHARS;

/// A suggestion scores at least this many times the idf of a word found in one document (a
/// unit free of the corpus's size). At average length, one such word scores 1.0 once in the
/// body, 1.57 once in the title, 2.0 for two in the body: this floor, between the first two,
/// wants more than a passing mention.
pub const MIN_SUGGESTION_SCORE: f64 = 1.25;

const K1: f64 = 1.2;
const B: f64 = 0.75;
const TITLE_WEIGHT: f64 = 3.0;
/// Suggestions ignore shorter words.
const MIN_SUGGESTION_WORD_CHARS: usize = 3;
/// From this many documents on, suggestions ignore words found in more than half of them.
const MIN_DOCS_FOR_COMMON_WORDS: usize = 4;

/// A ranked document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub score: f64,
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: usize,
    title: u32,
    body: u32,
}

/// Documents ready to rank: every word's postings, lengths and their average.
#[derive(Debug, Clone)]
pub struct Corpus {
    ids: Vec<String>,
    lengths: Vec<f64>,
    average_length: f64,
    postings: BTreeMap<String, Vec<Posting>>,
}

impl Corpus {
    pub fn new(docs: Vec<IndexedDoc>) -> Self {
        let mut postings: BTreeMap<String, Vec<Posting>> = BTreeMap::new();
        let mut ids = Vec::with_capacity(docs.len());
        let mut lengths = Vec::with_capacity(docs.len());
        for (doc, d) in docs.into_iter().enumerate() {
            for (term, &title) in &d.title_terms {
                let body = d.body_terms.get(term).copied().unwrap_or(0);
                postings
                    .entry(term.clone())
                    .or_default()
                    .push(Posting { doc, title, body });
            }
            for (term, &body) in d
                .body_terms
                .iter()
                .filter(|(t, _)| !d.title_terms.contains_key(*t))
            {
                postings.entry(term.clone()).or_default().push(Posting {
                    doc,
                    title: 0,
                    body,
                });
            }
            ids.push(d.id);
            lengths.push(f64::from(d.length));
        }
        let total: f64 = lengths.iter().sum();
        let average_length = if total > 0.0 {
            total / lengths.len() as f64
        } else {
            1.0
        };
        Self {
            ids,
            lengths,
            average_length,
            postings,
        }
    }

    /// Documents ranked for a searcher's query (every word of it), best first, ties by id.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let matched = patterns(query, MIN_TERM_CHARS, false)
            .iter()
            .map(|p| self.matching(p))
            .collect();
        self.rank(matched, 0.0, limit)
    }

    /// Documents relevant to a customer's latest messages, or none. Words of under 3
    /// characters and English stop words are ignored (in a corpus of 3 articles nothing else
    /// tells "how" from "refund"); from 4 documents on, so are words found in more than half of
    /// them; and a hit must reach [`MIN_SUGGESTION_SCORE`].
    pub fn suggest(&self, texts: &[&str], limit: usize) -> Vec<Hit> {
        let docs = self.ids.len();
        let matched = patterns(&texts.join("\n"), MIN_SUGGESTION_WORD_CHARS, true)
            .iter()
            .map(|p| self.matching(p))
            .filter(|m| docs < MIN_DOCS_FOR_COMMON_WORDS || m.len() * 2 <= docs)
            .collect();
        self.rank(matched, MIN_SUGGESTION_SCORE * self.idf(1), limit)
    }

    /// Per document matching the pattern: its title and body counts of matching words.
    fn matching(&self, pattern: &Pattern) -> BTreeMap<usize, (u32, u32)> {
        let from = (Bound::Included(pattern.stem.as_str()), Bound::Unbounded);
        let mut per_doc: BTreeMap<usize, (u32, u32)> = BTreeMap::new();
        for (_, postings) in self
            .postings
            .range::<str, _>(from)
            .take_while(|(w, _)| pattern.matches(w))
        {
            for p in postings {
                let (title, body) = per_doc.entry(p.doc).or_default();
                *title = title.saturating_add(p.title);
                *body = body.saturating_add(p.body);
            }
        }
        per_doc
    }

    /// Lucene's BM25 idf, positive however common the word.
    fn idf(&self, matching_docs: usize) -> f64 {
        let (n, df) = (self.ids.len() as f64, matching_docs as f64);
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// BM25F: title counts weighted before one saturation per query word.
    fn rank(
        &self,
        matched: Vec<BTreeMap<usize, (u32, u32)>>,
        floor: f64,
        limit: usize,
    ) -> Vec<Hit> {
        let mut scores = vec![0.0; self.ids.len()];
        for per_doc in matched {
            let idf = self.idf(per_doc.len());
            for (doc, (title, body)) in per_doc {
                let tf = TITLE_WEIGHT * f64::from(title) + f64::from(body);
                let norm = K1 * (1.0 - B + B * self.lengths[doc] / self.average_length);
                scores[doc] += idf * tf * (K1 + 1.0) / (tf + norm);
            }
        }
        let mut hits: Vec<Hit> = scores
            .into_iter()
            .zip(&self.ids)
            .filter(|&(score, _)| score > 0.0 && score >= floor)
            .map(|(score, id)| Hit {
                id: id.clone(),
                score,
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::knowledge::index_doc;

    fn corpus(docs: &[(&str, &str, &str)]) -> Corpus {
        Corpus::new(docs.iter().map(|(id, t, b)| index_doc(id, t, b)).collect())
    }

    fn ids(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.id.as_str()).collect()
    }

    /// Three unrelated help articles, written as a shop would, function words included.
    fn shop() -> Corpus {
        corpus(&[
            (
                "refunds",
                "Refunds policy",
                "We refund orders within 14 days of delivery. If you paid by card, the money is back on your statement in 5 to 10 days. Send us your order number and we start the refund.",
            ),
            (
                "shipping",
                "Shipping times",
                "Orders ship within 2 business days. You can track your parcel with the link in your confirmation email. Deliveries to islands take longer.",
            ),
            (
                "password",
                "How to reset your password",
                "Open the app, tap Settings, then Security, and choose Reset password. You will receive a code by SMS. Codes are valid for 10 minutes.",
            ),
        ])
    }

    #[test]
    fn accents_and_case_are_folded_on_both_sides() {
        let c = corpus(&[
            ("fr", "Rémboursement", "Délai de 14 jours"),
            ("en", "Returns", "Within 14 days"),
        ]);
        assert_eq!(ids(&c.search("remboursement", 10)), ["fr"]);
        assert_eq!(ids(&c.search("DELAI", 10)), ["fr"]);
        assert_eq!(ids(&c.search("Rémboursements", 10)), ["fr"]);
    }

    #[test]
    fn a_query_word_of_four_letters_or_more_finds_longer_words() {
        let c = corpus(&[
            ("policy", "Refunds policy", "How we pay back."),
            ("late", "Late parcels", "Your order is refunded when lost."),
            ("other", "Referrals", "Invite a friend; order 12345."),
        ]);
        assert_eq!(ids(&c.search("refund", 10)), ["policy", "late"]);
        assert!(
            c.search("ref", 10).is_empty(),
            "three letters match whole words only"
        );
        assert!(
            c.search("1234", 10).is_empty(),
            "numbers match whole numbers only"
        );
        assert_eq!(ids(&c.search("12345", 10)), ["other"]);
    }

    #[test]
    fn a_plural_query_word_finds_the_singular() {
        let c = corpus(&[
            ("a", "Refund", "Within 14 days"),
            ("b", "Addresses", "Change it"),
            ("c", "Address", "x"),
        ]);
        assert_eq!(ids(&c.search("refunds", 10)), ["a"]);
        assert_eq!(ids(&c.search("address", 10)), ["c", "b"]);
    }

    #[test]
    fn a_title_match_outranks_a_body_match() {
        let c = corpus(&[
            ("body", "Contact us", "We refund within 14 days."),
            ("title", "Refund policy", "Contact us within 14 days."),
        ]);
        let hits = c.search("refund", 10);
        assert_eq!(ids(&hits), ["title", "body"]);
        assert!(hits[0].score > 1.4 * hits[1].score, "{hits:?}");
    }

    #[test]
    fn repeating_a_word_fifty_times_saturates() {
        let spam = format!("{} and nothing else here", "refund ".repeat(50));
        let c = corpus(&[
            ("spam", "Notes", &spam),
            (
                "card",
                "Refund by card",
                "We refund card payments within 14 days.",
            ),
            ("other", "Shipping", "Orders ship in 2 days."),
        ]);
        let hits = c.search("refund", 10);
        let score = |id: &str| hits.iter().find(|h| h.id == id).map_or(0.0, |h| h.score);
        assert!(score("spam") < 1.25 * score("card"), "{hits:?}");
        assert!(score("spam") < (K1 + 1.0) * c.idf(2));
        assert_eq!(ids(&c.search("refund card", 10)), ["card", "spam"]);
    }

    #[test]
    fn equal_scores_are_ordered_by_id_and_limited() {
        let c = corpus(&[
            ("b", "Refund", "x"),
            ("a", "Refund", "x"),
            ("c", "Refund", "x"),
            ("d", "Other", "y"),
        ]);
        let hits = c.search("refund", 2);
        assert_eq!(ids(&hits), ["a", "b"]);
        assert_eq!(hits[0].score, hits[1].score);
        assert!(c.search("refund", 0).is_empty());
    }

    #[test]
    fn an_empty_query_or_corpus_finds_nothing() {
        assert!(shop().search("", 10).is_empty());
        assert!(shop().search(" ?! ", 10).is_empty());
        assert!(shop().suggest(&[], 10).is_empty());
        assert!(shop().suggest(&[""], 10).is_empty());
        assert!(Corpus::new(vec![]).search("refund", 10).is_empty());
        assert!(Corpus::new(vec![]).suggest(&["refund"], 10).is_empty());
    }

    #[test]
    fn a_greeting_suggests_nothing_though_a_search_would_match_it() {
        let c = shop();
        assert_eq!(ids(&c.search("hello, how are you", 10))[0], "password");
        assert!(c.suggest(&["hello, how are you"], 3).is_empty());
        assert!(
            c.suggest(&["Hi!", "Good morning", "are you there?"], 3)
                .is_empty()
        );
    }

    #[test]
    fn a_refund_question_suggests_the_refund_article_first() {
        let c = shop();
        assert_eq!(
            ids(&c.suggest(&["can I get a refund for my order"], 3)),
            ["refunds"]
        );
        let noisy = ["Hi, I want my money back for order 1234, can I get a refund?"];
        assert_eq!(ids(&c.suggest(&noisy, 3))[0], "refunds");
    }

    #[test]
    fn a_single_passing_mention_is_not_enough_to_suggest() {
        let c = shop();
        assert_eq!(ids(&c.search("parcel", 10)), ["shipping"]);
        assert!(c.suggest(&["where is my parcel?"], 3).is_empty());
        assert_eq!(
            ids(&c.suggest(&["I want to track my parcel"], 3)),
            ["shipping"]
        );
        assert_eq!(ids(&c.suggest(&["what about shipping?"], 3)), ["shipping"]);
    }

    #[test]
    fn the_floor_does_not_depend_on_the_size_of_the_corpus() {
        let one = corpus(&[(
            "refunds",
            "Refunds policy",
            "We refund orders within 14 days.",
        )]);
        assert_eq!(ids(&one.suggest(&["can I get a refund?"], 3)), ["refunds"]);
        assert!(one.suggest(&["hello, how are you"], 3).is_empty());
    }

    #[test]
    fn with_four_documents_or_more_words_in_most_of_them_are_ignored() {
        let c = corpus(&[
            (
                "a",
                "Order, account and delivery help",
                "Your order, your account, your delivery: order details, account settings, delivery dates.",
            ),
            (
                "b",
                "Order changes",
                "Change an order or account before delivery.",
            ),
            (
                "c",
                "Delivery times",
                "Each order and account gets delivery in 2 days.",
            ),
            ("d", "Gift cards", "Cards never expire."),
        ]);
        assert_eq!(ids(&c.search("order account delivery", 1)), ["a"]);
        assert!(c.suggest(&["order account delivery"], 3).is_empty());
        assert_eq!(ids(&c.suggest(&["my order gift card"], 3)), ["d"]);
    }
}
