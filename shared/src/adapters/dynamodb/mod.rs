//! The table on DynamoDB: [`DynamoChannelStore`] implements every store port on one table.
//! [`items`] holds its keys and item codecs (the table's layout is its doc), [`stream`] decodes
//! the table's stream records, and one file per aggregate implements its port.

mod agents;
mod conditions;
mod connections;
mod contacts;
mod conversations;
mod customers;
mod deadlines;
mod deferred;
mod desk;
pub mod items;
mod profiles;
mod replies;
mod search;
mod sessions;
pub mod stream;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, KeysAndAttributes, Projection, ProjectionType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification, TransactWriteItem,
};

pub use items::INDEX;
use items::{CUSTOMER_INDEX, CUSTOMER_INDEX_PK, CUSTOMER_INDEX_SK, EXPIRES_AT, Item, from_item, s};

use crate::ports::StoreError;

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

/// A DynamoDB client from the shared SDK configuration (endpoint from `AWS_ENDPOINT_URL*`).
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::new(sdk)
}

/// Sessions, conversations, messages, replies, agents and contacts on one DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoChannelStore {
    client: Client,
    table: String,
}

impl DynamoChannelStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table if it does not exist: keys, index, stream and TTL as in template.yaml.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        let exists = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await;
        match exists {
            Ok(_) => return Ok(false),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {}
            Err(e) => return Err(unavailable(e)),
        }
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(unavailable)
        };
        let key_element = |name: &str, key_type| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(unavailable)
        };
        let index = |name: &str, pk: &str, sk: &str| {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key_element(pk, KeyType::Hash)?)
                .key_schema(key_element(sk, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(unavailable)
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("pk")?)
            .attribute_definitions(attribute("sk")?)
            .attribute_definitions(attribute("gsi1pk")?)
            .attribute_definitions(attribute("gsi1sk")?)
            .attribute_definitions(attribute(CUSTOMER_INDEX_PK)?)
            .attribute_definitions(attribute(CUSTOMER_INDEX_SK)?)
            .key_schema(key_element("pk", KeyType::Hash)?)
            .key_schema(key_element("sk", KeyType::Range)?)
            .global_secondary_indexes(index(INDEX, "gsi1pk", "gsi1sk")?)
            .global_secondary_indexes(index(CUSTOMER_INDEX, CUSTOMER_INDEX_PK, CUSTOMER_INDEX_SK)?)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .map_err(unavailable)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        self.client
            .wait_until_table_exists()
            .table_name(&self.table)
            .wait(std::time::Duration::from_secs(60))
            .await
            .map_err(unavailable)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(EXPIRES_AT)
                    .build()
                    .map_err(unavailable)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(true)
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    /// The items that exist for these (distinct) keys, 100 keys a `BatchGetItem`, unprocessed
    /// keys retried a bounded number of times.
    async fn batch_get<T: serde::de::DeserializeOwned>(
        &self,
        keys: Vec<Item>,
    ) -> Result<Vec<T>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .build()
                    .map_err(unavailable)?,
            );
            for _ in 0..5 {
                let Some(request) = pending.take() else { break };
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                if let Some(mut responses) = out.responses
                    && let Some(items) = responses.remove(&self.table)
                {
                    for item in items {
                        found.push(from_item(item)?);
                    }
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
            }
            if pending.is_some() {
                return Err(StoreError::Unavailable(
                    "DynamoDB left keys unprocessed".into(),
                ));
            }
        }
        Ok(found)
    }

    /// One partition of the index, in sort-key order (`newest_first`: descending), at most
    /// `limit` items.
    async fn query_index(
        &self,
        partition: String,
        newest_first: bool,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        self.query_index_page(partition, newest_first, None, limit, None)
            .await
    }

    /// As [`Self::query_index`], only the sort keys below `before` when given, and only the
    /// items whose `attribute` equals `value` when asked. The filter runs after DynamoDB reads
    /// a page, so pages are read until `limit` items match.
    async fn query_index_page(
        &self,
        partition: String,
        newest_first: bool,
        before: Option<&str>,
        limit: Option<usize>,
        only: Option<(&'static str, AttributeValue)>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(INDEX)
                .expression_attribute_values(":pk", s(partition.clone()))
                .scan_index_forward(!newest_first)
                .set_exclusive_start_key(start);
            query = match before {
                Some(before) => query
                    .key_condition_expression("gsi1pk = :pk AND gsi1sk < :before")
                    .expression_attribute_values(":before", s(before)),
                None => query.key_condition_expression("gsi1pk = :pk"),
            };
            query = match &only {
                // DynamoDB's Limit counts items read, not items kept: no Limit with a filter.
                Some((attribute, value)) => query
                    .filter_expression("#only = :only")
                    .expression_attribute_names("#only", *attribute)
                    .expression_attribute_values(":only", value.clone()),
                None => query.set_limit(limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX))),
            };
            let page = query.send().await.map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            let full = limit.is_some_and(|l| items.len() >= l);
            if start.is_none() || full {
                break;
            }
        }
        if let Some(l) = limit {
            items.truncate(l);
        }
        Ok(items)
    }
}
