//! Reading a partition: [`Partition`] (of the table or one of its indexes), [`SortKeys`] and
//! [`PartitionQuery`], the one shape of every `Query` the store sends.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{CUSTOMER_INDEX, CUSTOMER_INDEX_PK, CUSTOMER_INDEX_SK, INDEX, customer_partition, s};

/// One partition that a `Query` reads: of the table, or of one of its indexes.
#[derive(Debug, Clone)]
pub struct Partition {
    index: Option<&'static str>,
    key: &'static str,
    sort_key: &'static str,
    value: String,
}

impl Partition {
    /// A partition of the table itself (`pk`, sorted by `sk`).
    pub fn table(value: impl Into<String>) -> Self {
        Self {
            index: None,
            key: "pk",
            sort_key: "sk",
            value: value.into(),
        }
    }

    /// A partition of the main index, [`INDEX`] (`gsi1pk`, sorted by `gsi1sk`).
    pub fn index(value: impl Into<String>) -> Self {
        Self {
            index: Some(INDEX),
            key: "gsi1pk",
            sort_key: "gsi1sk",
            value: value.into(),
        }
    }

    /// A customer's conversations, oldest first, in [`CUSTOMER_INDEX`].
    pub fn customer(customer: &str) -> Self {
        Self {
            index: Some(CUSTOMER_INDEX),
            key: CUSTOMER_INDEX_PK,
            sort_key: CUSTOMER_INDEX_SK,
            value: customer_partition(customer),
        }
    }
}

/// Which sort keys of a partition a query reads.
#[derive(Debug, Clone, Default)]
pub enum SortKeys {
    #[default]
    All,
    Below(String),
    Above(String),
    /// Those that begin with this prefix.
    Prefix(String),
    /// From the first to the second, both included.
    Between(String, String),
}

/// The one shape of every `Query` of a partition: its key condition, direction, limit and
/// filter. The store reads it page by page, `limit` items at most.
#[derive(Debug, Clone)]
pub struct PartitionQuery {
    pub partition: Partition,
    pub sort_keys: SortKeys,
    /// In descending sort-key order.
    pub newest_first: bool,
    pub limit: Option<usize>,
    /// Only the items whose attribute equals this value. The filter runs after DynamoDB reads
    /// a page, so pages are read until `limit` items match.
    pub only: Option<(&'static str, AttributeValue)>,
    /// A strongly consistent read (the table only; an index cannot give one).
    pub consistent: bool,
}

impl PartitionQuery {
    /// Every item of the partition, in sort-key order.
    pub fn of(partition: Partition) -> Self {
        Self {
            partition,
            sort_keys: SortKeys::All,
            newest_first: false,
            limit: None,
            only: None,
            consistent: false,
        }
    }

    /// The request for one page, on `query` (the table's query, from the store's client).
    pub fn request(&self, query: QueryFluentBuilder) -> QueryFluentBuilder {
        let Partition {
            index,
            key,
            sort_key,
            value,
        } = &self.partition;
        let query = query
            .set_index_name(index.map(str::to_owned))
            .set_consistent_read((self.consistent && index.is_none()).then_some(true))
            .expression_attribute_values(":pk", s(value.clone()))
            .scan_index_forward(!self.newest_first);
        let query = match &self.sort_keys {
            SortKeys::All => query.key_condition_expression(format!("{key} = :pk")),
            SortKeys::Below(before) => query
                .key_condition_expression(format!("{key} = :pk AND {sort_key} < :before"))
                .expression_attribute_values(":before", s(before.clone())),
            SortKeys::Above(after) => query
                .key_condition_expression(format!("{key} = :pk AND {sort_key} > :after"))
                .expression_attribute_values(":after", s(after.clone())),
            SortKeys::Between(from, to) => query
                .key_condition_expression(format!(
                    "{key} = :pk AND {sort_key} BETWEEN :from AND :to"
                ))
                .expression_attribute_values(":from", s(from.clone()))
                .expression_attribute_values(":to", s(to.clone())),
            SortKeys::Prefix(prefix) => query
                .key_condition_expression(format!(
                    "{key} = :pk AND begins_with({sort_key}, :prefix)"
                ))
                .expression_attribute_values(":prefix", s(prefix.clone())),
        };
        match &self.only {
            // DynamoDB's Limit counts items read, not items kept: no Limit with a filter.
            Some((attribute, value)) => query
                .filter_expression("#only = :only")
                .expression_attribute_names("#only", *attribute)
                .expression_attribute_values(":only", value.clone()),
            None => query.set_limit(self.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX))),
        }
    }
}
