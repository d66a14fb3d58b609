//! Routing's timers on moto server's SQS (started by `cargo xtask test`), as notify-agent and
//! routing-timers send them: one message per timer, its body the timer's JSON, held back by
//! `DelaySeconds` until due (15 minutes at most). moto honours per-message delays on receive
//! and counts delayed messages in `ApproximateNumberOfMessagesDelayed`, and refuses a delay
//! over 900 s as SQS does.

use std::sync::Arc;

use aws_sdk_sqs::config::{Credentials, Region};
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use whatsapp_channel::adapters::sqs_timers::SqsSendError;
use whatsapp_channel::adapters::{ManualClock, SqsTimerQueue};
use whatsapp_channel::ports::{Timer, TimerKind, TimerQueue};

const CONVERSATION: &str = "01a20a57-f1b0-7342-9a4c-552c53ee9bf3";

/// moto server's endpoint. Tests that need it fail without it, in CI and out.
fn sqs_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_SQS").unwrap_or_else(|_| {
        panic!(
            "moto server (the SQS emulator) is not running: AWS_ENDPOINT_URL_SQS is unset. Run \
             `cargo xtask test`, or `cargo xtask emulators` and source \
             target/xtask/emulators.env (CI={})",
            std::env::var("CI").unwrap_or_default()
        )
    })
}

async fn client() -> aws_sdk_sqs::Client {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(sqs_endpoint())
        .load()
        .await;
    SqsTimerQueue::client(&sdk)
}

/// A fresh queue on moto; its URL.
async fn queue(sqs: &aws_sdk_sqs::Client) -> String {
    sqs.create_queue()
        .queue_name(format!("routing-timers-{}", uuid::Uuid::now_v7().simple()))
        .send()
        .await
        .expect("create the queue on moto")
        .queue_url
        .expect("a queue URL")
}

/// A timer queue whose delays are counted from `now`.
fn timers(sqs: &aws_sdk_sqs::Client, url: &str, now: DateTime<Utc>) -> SqsTimerQueue {
    SqsTimerQueue::new(sqs.clone(), url).with_clock(Arc::new(ManualClock::at(now)))
}

fn offer_expiry(due_at: DateTime<Utc>) -> Timer {
    Timer {
        kind: TimerKind::OfferExpiry {
            conversation_id: CONVERSATION.into(),
            agent_id: "agent-alice".into(),
            seq: 2,
        },
        due_at,
    }
}

/// The bodies of the messages visible now (up to 10), waiting up to `wait_seconds`.
async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, wait_seconds: i32) -> Vec<String> {
    sqs.receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait_seconds)
        .send()
        .await
        .expect("receive from moto")
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect()
}

async fn delayed(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .expect("the queue's attributes")
        .attributes
        .unwrap_or_default();
    attributes
        .get(&QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .and_then(|n| n.parse().ok())
        .expect("ApproximateNumberOfMessagesDelayed")
}

/// Whole milliseconds, as timers keep their time.
fn now_ms() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
}

#[tokio::test]
async fn a_timer_due_already_arrives_at_once_with_its_json_as_the_body() {
    let sqs = client().await;
    let url = queue(&sqs).await;
    let now = now_ms();
    let timer = offer_expiry(now - TimeDelta::seconds(1));

    timers(&sqs, &url, now).schedule(&timer).await.unwrap();

    let bodies = receive(&sqs, &url, 2).await;
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let body: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(
        body,
        json!({
            "timer": "offer_expiry",
            "conversation_id": CONVERSATION,
            "agent_id": "agent-alice",
            "seq": 2,
            "due_at": timer.due_at.timestamp_millis(),
        })
    );
    assert_eq!(serde_json::from_str::<Timer>(&bodies[0]).unwrap(), timer);
}

#[tokio::test]
async fn a_timer_is_held_back_until_it_is_due() {
    let sqs = client().await;
    let url = queue(&sqs).await;
    let now = now_ms();
    let timer = Timer {
        kind: TimerKind::Overflow {
            conversation_id: CONVERSATION.into(),
        },
        // 1.2 s to go: sent with a delay of 2 s (rounded up, never early).
        due_at: now + TimeDelta::milliseconds(1_200),
    };

    timers(&sqs, &url, now).schedule(&timer).await.unwrap();

    assert!(receive(&sqs, &url, 0).await.is_empty(), "arrived early");
    assert_eq!(delayed(&sqs, &url).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(2_300)).await;
    let bodies = receive(&sqs, &url, 2).await;
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(serde_json::from_str::<Timer>(&bodies[0]).unwrap(), timer);
    assert_eq!(delayed(&sqs, &url).await, 0);
}

#[tokio::test]
async fn a_timer_further_than_fifteen_minutes_is_sent_with_the_longest_delay_sqs_allows() {
    let sqs = client().await;
    let url = queue(&sqs).await;
    let now = now_ms();

    // SQS (and moto) refuse a DelaySeconds over 900: this is sent with 900, not refused.
    timers(&sqs, &url, now)
        .schedule(&offer_expiry(now + TimeDelta::hours(1)))
        .await
        .expect("sent with the longest delay");

    assert!(receive(&sqs, &url, 1).await.is_empty(), "arrived early");
    assert_eq!(delayed(&sqs, &url).await, 1);
}

#[tokio::test]
async fn a_queue_that_does_not_exist_refuses_the_timer() {
    let sqs = client().await;
    let url = format!(
        "{}/123456789012/no-such-queue-{}",
        sqs_endpoint(),
        uuid::Uuid::now_v7().simple()
    );

    let error = timers(&sqs, &url, now_ms())
        .schedule(&offer_expiry(now_ms()))
        .await
        .expect_err("refused");

    assert!(
        matches!(
            error.0.downcast_ref::<SqsSendError>(),
            Some(SqsSendError::Refused(_))
        ),
        "{error}"
    );
}
