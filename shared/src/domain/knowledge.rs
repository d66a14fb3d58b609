//! Knowledge articles, the pure part: an administrator's article validated, articles and quick
//! replies indexed and ranked (BM25F), suggestions for a customer's messages, and snippets.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use super::search::{MAX_TERM_CHARS, MIN_TERM_CHARS, fold};

pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 32;
pub const MAX_ID_CHARS: usize = 64;
/// Longer links are refused: no help-centre page needs more.
pub const MAX_URL_CHARS: usize = 2_000;
/// Distinct terms kept per field of an [`IndexedDoc`], by first appearance: bounds the entry
/// stored beside the article; a 20,000-character body rarely has more distinct words.
pub const MAX_FIELD_TERMS: usize = 2_000;
/// Distinct query words used, by first appearance.
pub const MAX_QUERY_WORDS: usize = 64;
/// A suggestion scores at least this many times the idf of a word found in one document (a
/// unit free of the corpus's size). At average length, one such word scores 1.0 once in the
/// body, 1.57 once in the title, 2.0 for two in the body: this floor, between the first two,
/// wants more than a passing mention.
pub const MIN_SUGGESTION_SCORE: f64 = 1.25;

const K1: f64 = 1.2;
const B: f64 = 0.75;
const TITLE_WEIGHT: f64 = 3.0;
/// Query words this long also match longer words they begin with.
const MIN_PREFIX_CHARS: usize = 4;
/// Query words this long tolerate a trailing plural `s`.
const MIN_PLURAL_CHARS: usize = 5;
/// Suggestions ignore shorter words.
const MIN_SUGGESTION_WORD_CHARS: usize = 3;
/// From this many documents on, suggestions ignore words found in more than half of them.
const MIN_DOCS_FOR_COMMON_WORDS: usize = 4;
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

/// Why an article is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidArticle {
    /// 400 `invalid_json`.
    #[error("the body is not a JSON article {{\"title\", \"body\", \"url\"?, \"tags\"?}}: {0}")]
    Malformed(String),
    /// 413 `too_large`.
    #[error("the body has {chars} characters, over the limit of {max}", max = MAX_BODY_CHARS)]
    TooLarge { chars: usize },
    /// 422 `invalid_article`.
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
}

fn invalid(what: &'static str, reason: impl Into<String>) -> InvalidArticle {
    InvalidArticle::Invalid {
        what,
        reason: reason.into(),
    }
}

/// An article's id from the path (already percent-decoded): 1–64 of `A-Za-z0-9_-`.
pub fn parse_article_id(raw: &str) -> Result<String, InvalidArticle> {
    let ok = (1..=MAX_ID_CHARS).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| raw.to_owned()).ok_or_else(|| {
        invalid(
            "id",
            format!("must be 1-{MAX_ID_CHARS} letters, digits, '-' or '_'"),
        )
    })
}

/// An administrator's article, valid: trimmed title and body, an `https` link, distinct tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInput {
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    title: String,
    body: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// Reads `{"title", "body", "url"?, "tags"?}`. The body's size (trimmed, in characters) is
/// checked first; a blank `url` counts as none; tags equal but for case are kept once, the
/// first spelling winning, and the limit of ten counts distinct tags.
pub fn parse_article(raw: &[u8]) -> Result<ArticleInput, InvalidArticle> {
    let raw: RawArticle =
        serde_json::from_slice(raw).map_err(|e| InvalidArticle::Malformed(e.to_string()))?;
    let body = raw.body.trim();
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(InvalidArticle::TooLarge { chars });
    }
    let title = raw.title.trim();
    let title_chars = title.chars().count();
    if !(1..=MAX_TITLE_CHARS).contains(&title_chars) {
        let reason =
            format!("must be 1-{MAX_TITLE_CHARS} characters, not blank; it has {title_chars}");
        return Err(invalid("title", reason));
    }
    if body.is_empty() {
        return Err(invalid("body", "must not be blank"));
    }
    let url = match raw.url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => Some(parse_url(url).map_err(|reason| invalid("url", reason))?),
    };
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.tags.unwrap_or_default() {
        let tag = tag.trim();
        let chars = tag.chars().count();
        if !(1..=MAX_TAG_CHARS).contains(&chars) {
            let reason =
                format!("each must be 1-{MAX_TAG_CHARS} characters, not blank; one has {chars}");
            return Err(invalid("tags", reason));
        }
        let lower = tag.to_lowercase();
        if !tags.iter().any(|t| t.to_lowercase() == lower) {
            tags.push(tag.to_owned());
        }
        if tags.len() > MAX_TAGS {
            return Err(invalid(
                "tags",
                format!("at most {MAX_TAGS} distinct tags are allowed"),
            ));
        }
    }
    Ok(ArticleInput {
        title: title.to_owned(),
        body: body.to_owned(),
        url,
        tags,
    })
}

