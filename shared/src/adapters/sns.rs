//! [`AgentNotifier`] on Amazon SNS, on stdout, and in memory.
//!
//! One notification is one SNS message on the agents' topic:
//!
//! - `Message`: the notification's JSON body, as a string.
//! - Message attributes, for the subscriptions' filter policies (attribute scope):
//!   - `event_type` (`String`), e.g. `conversation.requested`;
//!   - `agent_ids` (`String.Array`), the addressed agents as a JSON array, e.g. `["alice","bob"]`.
//!     A filter policy `{"agent_ids": ["alice"]}` matches when `alice` is one of the elements.
//!     A notification to nobody is still sent with `[]`. SNS documents only that an attribute's
//!     value must be a non-empty string (`[]` is one) and a valid JSON array for filtering;
//!     moto 5.2 accepts it (the integration tests publish one). `[]` matches no agent's filter,
//!     so it reaches only unfiltered subscriptions (an audit queue, say);
//!   - `business_number` (`String`), the conversation's business number `whatsapp:+E164`, so that a
//!     subscription can filter by number;
//!   - `authenticated` (`String`), `"true"` or `"false"`.
//!
//! The endpoint is the SDK's own (`AWS_ENDPOINT_URL_SNS` / `AWS_ENDPOINT_URL`): emulators need no
//! code path of their own.

use std::io::{self, Write};
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_sns::error::{BuildError, SdkError};
use aws_sdk_sns::operation::publish::PublishError;
use aws_sdk_sns::types::MessageAttributeValue;
use serde::Serialize;

use crate::ports::{AgentNotifier, Notification, NotifyError};

/// Message attribute: the notification's event type (`String`).
pub const EVENT_TYPE_ATTRIBUTE: &str = "event_type";
/// The conversation's business number, `whatsapp:+E164`.
pub const BUSINESS_NUMBER_ATTRIBUTE: &str = "business_number";
/// Message attribute: the addressed agents (`String.Array`).
pub const AGENT_IDS_ATTRIBUTE: &str = "agent_ids";
/// Message attribute: whether the customer is a known contact (`String`, `true`/`false`).
pub const AUTHENTICATED_ATTRIBUTE: &str = "authenticated";

/// Publishes notifications to one SNS topic.
#[derive(Debug, Clone)]
pub struct SnsAgentNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsAgentNotifier {
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }

    /// An SNS client from the shared SDK configuration (endpoint from `AWS_ENDPOINT_URL_SNS`).
    pub fn client(sdk: &aws_config::SdkConfig) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(sdk)
    }

    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }
}

