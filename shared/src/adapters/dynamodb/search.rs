//! [`SearchIndex`] on the table: postings `TERM#{folded word}#{shard}`, sorted by
//! `{created ms}#{message id}`; a message's words share its shard (a hash of its id). Each
//! posting is also in its customer's partition of `gsi2`, `CUST#{customer}#TERM#{word}` (same
//! sort key), so that a customer's search reads that customer's postings alone.

use std::cmp::Reverse;
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};
use futures_util::future::try_join_all;
use serde::Deserialize;

use super::conditions::{failed_condition, transaction};
use super::items::{
    CUSTOMER_INDEX, CUSTOMER_INDEX_PK, CUSTOMER_INDEX_SK, ERASING, Item, TYPE, conversation_key,
    customer_partition, from_item, key, message_key, s, to_item,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::search::{TERM_SHARDS, shard_of};
use crate::ports::{
    ConversationRecord, Direction, FoundMessage, SearchIndex, StoreError, TermEntry, TermPage,
    TermQuery,
};

const TERM: &str = "term";

pub fn term_pk(term: &str, message_id: &str) -> String {
    format!("TERM#{term}#{}", shard_of(message_id))
}

/// A customer's postings of a term, on `gsi2`.
pub(super) fn customer_term_partition(customer: &str, term: &str) -> String {
    format!("{}#TERM#{term}", customer_partition(customer))
}

fn term_key(term: &str, entry: &TermEntry) -> Item {
    key(term_pk(term, &entry.message_id), &entry.position())
}

fn term_item(entry: &TermEntry) -> Result<Item, StoreError> {
    let mut item = to_item(entry)?;
    item.insert(TYPE.into(), s(TERM));
    item.insert(
        CUSTOMER_INDEX_PK.into(),
        s(customer_term_partition(&entry.customer, &entry.term)),
    );
    item.insert(CUSTOMER_INDEX_SK.into(), s(entry.position()));
    item.extend(term_key(&entry.term, entry));
    Ok(item)
}

/// One partition to read: the table's shard, or a customer's postings on `gsi2`.
struct Partition {
    index: Option<&'static str>,
    pk_name: &'static str,
    sk_name: &'static str,
    pk: String,
}

/// One page of one partition.
#[derive(Debug, Default)]
struct PartitionPage {
    /// Newest first, strictly older than the query's upper bound.
    entries: Vec<TermEntry>,
    /// The position the page stopped at, when the partition may hold older postings.
    stopped_at: Option<String>,
}

/// The pages of every partition as one page: newest first, only as far down as every partition
/// was read (a partition that stopped early bounds the others: what they hold below its stop
/// is read again from the cursor), at most `limit`.
fn merge(pages: Vec<PartitionPage>, limit: usize) -> TermPage {
    let frontier = pages.iter().filter_map(|p| p.stopped_at.clone()).max();
    let mut entries: Vec<TermEntry> = pages
        .into_iter()
        .flat_map(|p| p.entries)
        .filter(|e| frontier.as_ref().is_none_or(|f| e.position() >= *f))
        .collect();
    entries.sort_by_key(|e| Reverse(e.position()));
    if entries.len() > limit {
        entries.truncate(limit);
        let next = entries.last().map(TermEntry::position);
        TermPage { entries, next }
    } else {
        TermPage {
            entries,
            next: frontier,
        }
    }
}

/// The sort-key range of a query: `lo` inclusive, `hi` exclusive (the older of `to` and the
/// cursor).
fn range(query: &TermQuery) -> (String, String) {
    let lo = query.from.map_or_else(
        || "0".to_owned(),
        |t| format!("{:015}#", t.timestamp_millis().max(0)),
    );
    let to = query
        .to
        .map(|t| format!("{:015}#", t.timestamp_millis().saturating_add(1).max(0)));
    let hi = match (to, &query.before) {
        (Some(a), Some(b)) => a.min(b.clone()),
        (Some(a), None) => a,
        (None, Some(b)) => b.clone(),
        (None, None) => "~".to_owned(),
    };
    (lo, hi)
}

/// A message item's fields a result shows; an early status (no direction) is no message yet.
#[derive(Deserialize)]
struct MessageRow {
    pk: String,
    #[serde(default)]
    direction: Option<Direction>,
    #[serde(default)]
    body: Option<String>,
}

impl DynamoChannelStore {
    /// One `Query` of one partition, newest first.
    async fn read_partition(
        &self,
        partition: &Partition,
        query: &TermQuery,
        limit: usize,
    ) -> Result<PartitionPage, StoreError> {
        let (lo, hi) = range(query);
        if lo >= hi {
            // A cursor older than `from`: nothing to read (and BETWEEN would refuse it).
            return Ok(PartitionPage::default());
        }
        // BETWEEN includes `hi`, the cursor's own posting: one more than `limit` to drop it,
        // and one more again to know whether older postings remain.
        let read = i32::try_from(limit + 2).unwrap_or(i32::MAX);
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(partition.index.map(str::to_owned))
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
            .expression_attribute_names("#pk", partition.pk_name)
            .expression_attribute_names("#sk", partition.sk_name)
            .expression_attribute_values(":pk", s(partition.pk.clone()))
            .expression_attribute_values(":lo", s(lo))
            .expression_attribute_values(":hi", s(hi.clone()))
            .scan_index_forward(false)
            .limit(read)
            .send()
            .await
            .map_err(unavailable)?;
        let mut entries = Vec::new();
        for item in page.items.unwrap_or_default() {
            let entry: TermEntry = from_item(item)?;
            if entry.position() < hi {
                entries.push(entry);
            }
        }
        let stopped_at = page
            .last_evaluated_key
            .and_then(|mut key| key.remove(partition.sk_name))
            .and_then(|sk| sk.as_s().ok().cloned());
        Ok(PartitionPage {
            entries,
            stopped_at,
        })
    }
}

#[async_trait]
impl SearchIndex for DynamoChannelStore {
    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError> {
        // Each write is conditional on its conversation standing and not being erased, so a
        // posting written from the stream behind an erasure's sweep cannot bring the words back:
        // one transaction of a condition and up to 99 postings.
        let mut by_conversation: HashMap<&str, Vec<&TermEntry>> = HashMap::new();
        for entry in entries {
            by_conversation
                .entry(entry.conversation_id.as_str())
                .or_default()
                .push(entry);
        }
        for (conversation, entries) in by_conversation {
            for chunk in entries.chunks(99) {
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(conversation_key(conversation)))
                    .condition_expression(format!(
                        "attribute_exists(pk) AND attribute_not_exists({ERASING})"
                    ))
                    .build()
                    .map_err(unavailable)?;
                let mut items = vec![TransactWriteItem::builder().condition_check(check).build()];
                for entry in chunk {
                    let put = Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(term_item(entry)?))
                        .build()
                        .map_err(unavailable)?;
                    items.push(TransactWriteItem::builder().put(put).build());
                }
                let result = self
                    .client
                    .transact_write_items()
                    .set_transact_items(Some(items))
                    .send()
                    .await;
                if let Err(reasons) = transaction(result)? {
                    if failed_condition(reasons.first()) {
                        // Gone or being erased: nothing of it is indexed again.
                        break;
                    }
                    return Err(StoreError::Unavailable(
                        format!("the postings' transaction was cancelled: {reasons:?}").into(),
                    ));
                }
            }
        }
        Ok(())
    }

    async fn search_term(&self, query: &TermQuery, limit: usize) -> Result<TermPage, StoreError> {
        let partitions: Vec<Partition> = match &query.customer {
            // A customer's postings of the term are one small partition of gsi2.
            Some(customer) => vec![Partition {
                index: Some(CUSTOMER_INDEX),
                pk_name: CUSTOMER_INDEX_PK,
                sk_name: CUSTOMER_INDEX_SK,
                pk: customer_term_partition(customer, &query.term),
            }],
            // Every shard at once, merged newest first.
            None => (0..TERM_SHARDS)
                .map(|shard| Partition {
                    index: None,
                    pk_name: "pk",
                    sk_name: "sk",
                    pk: format!("TERM#{}#{shard}", query.term),
                })
                .collect(),
        };
        let pages = try_join_all(
            partitions
                .iter()
                .map(|partition| self.read_partition(partition, query, limit)),
        )
        .await?;
        Ok(merge(pages, limit))
    }

    async fn has_terms(
        &self,
        wanted: &[(String, TermEntry)],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut keys: HashMap<(String, String), Item> = HashMap::new();
        for (term, entry) in wanted {
            keys.insert(
                (term.clone(), entry.message_id.clone()),
                term_key(term, entry),
            );
        }
        let found: Vec<TermEntry> = self.batch_get(keys.into_values().collect()).await?;
        Ok(found.into_iter().map(|e| (e.term, e.message_id)).collect())
    }

    async fn result_messages(&self, ids: &[String]) -> Result<Vec<FoundMessage>, StoreError> {
        let mut keys: HashMap<&str, Item> = HashMap::new();
        for id in ids {
            keys.insert(id, message_key(id));
        }
        let rows: Vec<MessageRow> = self.batch_get(keys.into_values().collect()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(FoundMessage {
                    id: row.pk.strip_prefix("MSG#")?.to_owned(),
                    direction: row.direction?,
                    body: row.body,
                })
            })
            .collect())
    }

    async fn result_conversations(
        &self,
        ids: &[String],
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let mut keys: HashMap<&str, Item> = HashMap::new();
        for id in ids {
            keys.insert(id, conversation_key(id));
        }
        self.batch_get(keys.into_values().collect()).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc};

    use super::*;

    fn posting(minute: i64, id: &str) -> TermEntry {
        let t0: DateTime<Utc> = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        TermEntry {
            term: "order".into(),
            message_id: id.into(),
            conversation_id: "c".into(),
            customer: "whatsapp:+447700900123".into(),
            created_at: t0 + TimeDelta::minutes(minute),
        }
    }

    fn ids(page: &TermPage) -> Vec<&str> {
        page.entries.iter().map(|e| e.message_id.as_str()).collect()
    }

    #[test]
    fn merged_shards_are_newest_first_and_cut_at_the_limit_with_a_cursor() {
        let a = PartitionPage {
            entries: vec![posting(9, "a9"), posting(5, "a5"), posting(1, "a1")],
            stopped_at: None,
        };
        let b = PartitionPage {
            entries: vec![posting(8, "b8"), posting(2, "b2")],
            stopped_at: None,
        };
        let page = merge(vec![a, b], 3);
        assert_eq!(ids(&page), ["a9", "b8", "a5"]);
        assert_eq!(page.next, Some(posting(5, "a5").position()));
    }

    #[test]
    fn exhausted_shards_within_the_limit_leave_no_cursor() {
        let a = PartitionPage {
            entries: vec![posting(9, "a9")],
            stopped_at: None,
        };
        let page = merge(vec![a, PartitionPage::default()], 3);
        assert_eq!(ids(&page), ["a9"]);
        assert_eq!(page.next, None);
    }

    #[test]
    fn a_shard_that_stopped_early_bounds_the_page_and_its_stop_is_the_cursor() {
        // Shard a stopped (DynamoDB's 1 MB page) after minute 7: shard b's older postings
        // are not known to be the newest left, so they wait for the next page.
        let a = PartitionPage {
            entries: vec![posting(9, "a9"), posting(7, "a7")],
            stopped_at: Some(posting(7, "a7").position()),
        };
        let b = PartitionPage {
            entries: vec![posting(8, "b8"), posting(2, "b2")],
            stopped_at: None,
        };
        let page = merge(vec![a, b], 10);
        assert_eq!(ids(&page), ["a9", "b8", "a7"]);
        assert_eq!(page.next, Some(posting(7, "a7").position()));
    }

    #[test]
    fn the_range_excludes_the_cursor_and_ends_after_to() {
        let query = TermQuery {
            term: "order".into(),
            from: Some(posting(1, "x").created_at),
            to: Some(posting(5, "x").created_at),
            before: Some(posting(3, "m3").position()),
            ..TermQuery::default()
        };
        let (lo, hi) = range(&query);
        assert!(lo <= posting(1, "x").position());
        assert_eq!(hi, posting(3, "m3").position());
        let (_, hi) = range(&TermQuery {
            before: None,
            ..query
        });
        assert!(posting(5, "zzz").position() < hi && hi < posting(6, "0").position());
    }
}