/// An absolute `https://` link with a host: no other scheme (`javascript:`, `http:`), no
/// credentials before the host, no spaces, control characters or `\ " < > `` ` ``.
fn parse_url(url: &str) -> Result<String, String> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(format!("must be at most {MAX_URL_CHARS} characters"));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "\\\"<>`".contains(c))
    {
        return Err("must not contain spaces, control characters or \\ \" < > `".into());
    }
    let rest = match url.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => &url[8..],
        _ => return Err("must be an absolute https:// link".into()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not contain a user name or password".into());
    }
    // No IPv6 literal: a help page has a name.
    let (host, port) = authority.split_at(authority.find(':').unwrap_or(authority.len()));
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !host.split('.').all(label_ok) {
        return Err("must name a host (like help.example.com)".into());
    }
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
        });
    if !port_ok {
        return Err("has a malformed port".into());
    }
    Ok(url.to_owned())
}

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

/// A ranked document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub score: f64,
}

/// What a query word matches. A document word matches when it equals the query word or, for a
/// query word of 4+ characters that is not a number, when it begins with it (`refund` finds
/// `refunds`, `refunded`). A query word of 5+ characters ending in a single `s` loses it first
/// (`refunds` finds `refund`; `address` keeps its `ss`).
#[derive(Debug, PartialEq)]
struct Pattern {
    stem: String,
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

    fn matches(&self, word: &str) -> bool {
        if self.prefix {
            word.starts_with(&self.stem)
        } else {
            word == self.stem
        }
    }
}

/// A text's distinct query patterns of `min_chars`+ characters, stop words left out if asked.
fn patterns(text: &str, min_chars: usize, skip_stop_words: bool) -> Vec<Pattern> {
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

/// Where the first word of `text` matching one of `wanted` begins, in characters.
fn first_match(text: &[char], wanted: &[Pattern]) -> Option<usize> {
    let mut i = 0;
    while i < text.len() {
        let start = i;
        while i < text.len() && text[i].is_alphanumeric() {
            i += 1;
        }
        let word: String = text[start..i].iter().collect();
        if i > start
            && fold(&word)
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| wanted.iter().any(|p| p.matches(w)))
        {
            return Some(start);
        }
        i += 1;
    }
    None
}

