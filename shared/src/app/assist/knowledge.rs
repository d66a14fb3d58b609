//! Knowledge articles: administrators write them, every agent searches them. Search ranks the
//! articles' compact entries in memory ([`crate::domain::knowledge`]); the entries are read
//! again only when the knowledge's version moved, so a search costs one small read.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::app::views::rfc3339;
use crate::domain::AgentId;
use crate::domain::knowledge::{ArticleInput, Corpus, Hit, index_doc, snippet};
use crate::ports::{ArticleEntry, ArticleRecord, ChannelStore, Clock, LEAD_CHARS, StoreError};

/// Characters of a result's snippet.
pub const SNIPPET_CHARS: usize = 200;

/// An article as agents read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleView {
    pub id: String,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub updated_at: String,
    pub updated_by: String,
}

impl From<ArticleRecord> for ArticleView {
    fn from(a: ArticleRecord) -> Self {
        Self {
            id: a.id,
            title: a.title,
            body: a.body,
            url: a.url,
            tags: a.tags,
            updated_at: rfc3339(a.updated_at),
            updated_by: a.updated_by,
        }
    }
}

/// A search result: the article without its body, a snippet around the match, its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleHit {
    pub id: String,
    pub title: String,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub snippet: String,
    /// Relevance with a query (`null` when listing).
    pub score: Option<f64>,
    pub updated_at: String,
    pub updated_by: String,
}

/// The articles' entries as last read, with their ranking.
struct Loaded {
    version: u64,
    corpus: Corpus,
    entries: BTreeMap<String, ArticleEntry>,
}

/// The search side, built once per process: entries cached while the version holds.
#[derive(Default)]
pub struct Knowledge {
    cache: Mutex<Option<Arc<Loaded>>>,
}

impl Knowledge {
    pub fn new() -> Self {
        Self::default()
    }

    async fn current(&self, store: &dyn ChannelStore) -> Result<Arc<Loaded>, StoreError> {
        let version = store.knowledge_version().await?;
        if let Some(loaded) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).clone()
            && loaded.version == version
        {
            return Ok(loaded);
        }
        let (version, entries) = store.knowledge_entries().await?;
        let corpus = Corpus::new(entries.iter().map(|e| e.index.clone()).collect());
        let loaded = Arc::new(Loaded {
            version,
            corpus,
            entries: entries.into_iter().map(|e| (e.id.clone(), e)).collect(),
        });
        *self.cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(loaded.clone());
        Ok(loaded)
    }

    /// `GET /knowledge`: with a query, the best matches first; without, every article by title.
    /// `tag` (any case) keeps the articles tagged so.
    pub async fn search(
        &self,
        store: &dyn ChannelStore,
        query: Option<&str>,
        tag: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArticleHit>, StoreError> {
        let loaded = self.current(store).await?;
        let tagged = |e: &ArticleEntry| {
            tag.is_none_or(|t| {
                e.tags
                    .iter()
                    .any(|x| x.to_lowercase() == t.trim().to_lowercase())
            })
        };
        let query = query.map(str::trim).filter(|q| !q.is_empty());
        let Some(query) = query else {
            let mut all: Vec<&ArticleEntry> =
                loaded.entries.values().filter(|e| tagged(e)).collect();
            all.sort_by(|a, b| {
                (a.title.to_lowercase(), &a.id).cmp(&(b.title.to_lowercase(), &b.id))
            });
            return Ok(all
                .into_iter()
                .take(limit)
                .map(|e| hit(e, None, ""))
                .collect());
        };
        Ok(loaded
            .corpus
            .search(query, loaded.entries.len())
            .into_iter()
            .filter_map(|h| loaded.entries.get(&h.id).map(|e| (e, h)))
            .filter(|(e, _)| tagged(e))
            .take(limit)
            .map(|(e, h)| hit(e, Some(&h), query))
            .collect())
    }

    /// The articles that answer a customer's latest messages, best first.
    pub async fn suggest(
        &self,
        store: &dyn ChannelStore,
        texts: &[&str],
        limit: usize,
    ) -> Result<Vec<ArticleHit>, StoreError> {
        let loaded = self.current(store).await?;
        let query = texts.join(" ");
        Ok(loaded
            .corpus
            .suggest(texts, limit)
            .into_iter()
            .filter_map(|h| loaded.entries.get(&h.id).map(|e| hit(e, Some(&h), &query)))
            .collect())
    }
}

fn hit(entry: &ArticleEntry, found: Option<&Hit>, query: &str) -> ArticleHit {
    ArticleHit {
        id: entry.id.clone(),
        title: entry.title.clone(),
        url: entry.url.clone(),
        tags: entry.tags.clone(),
        snippet: snippet(&entry.lead, query, SNIPPET_CHARS),
        score: found.map(|h| (h.score * 1000.0).round() / 1000.0),
        updated_at: rfc3339(entry.updated_at),
        updated_by: entry.updated_by.clone(),
    }
}

/// `PUT /knowledge/{id}`: writes the article and its search entry; `true` when new.
pub async fn put(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &str,
    input: ArticleInput,
    by: &AgentId,
) -> Result<(bool, ArticleView), StoreError> {
    let article = ArticleRecord {
        id: id.to_owned(),
        title: input.title,
        body: input.body,
        url: input.url,
        tags: input.tags,
        updated_by: by.as_str().to_owned(),
        updated_at: clock.now(),
    };
    let entry = ArticleEntry {
        id: article.id.clone(),
        title: article.title.clone(),
        url: article.url.clone(),
        tags: article.tags.clone(),
        lead: article.body.chars().take(LEAD_CHARS).collect(),
        updated_by: article.updated_by.clone(),
        updated_at: article.updated_at,
        index: index_doc(&article.id, &article.title, &article.body),
    };
    let new = store.put_article(&article, &entry).await?;
    Ok((new, ArticleView::from(article)))
}
