//! Conditional writes: DynamoDB's "the condition did not hold" read in one place, apart from
//! every other failure (which is [`StoreError::Unavailable`]).

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{CancellationReason, TransactWriteItem};

use super::items::{IS_NEW, Item};
use super::{DynamoChannelStore, unavailable};
use crate::ports::{StoreError, Stored};

/// An operation's error that can say its condition did not hold.
pub(super) trait ConditionalError:
    std::error::Error + Send + Sync + Sized + 'static
{
    /// The item as it was (when the request asked for it) if the condition failed, else the
    /// error back.
    fn condition_failed(self) -> Result<Option<Item>, Self>;
}

impl ConditionalError for PutItemError {
    fn condition_failed(self) -> Result<Option<Item>, Self> {
        match self {
            Self::ConditionalCheckFailedException(failed) => Ok(failed.item),
            other => Err(other),
        }
    }
}

impl ConditionalError for DeleteItemError {
    fn condition_failed(self) -> Result<Option<Item>, Self> {
        match self {
            Self::ConditionalCheckFailedException(failed) => Ok(failed.item),
            other => Err(other),
        }
    }
}

impl ConditionalError for UpdateItemError {
    fn condition_failed(self) -> Result<Option<Item>, Self> {
        match self {
            Self::ConditionalCheckFailedException(failed) => Ok(failed.item),
            other => Err(other),
        }
    }
}

/// `Ok(Ok(output))` when the write happened, `Ok(Err(item as it was))` when its condition did
/// not hold.
pub(super) fn conditional<T, E: ConditionalError>(
    result: Result<T, SdkError<E>>,
) -> Result<Result<T, Option<Item>>, StoreError> {
    match result {
        Ok(out) => Ok(Ok(out)),
        Err(SdkError::ServiceError(e)) => e
            .into_err()
            .condition_failed()
            .map(Err)
            .map_err(unavailable),
        Err(e) => Err(unavailable(e)),
    }
}

/// `Ok(Ok(output))` when the transaction happened, `Ok(Err(reasons))`, one per item in order,
/// when DynamoDB cancelled it.
pub(super) fn transaction<T>(
    result: Result<T, SdkError<TransactWriteItemsError>>,
) -> Result<Result<T, Vec<CancellationReason>>, StoreError> {
    match result {
        Ok(out) => Ok(Ok(out)),
        Err(SdkError::ServiceError(e)) => match e.into_err() {
            TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                Ok(Err(cancelled.cancellation_reasons().to_vec()))
            }
            other => Err(unavailable(other)),
        },
        Err(e) => Err(unavailable(e)),
    }
}

/// Whether this item of a cancelled transaction failed its condition.
pub(super) fn failed_condition(reason: Option<&CancellationReason>) -> bool {
    reason.and_then(|r| r.code()) == Some("ConditionalCheckFailed")
}

impl DynamoChannelStore {
    /// Writes `item` over whatever has its key: `true` when there was nothing (201 rather than
    /// 200).
    pub(super) async fn replace(&self, item: Item) -> Result<bool, StoreError> {
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_none_or(|a| a.is_empty()))
    }

    /// Deletes the item with `key`: `true` when there was one.
    pub(super) async fn remove(&self, key: Item) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Writes a new item: [`Stored::Duplicate`] when an item with its key exists.
    pub(super) async fn insert(&self, item: Item) -> Result<Stored, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(IS_NEW)
            .send()
            .await;
        Ok(match conditional(result)? {
            Ok(_) => Stored::Inserted,
            Err(_) => Stored::Duplicate,
        })
    }

    /// Writes `items` at once: `Ok(false)` when any item's condition did not hold. `what` names
    /// the write in an error.
    pub(super) async fn transact_conditional(
        &self,
        items: Vec<TransactWriteItem>,
        what: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match transaction(result)? {
            Ok(_) => Ok(true),
            Err(reasons) if reasons.iter().any(|r| failed_condition(Some(r))) => Ok(false),
            Err(_) => Err(StoreError::Unavailable(
                format!("the {what} transaction was cancelled").into(),
            )),
        }
    }

    /// Writes a conversation's change (`items`, its conditional update first) with the session's
    /// `mirror` while the session is still this conversation's, else without it. `Ok(false)`:
    /// the conversation's own condition did not hold. `what` names the write in an error.
    pub(super) async fn transact_mirrored(
        &self,
        items: Vec<TransactWriteItem>,
        mirror: TransactWriteItem,
        what: &str,
    ) -> Result<bool, StoreError> {
        let mirror_at = items.len();
        let mut with_mirror = items.clone();
        with_mirror.push(mirror);
        for attempt in [with_mirror, items] {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(attempt))
                .send()
                .await;
            match transaction(result)? {
                Ok(_) => return Ok(true),
                Err(reasons) if failed_condition(reasons.first()) => return Ok(false),
                // Only the mirror failed: the session is another conversation's now.
                Err(reasons) if failed_condition(reasons.get(mirror_at)) => {}
                Err(_) => {
                    return Err(StoreError::Unavailable(
                        format!("the {what} transaction was cancelled").into(),
                    ));
                }
            }
        }
        Ok(false)
    }
}
