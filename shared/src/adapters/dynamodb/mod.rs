//! The table on DynamoDB: [`DynamoChannelStore`] implements every store port on one table.
//! [`items`] holds its keys and item codecs (the table's layout is its doc), [`stream`] decodes
//! the table's stream records, and one file per aggregate implements its port. [`migrate`]
//! upgrades a table an earlier release wrote (`cargo xtask migrate`).

mod agents;
mod assist;
mod conditions;
mod connections;
mod contacts;
mod conversations;
mod customers;
mod deadlines;
mod deferred;
mod desk;
mod erasure;
pub mod items;
pub mod lifecycle;
pub mod migrate;
mod outcomes;
mod privacy;
mod profiles;
mod replies;
mod routing;
mod search;
mod sessions;
pub mod stream;
mod typing;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    KeysAndAttributes, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification, TransactWriteItem,
};

pub use items::INDEX;

/// The partition keys built beside their aggregate's store; with [`items`], every partition of
/// the table (the template's least-privilege test checks each function's grant against them).
pub mod partitions {
    pub use super::assist::{KNOWLEDGE_PK, SCRIPTS_PK};
    pub use super::connections::SUPERVISORS_PK;
    pub use super::deadlines::{CURSOR_PK as DEADLINE_CURSOR_PK, minute_pk as deadline_pk};
    pub use super::deferred::marker_partition as deferred_marker_partition;
    pub use super::desk::quick_reply_key;
    pub use super::erasure::erasure_pk;
    pub use super::outcomes::{disposition_key, record_partition, tag_partition};
    pub use super::privacy::{audit_day_pk, sign_in_pk};
    pub use super::routing::WAITING_PK;
    pub use super::search::term_pk;
}
use items::{
    CUSTOMER_INDEX, CUSTOMER_INDEX_PK, CUSTOMER_INDEX_SK, EXPIRES_AT, Item, Partition,
    PartitionQuery, from_item,
};

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
        let created = self
            .client
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
            .await;
        match created {
            Ok(_) => {}
            // An attempt that timed out on a loaded machine and was retried by the SDK finds the
            // table its first attempt made (or another process made it meanwhile).
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {}
            Err(e) => return Err(unavailable(e)),
        }
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
        self.query(PartitionQuery {
            newest_first,
            limit,
            ..PartitionQuery::of(Partition::index(partition))
        })
        .await
    }

    /// Every page of `query` until it has its `limit` of items.
    async fn query(&self, query: PartitionQuery) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let request = query.request(self.client.query().table_name(&self.table));
            let page = request
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            let full = query.limit.is_some_and(|l| items.len() >= l);
            if start.is_none() || full {
                break;
            }
        }
        if let Some(l) = query.limit {
            items.truncate(l);
        }
        Ok(items)
    }
}
