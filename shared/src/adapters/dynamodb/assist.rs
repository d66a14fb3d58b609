//! [`AssistStore`] on the table:
//!
//! - knowledge in one partition, `KNOWLEDGE`: each article whole (`ARTICLE#{id}`), its compact
//!   search entry (`ENTRY#{id}`, what one `Query` reads to search) and a `VERSION` counter, all
//!   three written in one transaction, so a reader's cached entries are current while the
//!   version is unchanged;
//! - scripts in one small partition, `SCRIPTS` (`SCRIPT#{id}`);
//! - a ticked step in its conversation's partition (`SCRIPTSTEP#{script}#{index}`), read with
//!   the notes and events;
//! - sentiment on the message and conversation items themselves, each an `UpdateItem`
//!   conditional on the item still existing, so a late stream record never brings back an
//!   erased or expired one.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use super::conditions::conditional;
use super::items::{
    Item, Partition, PartitionQuery, SortKeys, conversation_key, conversation_pk, from_item, key,
    message_key, n, s, typed,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::ConversationId;
use crate::domain::sentiment::{Sentiment, SentimentTrend};
use crate::ports::{
    ArticleEntry, ArticleRecord, AssistStore, MessageRecord, ScriptRecord, StepDone, StoreError,
};

pub const KNOWLEDGE_PK: &str = "KNOWLEDGE";
pub const SCRIPTS_PK: &str = "SCRIPTS";
const ARTICLE: &str = "article";
const ARTICLE_ENTRY: &str = "article_entry";
const SCRIPT: &str = "script";
pub(super) const SCRIPT_STEP: &str = "script_step";

fn article_key(id: &str) -> Item {
    key(KNOWLEDGE_PK.into(), &format!("ARTICLE#{id}"))
}

fn entry_key(id: &str) -> Item {
    key(KNOWLEDGE_PK.into(), &format!("ENTRY#{id}"))
}

fn version_key() -> Item {
    key(KNOWLEDGE_PK.into(), "VERSION")
}

fn script_key(id: &str) -> Item {
    key(SCRIPTS_PK.into(), &format!("SCRIPT#{id}"))
}

fn step_key(conversation: &str, script: &str, index: u32) -> Item {
    key(
        conversation_pk(conversation),
        &format!("SCRIPTSTEP#{script}#{index:03}"),
    )
}

fn value<T: serde::Serialize>(v: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl DynamoChannelStore {
    /// The version bump that goes with every article write.
    fn bump_knowledge(&self) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(version_key()))
            .update_expression("ADD version :one")
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Sets `attributes` on the item at `key` if it still exists: `false` when it does not.
    async fn set_if_exists(
        &self,
        key: Item,
        attributes: &[(&str, AttributeValue)],
    ) -> Result<bool, StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("attribute_exists(pk)");
        let mut sets = Vec::new();
        for (i, (name, value)) in attributes.iter().enumerate() {
            sets.push(format!("#a{i} = :v{i}"));
            request = request
                .expression_attribute_names(format!("#a{i}"), *name)
                .expression_attribute_values(format!(":v{i}"), value.clone());
        }
        let result = request
            .update_expression(format!("SET {}", sets.join(", ")))
            .send()
            .await;
        Ok(conditional(result)?.is_ok())
    }
}

