//! Conditional writes: DynamoDB's "the condition did not hold" read in one place, apart from
//! every other failure (which is [`StoreError::Unavailable`]).

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::CancellationReason;

use super::items::Item;
use super::unavailable;
use crate::ports::StoreError;

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
