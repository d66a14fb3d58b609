//! Knowledge articles, the pure part: an administrator's article validated, articles and quick
//! replies indexed and ranked (BM25F), suggestions for a customer's messages, and snippets.

mod article;
mod rank;
mod snippet;
mod terms;

pub use article::{
    ArticleInput, InvalidArticle, MAX_BODY_CHARS, MAX_ID_CHARS, MAX_TAG_CHARS, MAX_TAGS,
    MAX_TITLE_CHARS, MAX_URL_CHARS, parse_article, parse_article_id,
};
pub use rank::{Corpus, Hit, MIN_SUGGESTION_SCORE};
pub use snippet::snippet;
pub use terms::{IndexedDoc, MAX_FIELD_TERMS, MAX_QUERY_WORDS, index_doc};
