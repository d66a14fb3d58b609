//! [`AssistStore`] in memory: articles with their search entries and version, scripts, ticked
//! steps, and sentiment written onto messages and conversations (shown on the stream, as the
//! table's updates are).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::InMemoryChannelStore;
use crate::domain::ConversationId;
use crate::domain::sentiment::{Sentiment, SentimentTrend};
use crate::ports::{
    ArticleEntry, ArticleRecord, AssistStore, Direction, MessageRecord, ScriptRecord, StepDone,
    StoreError,
};

#[derive(Debug, Default)]
pub(super) struct AssistTables {
    version: u64,
    articles: BTreeMap<String, (ArticleRecord, ArticleEntry)>,
    scripts: BTreeMap<String, ScriptRecord>,
    /// By conversation, then (script, step).
    pub(super) steps: BTreeMap<String, BTreeMap<(String, u32), StepDone>>,
}

impl InMemoryChannelStore {
    pub(super) fn assist(&self) -> std::sync::MutexGuard<'_, AssistTables> {
        self.assist.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl AssistStore for InMemoryChannelStore {
    async fn knowledge_version(&self) -> Result<u64, StoreError> {
        Ok(self.assist().version)
    }

    async fn knowledge_entries(&self) -> Result<(u64, Vec<ArticleEntry>), StoreError> {
        let assist = self.assist();
        let entries = assist.articles.values().map(|(_, e)| e.clone()).collect();
        Ok((assist.version, entries))
    }

    async fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError> {
        Ok(self.assist().articles.get(id).map(|(a, _)| a.clone()))
    }

    async fn put_article(
        &self,
        article: &ArticleRecord,
        entry: &ArticleEntry,
    ) -> Result<bool, StoreError> {
        let mut assist = self.assist();
        assist.version += 1;
        Ok(assist
            .articles
            .insert(article.id.clone(), (article.clone(), entry.clone()))
            .is_none())
    }

    async fn delete_article(&self, id: &str) -> Result<bool, StoreError> {
        let mut assist = self.assist();
        assist.version += 1;
        Ok(assist.articles.remove(id).is_some())
    }

    async fn scripts(&self) -> Result<Vec<ScriptRecord>, StoreError> {
        Ok(self.assist().scripts.values().cloned().collect())
    }

    async fn put_script(&self, script: &ScriptRecord) -> Result<bool, StoreError> {
        Ok(self
            .assist()
            .scripts
            .insert(script.id.clone(), script.clone())
            .is_none())
    }

    async fn delete_script(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.assist().scripts.remove(id).is_some())
    }

    async fn set_step(&self, done: &StepDone, ticked: bool) -> Result<(), StoreError> {
        let mut assist = self.assist();
        let steps = assist
            .steps
            .entry(done.conversation_id.clone())
            .or_default();
        let key = (done.script_id.clone(), done.index);
        if ticked {
            steps.insert(key, done.clone());
        } else {
            steps.remove(&key);
        }
        Ok(())
    }

    async fn set_message_sentiment(
        &self,
        message_id: &str,
        sentiment: &Sentiment,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(message) = tables.messages.get_mut(message_id) else {
            return Ok(false);
        };
        let old = message.clone();
        message.sentiment = Some(sentiment.clone());
        let new = message.clone();
        drop(tables);
        self.message_changed(Some(old), new);
        Ok(true)
    }

    async fn set_conversation_sentiment(
        &self,
        conversation: &ConversationId,
        sentiment: &Sentiment,
        trend: SentimentTrend,
    ) -> Result<bool, StoreError> {
        Ok(self
            .change_conversation(conversation.as_str(), |c| {
                c.sentiment = Some(sentiment.clone());
                c.sentiment_trend = Some(trend);
                true
            })
            .is_some())
    }

    async fn latest_inbound(
        &self,
        conversation: &ConversationId,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        // Only the newest `limit` are cloned: a long conversation is read on every message.
        let tables = self.tables();
        let mut messages: Vec<&MessageRecord> = tables
            .messages
            .values()
            .filter(|m| {
                m.conversation_id == conversation.as_str() && m.direction == Direction::Inbound
            })
            .collect();
        let newest_first = |a: &&MessageRecord, b: &&MessageRecord| {
            (b.created_at, &b.id).cmp(&(a.created_at, &a.id))
        };
        if messages.len() > limit && limit > 0 {
            messages.select_nth_unstable_by(limit - 1, newest_first);
        }
        messages.truncate(limit);
        messages.sort_by(newest_first);
        Ok(messages.into_iter().cloned().collect())
    }
}
