//! [`TimerQueue`] on an Amazon SQS queue: one message per timer, its body the timer's JSON
//! (`{"timer":"offer_expiry","conversation_id":…,"agent_id":…,"seq":…,"due_at":<ms>}`), held
//! back by a per-message `DelaySeconds` until the timer is due. SQS delays a message 900 s at
//! most: a timer due later arrives early, and its consumer (routing-timers) sends it again for
//! what remains.
//!
//! The endpoint is the SDK's own (`AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL`): emulators need
//! no code path of their own.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_sqs::error::SdkError;
use aws_sdk_sqs::operation::send_message::SendMessageError;
use chrono::{DateTime, TimeDelta, Utc};

use crate::adapters::SystemClock;
use crate::ports::{Clock, ScheduleError, Timer, TimerQueue};

/// The longest delay SQS holds a message back (15 minutes).
pub const MAX_DELAY_SECONDS: i32 = 900;

/// The delay that makes a timer due at `due_at` arrive no earlier than that: whole seconds,
/// rounded up, from 0 (due already) to [`MAX_DELAY_SECONDS`].
pub fn delay_seconds(due_at: DateTime<Utc>, now: DateTime<Utc>) -> i32 {
    let remaining = due_at - now;
    if remaining <= TimeDelta::zero() {
        return 0;
    }
    let whole = remaining.num_seconds();
    let seconds = if remaining > TimeDelta::seconds(whole) {
        whole + 1
    } else {
        whole
    };
    i32::try_from(seconds.min(i64::from(MAX_DELAY_SECONDS))).unwrap_or(MAX_DELAY_SECONDS)
}

/// Sends timers to one SQS queue.
#[derive(Clone)]
pub struct SqsTimerQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SqsTimerQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqsTimerQueue")
            .field("queue_url", &self.queue_url)
            .finish_non_exhaustive()
    }
}

impl SqsTimerQueue {
    /// Delays counted on the system clock.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
            clock: Arc::new(SystemClock::default()),
        }
    }

    /// On a client from the shared SDK configuration (endpoint from `AWS_ENDPOINT_URL_SQS`).
    pub fn from_sdk(sdk: &aws_config::SdkConfig, queue_url: impl Into<String>) -> Self {
        Self::new(Self::client(sdk), queue_url)
    }

    /// An SQS client from the shared SDK configuration.
    pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(sdk)
    }

    /// Delays counted on `clock` instead (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

/// Why SQS did not take a timer: the source of the [`ScheduleError`], for callers that
/// downcast (`ScheduleError.0.downcast_ref::<SqsSendError>()`).
#[derive(Debug, thiserror::Error)]
pub enum SqsSendError {
    /// SQS answered and refused the message (unknown queue, authorization, throttling, KMS, …):
    /// the modeled error, with its code in its metadata.
    #[error("SQS refused the timer")]
    Refused(#[source] Box<SendMessageError>),
    /// No answer from SQS: connection, timeout, or an unreadable response. The timer may or
    /// may not have been queued (a second copy is harmless: timers act once).
    #[error("SQS did not answer the send request")]
    Unanswered(#[source] Box<SdkError<SendMessageError>>),
}

impl SqsSendError {
    fn from_sdk(error: SdkError<SendMessageError>) -> Self {
        match error {
            SdkError::ServiceError(e) => Self::Refused(Box::new(e.into_err())),
            other => Self::Unanswered(Box::new(other)),
        }
    }
}

impl From<SqsSendError> for ScheduleError {
    fn from(error: SqsSendError) -> Self {
        ScheduleError(Box::new(error))
    }
}

#[async_trait]
impl TimerQueue for SqsTimerQueue {
    async fn schedule(&self, timer: &Timer) -> Result<(), ScheduleError> {
        let body = serde_json::to_string(timer).map_err(|e| ScheduleError(Box::new(e)))?;
        let delay = delay_seconds(timer.due_at, self.clock.now());
        let out = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .delay_seconds(delay)
            .send()
            .await
            .map_err(SqsSendError::from_sdk)?;
        tracing::debug!(
            message_id = out.message_id().unwrap_or_default(),
            delay_seconds = delay,
            "timer queued"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_750_000_000_000 + ms).unwrap()
    }

    #[test]
    fn a_timer_due_already_or_now_is_sent_without_delay() {
        assert_eq!(delay_seconds(at(0), at(0)), 0);
        assert_eq!(delay_seconds(at(-5_000), at(0)), 0);
    }

    #[test]
    fn the_delay_is_rounded_up_so_a_timer_never_arrives_early() {
        assert_eq!(delay_seconds(at(1), at(0)), 1);
        assert_eq!(delay_seconds(at(1_000), at(0)), 1);
        assert_eq!(delay_seconds(at(1_001), at(0)), 2);
        assert_eq!(delay_seconds(at(59_999), at(0)), 60);
        assert_eq!(delay_seconds(at(60_000), at(0)), 60);
        // Less than a millisecond to go still waits a second.
        let now = at(0) - TimeDelta::nanoseconds(1);
        assert_eq!(delay_seconds(at(0), now), 1);
    }

    #[test]
    fn a_timer_further_than_fifteen_minutes_is_sent_with_the_longest_delay() {
        assert_eq!(delay_seconds(at(900_000), at(0)), 900);
        assert_eq!(delay_seconds(at(900_001), at(0)), 900);
        assert_eq!(delay_seconds(at(86_400_000), at(0)), 900);
    }
}
