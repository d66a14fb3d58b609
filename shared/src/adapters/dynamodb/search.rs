//! [`SearchIndex`] on the table: postings `TERM#{folded word}#{shard}`, sorted by
//! `{created ms}#{message id}`; a message's words share its shard (a hash of its id).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures_util::future::try_join_all;

use super::items::{Item, TYPE, from_item, key, s, to_item};
use super::{DynamoChannelStore, unavailable};
use crate::domain::search::{TERM_SHARDS, shard_of};
use crate::ports::{SearchIndex, StoreError, TermEntry, TermQuery};

const TERM: &str = "term";

pub fn term_pk(term: &str, message_id: &str) -> String {
    format!("TERM#{term}#{}", shard_of(message_id))
}

fn term_key(term: &str, entry: &TermEntry) -> Item {
    key(term_pk(term, &entry.message_id), &entry.position())
}

fn term_item(entry: &TermEntry) -> Result<Item, StoreError> {
    let mut item = to_item(entry)?;
    item.insert(TYPE.into(), s(TERM));
    item.extend(term_key(&entry.term, entry));
    Ok(item)
}

impl DynamoChannelStore {
    /// One shard of a term's postings, newest first, pages read until `limit` are kept.
    async fn search_shard(
        &self,
        query: &TermQuery,
        shard: u32,
        limit: usize,
    ) -> Result<Vec<TermEntry>, StoreError> {
        let lo = query.from.map_or_else(
            || "0".to_owned(),
            |t| format!("{:015}#", t.timestamp_millis()),
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
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(format!("TERM#{}#{shard}", query.term)))
                .expression_attribute_values(":lo", s(lo.clone()))
                .expression_attribute_values(":hi", s(hi.clone()))
                .scan_index_forward(false)
                .set_exclusive_start_key(start);
            request = match &query.customer {
                // Limit counts items read, not kept: no Limit with a filter.
                Some(customer) => request
                    .filter_expression("customer = :customer")
                    .expression_attribute_values(":customer", s(customer.clone())),
                None => request.limit(i32::try_from(limit + 1).unwrap_or(i32::MAX)),
            };
            let page = request.send().await.map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                let entry: TermEntry = from_item(item)?;
                // BETWEEN includes its bound; the cursor's own posting is not "older".
                if entry.position() < hi {
                    found.push(entry);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() || found.len() >= limit {
                found.truncate(limit);
                return Ok(found);
            }
        }
    }
}

#[async_trait]
impl SearchIndex for DynamoChannelStore {
    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(entries.len());
        for entry in entries {
            let put = PutRequest::builder()
                .set_item(Some(term_item(entry)?))
                .build()
                .map_err(unavailable)?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            for _ in 0..5 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
            }
            if !pending.is_empty() {
                return Err(StoreError::Unavailable(
                    "DynamoDB left postings unprocessed".into(),
                ));
            }
        }
        Ok(())
    }

    async fn search_term(
        &self,
        query: &TermQuery,
        limit: usize,
    ) -> Result<Vec<TermEntry>, StoreError> {
        // Every shard at once, merged newest first.
        let shards =
            try_join_all((0..TERM_SHARDS).map(|shard| self.search_shard(query, shard, limit)))
                .await?;
        let mut found: Vec<TermEntry> = shards.into_iter().flatten().collect();
        found.sort_by_key(|e| std::cmp::Reverse(e.position()));
        found.truncate(limit);
        Ok(found)
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
}