/// Why SNS did not take a notification: the source of the [`NotifyError`], for callers that
/// downcast (`NotifyError.0.downcast_ref::<SnsPublishError>()`).
#[derive(Debug, thiserror::Error)]
pub enum SnsPublishError {
    /// SNS answered and refused the message (unknown topic, authorization, invalid attribute,
    /// throttling, KMS, …): the modeled error, with its code in its metadata.
    #[error("SNS refused the notification")]
    Refused(#[source] Box<PublishError>),
    /// No answer from SNS: connection, timeout, or an unreadable response. The message may or
    /// may not have been published.
    #[error("SNS did not answer the publish request")]
    Unanswered(#[source] Box<SdkError<PublishError>>),
    /// The request could not be built.
    #[error("the SNS publish request could not be built")]
    Build(#[source] BuildError),
}

impl SnsPublishError {
    fn from_sdk(error: SdkError<PublishError>) -> Self {
        match error {
            SdkError::ServiceError(e) => Self::Refused(Box::new(e.into_err())),
            other => Self::Unanswered(Box::new(other)),
        }
    }
}

impl From<SnsPublishError> for NotifyError {
    fn from(error: SnsPublishError) -> Self {
        NotifyError(Box::new(error))
    }
}

fn attribute(data_type: &str, value: String) -> Result<MessageAttributeValue, SnsPublishError> {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .map_err(SnsPublishError::Build)
}

/// The message attribute that marks a notification for supervisors, and its value.
pub const AUDIENCE_ATTRIBUTE: &str = "audience";
pub const SUPERVISORS: &str = "supervisors";

/// The `agent_ids` attribute's value: a JSON array of strings.
pub fn agent_ids_attribute_value(agent_ids: &[String]) -> String {
    serde_json::Value::from(agent_ids).to_string()
}

#[async_trait]
impl AgentNotifier for SnsAgentNotifier {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        let request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(notification.body.to_string())
            .message_attributes(
                EVENT_TYPE_ATTRIBUTE,
                attribute("String", notification.event_type.clone())?,
            )
            .message_attributes(
                AGENT_IDS_ATTRIBUTE,
                attribute(
                    "String.Array",
                    agent_ids_attribute_value(&notification.agent_ids),
                )?,
            )
            .message_attributes(
                BUSINESS_NUMBER_ATTRIBUTE,
                attribute("String", notification.business_number.clone())?,
            )
            .message_attributes(
                AUTHENTICATED_ATTRIBUTE,
                attribute("String", notification.authenticated.to_string())?,
            );
        // Supervisors subscribe with a filter policy on `audience`.
        let request = if notification.supervisors {
            request.message_attributes(AUDIENCE_ATTRIBUTE, attribute("String", SUPERVISORS.into())?)
        } else {
            request
        };
        match request.send().await {
            Ok(out) => {
                tracing::debug!(
                    message_id = out.message_id().unwrap_or_default(),
                    event_type = %notification.event_type,
                    agents = notification.agent_ids.len(),
                    "notification published"
                );
                Ok(())
            }
            Err(e) => Err(SnsPublishError::from_sdk(e).into()),
        }
    }
}

#[derive(Serialize)]
struct NotificationLine<'a> {
    event_type: &'a str,
    agent_ids: &'a [String],
    authenticated: bool,
    body: &'a serde_json::Value,
}

/// Writes `notification` as one JSON line:
/// `{"event_type":…,"agent_ids":[…],"authenticated":…,"body":{…}}`.
pub fn write_notification_line(
    out: &mut impl Write,
    notification: &Notification,
) -> io::Result<()> {
    let line = NotificationLine {
        event_type: &notification.event_type,
        agent_ids: &notification.agent_ids,
        authenticated: notification.authenticated,
        body: &notification.body,
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Prints each notification as one JSON line on stdout (local-api without a topic).
#[derive(Debug, Clone, Copy, Default)]
pub struct StdoutNotifier;

impl StdoutNotifier {
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl AgentNotifier for StdoutNotifier {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        write_notification_line(&mut io::stdout().lock(), notification)
            .map_err(|e| NotifyError(Box::new(e)))
    }
}

/// The failure a [`RecordingNotifier`] was told to return.
#[derive(Debug, thiserror::Error)]
#[error("publish failure injected by RecordingNotifier::fail_next")]
pub struct InjectedFailure;

#[derive(Debug, Default)]
struct Recording {
    published: Vec<Notification>,
    failures_left: usize,
    attempts: usize,
    live: Vec<Notification>,
}

/// Keeps the notifications in memory, for tests; can fail the next publishes on demand.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    recording: Mutex<Recording>,
}

impl RecordingNotifier {
    pub fn new() -> Self {
        Self::default()
    }

    fn recording(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.recording.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The notifications published, in order (failed attempts are not recorded).
    pub fn published(&self) -> Vec<Notification> {
        self.recording().published.clone()
    }

    /// What was pushed to consoles only ([`AgentNotifier::push_live`]), in order.
    pub fn pushed_live(&self) -> Vec<Notification> {
        self.recording().live.clone()
    }

    /// The next `n` publishes fail with [`InjectedFailure`] and record nothing.
    pub fn fail_next(&self, n: usize) {
        self.recording().failures_left = n;
    }

    /// Every publish call so far, failed or not.
    pub fn attempts(&self) -> usize {
        self.recording().attempts
    }
}

#[async_trait]
impl AgentNotifier for RecordingNotifier {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        let mut recording = self.recording();
        recording.attempts += 1;
        if recording.failures_left > 0 {
            recording.failures_left -= 1;
            return Err(NotifyError(Box::new(InjectedFailure)));
        }
        recording.published.push(notification.clone());
        Ok(())
    }

    async fn push_live(&self, notification: &Notification) {
        self.recording().live.push(notification.clone());
    }
}