/// Up to `max_chars` characters (`…` included) of the body, spaces collapsed, from a little
/// before its first word matching the query (a content word rather than a stop word when both
/// occur), else from its start; cut between words with `…` where cut.
pub fn snippet(body: &str, query: &str, max_chars: usize) -> String {
    let text: Vec<char> = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    if text.len() <= max_chars || max_chars < 3 {
        // Too narrow for an ellipsis and a word: the first characters.
        return text.into_iter().take(max_chars).collect();
    }
    let anchor = first_match(&text, &patterns(query, MIN_TERM_CHARS, true))
        .or_else(|| first_match(&text, &patterns(query, MIN_TERM_CHARS, false)))
        .unwrap_or(0);
    // A third of the room before the match, less near the end so that the room is used.
    let mut from = anchor
        .saturating_sub(max_chars / 3)
        .min(text.len() + 1 - max_chars);
    while from > 0 && from < anchor && text[from - 1] != ' ' {
        from += 1;
    }
    // Room for the text between the ellipses, which the text is longer than.
    let room = max_chars.saturating_sub(usize::from(from > 0));
    let mut out = String::new();
    let to = if from + room >= text.len() {
        text.len()
    } else {
        let end = from + room.saturating_sub(1);
        (from + 1..=end)
            .rev()
            .find(|&p| text[p] == ' ')
            .unwrap_or(end)
    };
    if from > 0 {
        out.push('…');
    }
    out.extend(&text[from..to]);
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn article(json: serde_json::Value) -> Result<ArticleInput, InvalidArticle> {
        parse_article(json.to_string().as_bytes())
    }

    fn invalid_part(json: serde_json::Value) -> &'static str {
        match article(json) {
            Err(InvalidArticle::Invalid { what, .. }) => what,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn an_article_is_trimmed_and_its_optional_fields_default() {
        let a = article(json!({"title": " Refunds ", "body": "\nWithin 14 days. "}));
        let expected = ArticleInput {
            title: "Refunds".into(),
            body: "Within 14 days.".into(),
            url: None,
            tags: vec![],
        };
        assert_eq!(a, Ok(expected));
    }

    #[test]
    fn a_body_of_20000_characters_passes_and_one_more_is_too_large() {
        let body = "é".repeat(MAX_BODY_CHARS);
        assert!(article(json!({"title": "t", "body": body})).is_ok());
        let over = format!("{body}x");
        let err = article(json!({"title": "", "body": over})).unwrap_err();
        assert_eq!(err, InvalidArticle::TooLarge { chars: 20_001 });
        assert!(err.to_string().contains("20001") && err.to_string().contains("20000"));
    }

    #[test]
    fn malformed_json_missing_fields_and_unknown_fields_are_400s() {
        for raw in [
            &b"not json"[..],
            br#"{"title":"t"}"#,
            br#"{"title":"t","body":"b","id":"x"}"#,
            br#"{"title":1,"body":"b"}"#,
        ] {
            assert!(matches!(
                parse_article(raw),
                Err(InvalidArticle::Malformed(_))
            ));
        }
    }

    #[test]
    fn titles_and_bodies_must_not_be_blank_and_titles_stay_short() {
        assert_eq!(invalid_part(json!({"title": "  ", "body": "b"})), "title");
        assert_eq!(invalid_part(json!({"title": "t", "body": " \n"})), "body");
        let long = "t".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(invalid_part(json!({"title": long, "body": "b"})), "title");
        let title = "t".repeat(MAX_TITLE_CHARS);
        assert!(article(json!({"title": title, "body": "b"})).is_ok());
    }

    #[test]
    fn only_absolute_https_links_with_a_host_are_accepted() {
        let with = |url: &str| article(json!({"title": "t", "body": "b", "url": url}));
        for ok in [
            "https://help.example.com/refunds?lang=fr#top",
            "HTTPS://Example.com",
            "https://example.com:8443/x",
            "https://bücher.example/",
        ] {
            assert_eq!(with(ok).map(|a| a.url), Ok(Some(ok.to_owned())), "{ok}");
        }
        assert_eq!(with(" ").map(|a| a.url), Ok(None));
        for bad in [
            "http://example.com",
            "javascript:alert(1)",
            "//example.com",
            "https://",
            "https:///path",
            "https://user:pw@example.com",
            "https://exa mple.com",
            "https://example.com\\@evil.com",
            "https://example..com",
            "https://example.com:99999",
            "https://example.com:",
            "https://-bad.com",
            "https://[::1]/",
        ] {
            assert!(
                matches!(with(bad), Err(InvalidArticle::Invalid { what: "url", .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn tags_are_trimmed_deduplicated_ignoring_case_and_limited() {
        let tags = json!([" Billing ", "billing", "BILLING", "Refunds"]);
        let a = article(json!({"title": "t", "body": "b", "tags": tags}));
        assert_eq!(
            a.map(|a| a.tags),
            Ok(vec!["Billing".to_owned(), "Refunds".to_owned()])
        );
        let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        let mut eleven = ten.clone();
        eleven.push("T0".into());
        let a = article(json!({"title": "t", "body": "b", "tags": eleven}));
        assert_eq!(a.map(|a| a.tags), Ok(ten.clone()));
        let mut too_many = ten;
        too_many.push("t10".into());
        let json = json!({"title": "t", "body": "b", "tags": too_many});
        assert_eq!(invalid_part(json), "tags");
        let long = "x".repeat(MAX_TAG_CHARS + 1);
        assert_eq!(
            invalid_part(json!({"title": "t", "body": "b", "tags": [long]})),
            "tags"
        );
        assert_eq!(
            invalid_part(json!({"title": "t", "body": "b", "tags": [" "]})),
            "tags"
        );
        let fits = "x".repeat(MAX_TAG_CHARS);
        assert!(article(json!({"title": "t", "body": "b", "tags": [fits]})).is_ok());
    }

    #[test]
    fn article_ids_are_short_and_plain() {
        assert_eq!(
            parse_article_id("refund-policy_2"),
            Ok("refund-policy_2".to_owned())
        );
        assert!(parse_article_id(&"a".repeat(MAX_ID_CHARS)).is_ok());
        for bad in ["", "a b", "a/b", "é", &"a".repeat(MAX_ID_CHARS + 1)] {
            assert!(
                matches!(
                    parse_article_id(bad),
                    Err(InvalidArticle::Invalid { what: "id", .. })
                ),
                "{bad}"
            );
        }
    }

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

    #[test]
    fn a_short_body_is_its_own_snippet_with_spaces_collapsed() {
        assert_eq!(
            snippet("  We refund\n\nwithin 14 days. ", "refund", 200),
            "We refund within 14 days."
        );
        assert_eq!(snippet("abc", "x", 0), "");
    }

    #[test]
    fn a_snippet_surrounds_the_first_match_and_cuts_between_words() {
        let body = format!(
            "{}Our rémboursement policy: {}",
            "filler ".repeat(60),
            "after ".repeat(60)
        );
        let s = snippet(&body, "REMBOURSEMENT", 60);
        assert!(s.contains("rémboursement policy"), "{s}");
        assert!(s.starts_with("…filler ") && s.ends_with(" after…"), "{s}");
        assert!(s.chars().count() <= 60, "{s}");
        let inner = s.trim_matches('…');
        assert!(
            body.contains(inner) && !inner.starts_with(' ') && !inner.ends_with(' '),
            "{s}"
        );
    }

    #[test]
    fn a_snippet_without_a_match_is_the_start_of_the_body() {
        let s = snippet(&"día ".repeat(100), "refund", 30);
        assert!(
            s.starts_with("día día") && s.ends_with("día…") && s.chars().count() <= 30,
            "{s}"
        );
    }

    #[test]
    fn a_snippet_prefers_a_content_word_to_a_stop_word() {
        let body = format!(
            "How it works. {} To reset, open Settings.",
            "x ".repeat(100)
        );
        assert!(snippet(&body, "how to reset", 40).contains("reset"));
        assert!(snippet(&body, "how", 40).starts_with("How it works."));
    }

    #[test]
    fn a_snippet_never_splits_a_character_even_in_an_unbroken_run() {
        let body = format!(
            "{}返金ポリシー{}",
            "日本語".repeat(50),
            "テキスト".repeat(50)
        );
        let s = snippet(&body, "x", 25);
        assert_eq!(s.chars().count(), 25);
        assert!(
            s.ends_with('…') && body.starts_with(s.trim_end_matches('…')),
            "{s}"
        );
        let near_end = format!("{} refund 🙂 ok", "émoji ".repeat(30));
        let s = snippet(&near_end, "refund", 20);
        assert!(
            s.starts_with('…') && s.ends_with("refund 🙂 ok") && s.chars().count() <= 20,
            "{s}"
        );
    }
}
