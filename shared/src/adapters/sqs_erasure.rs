//! [`ErasureQueue`] on an Amazon SQS queue: one message per erasure step or retention page, its
//! body the task's JSON (`{"erasure_id":…,"address":…,"final_sweep":false}`,
//! `{"retention":{"after":…}}`). erasure-worker consumes it; a
//! step that fails is redelivered after the visibility timeout, and after five failures the
//! message waits in the dead-letter queue for an operator.

use async_trait::async_trait;

use crate::ports::{ErasureQueue, StoreError, WorkerTask};

/// Sends erasure steps to one SQS queue.
#[derive(Debug, Clone)]
pub struct SqsErasureQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsErasureQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// On a client from the shared SDK configuration (endpoint from `AWS_ENDPOINT_URL_SQS`).
    pub fn from_sdk(sdk: &aws_config::SdkConfig, queue_url: impl Into<String>) -> Self {
        Self::new(aws_sdk_sqs::Client::new(sdk), queue_url)
    }
}

#[async_trait]
impl ErasureQueue for SqsErasureQueue {
    async fn enqueue(&self, task: &WorkerTask, delay_seconds: u32) -> Result<(), StoreError> {
        let body = serde_json::to_string(task).map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .delay_seconds(i32::try_from(delay_seconds.min(900)).unwrap_or(900))
            .send()
            .await
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(())
    }
}