#[async_trait]
impl AssistStore for DynamoChannelStore {
    async fn knowledge_version(&self) -> Result<u64, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(version_key()))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .item
            .and_then(|i| i.get("version").and_then(|v| v.as_n().ok()).cloned())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    async fn knowledge_entries(&self) -> Result<(u64, Vec<ArticleEntry>), StoreError> {
        // The version first: entries read after it are at least that current.
        let version = self.knowledge_version().await?;
        let entries = self
            .query(PartitionQuery {
                sort_keys: SortKeys::Prefix("ENTRY#".into()),
                // Consistent, like the version: else an instance reloading just after a write
                // could keep older entries under the new version until the next write.
                consistent: true,
                ..PartitionQuery::of(Partition::table(KNOWLEDGE_PK))
            })
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        Ok((version, entries))
    }

    async fn article(&self, id: &str) -> Result<Option<ArticleRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(article_key(id)))
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
    }

    async fn put_article(
        &self,
        article: &ArticleRecord,
        entry: &ArticleEntry,
    ) -> Result<bool, StoreError> {
        let whole = typed(article, ARTICLE, article_key(&article.id))?;
        let compact = typed(entry, ARTICLE_ENTRY, entry_key(&entry.id))?;
        // First as new (201), then over the one there (200).
        for new in [true, false] {
            let mut put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(whole.clone()));
            if new {
                put = put.condition_expression("attribute_not_exists(pk)");
            }
            let items = vec![
                TransactWriteItem::builder()
                    .put(put.build().map_err(unavailable)?)
                    .build(),
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.table)
                            .set_item(Some(compact.clone()))
                            .build()
                            .map_err(unavailable)?,
                    )
                    .build(),
                self.bump_knowledge()?,
            ];
            if self.transact_conditional(items, "article").await? {
                return Ok(new);
            }
        }
        Err(StoreError::Unavailable(
            "the article changed while it was written".into(),
        ))
    }

    async fn delete_article(&self, id: &str) -> Result<bool, StoreError> {
        let delete = |key: Item, exists: bool| -> Result<TransactWriteItem, StoreError> {
            let mut d = Delete::builder().table_name(&self.table).set_key(Some(key));
            if exists {
                d = d.condition_expression("attribute_exists(pk)");
            }
            Ok(TransactWriteItem::builder()
                .delete(d.build().map_err(unavailable)?)
                .build())
        };
        let items = vec![
            delete(article_key(id), true)?,
            delete(entry_key(id), false)?,
            self.bump_knowledge()?,
        ];
        self.transact_conditional(items, "article").await
    }

    async fn scripts(&self) -> Result<Vec<ScriptRecord>, StoreError> {
        self.query(PartitionQuery::of(Partition::table(SCRIPTS_PK)))
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn put_script(&self, script: &ScriptRecord) -> Result<bool, StoreError> {
        self.replace(typed(script, SCRIPT, script_key(&script.id))?)
            .await
    }

    async fn delete_script(&self, id: &str) -> Result<bool, StoreError> {
        self.remove(script_key(id)).await
    }

    async fn set_step(&self, done: &StepDone, ticked: bool) -> Result<(), StoreError> {
        let at = step_key(&done.conversation_id, &done.script_id, done.index);
        if ticked {
            self.replace(typed(done, SCRIPT_STEP, at)?).await?;
        } else {
            self.remove(at).await?;
        }
        Ok(())
    }

    async fn set_message_sentiment(
        &self,
        message_id: &str,
        sentiment: &Sentiment,
    ) -> Result<bool, StoreError> {
        self.set_if_exists(message_key(message_id), &[("sentiment", value(sentiment)?)])
            .await
    }

    async fn set_conversation_sentiment(
        &self,
        conversation: &ConversationId,
        sentiment: &Sentiment,
        trend: SentimentTrend,
    ) -> Result<bool, StoreError> {
        self.set_if_exists(
            conversation_key(conversation.as_str()),
            &[
                ("sentiment", value(sentiment)?),
                ("sentiment_trend", s(trend.as_str())),
            ],
        )
        .await
    }

    async fn latest_inbound(
        &self,
        conversation: &ConversationId,
        limit: usize,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.query(PartitionQuery {
            newest_first: true,
            limit: Some(limit),
            only: Some(("direction", s("inbound"))),
            ..PartitionQuery::of(Partition::index(conversation_pk(conversation.as_str())))
        })
        .await?
        .into_iter()
        .map(from_item)
        .collect()
    }
}
