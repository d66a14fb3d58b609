//! Agent notifications on moto server's SNS (started by `cargo xtask test`): each agent's queue is
//! an SQS queue subscribed with raw delivery and a filter policy on the message attributes, as
//! deployed.
//!
//! moto delivers to its SQS queues inside the Publish call, so a short bounded receive sees
//! every message that was routed.

use std::collections::HashMap;
use std::io::Write;

use aws_sdk_sns::config::{Credentials, Region};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};
use whatsapp_channel::adapters::sns::{
    InjectedFailure, SnsPublishError, agent_ids_attribute_value, write_notification_line,
};
use whatsapp_channel::adapters::{RecordingNotifier, SnsAgentNotifier};
use whatsapp_channel::ports::{AgentNotifier, Notification};

/// moto server's endpoint (SNS, and the SQS queues it delivers to). Tests that need it fail
/// without it, in CI and out.
fn sns_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_SNS").unwrap_or_else(|_| {
        panic!(
            "moto server (the SNS emulator) is not running: AWS_ENDPOINT_URL_SNS is unset. Run \
             `cargo xtask test`, or `cargo xtask emulators` and source \
             target/xtask/emulators.env (CI={})",
            std::env::var("CI").unwrap_or_default()
        )
    })
}

async fn sdk_config(endpoint: String) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// A fresh topic on moto, and clients for adding agent queues to it.
pub(crate) struct Topic {
    pub(crate) sns: aws_sdk_sns::Client,
    /// On the same moto server: its SNS delivers to its own SQS.
    sqs: aws_sdk_sqs::Client,
    pub(crate) arn: String,
    notifier: SnsAgentNotifier,
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

pub(crate) async fn topic() -> Topic {
    let sdk = sdk_config(sns_endpoint()).await;
    let sns = SnsAgentNotifier::client(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let arn = sns
        .create_topic()
        .name(unique("agents"))
        .send()
        .await
        .expect("create the topic on moto")
        .topic_arn
        .expect("a topic ARN");
    let notifier = SnsAgentNotifier::new(sns.clone(), arn.clone());
    Topic {
        sns,
        sqs,
        arn,
        notifier,
    }
}

impl Topic {
    /// A queue subscribed to the topic with raw delivery and this filter policy (`None`: every
    /// message); returns its URL.
    async fn queue(&self, name: &str, filter_policy: Option<Value>) -> String {
        let url = self
            .sqs
            .create_queue()
            .queue_name(unique(name))
            .send()
            .await
            .expect("create the queue on moto")
            .queue_url
            .expect("a queue URL");
        let queue_arn = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("read the queue ARN")
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .expect("a queue ARN");
        // moto does not check the queue policy that lets the topic send to the queue (AWS
        // does), so none is set here.
        let mut subscribe = self
            .sns
            .subscribe()
            .topic_arn(&self.arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .attributes("RawMessageDelivery", "true")
            .return_subscription_arn(true);
        if let Some(policy) = filter_policy {
            subscribe = subscribe.attributes("FilterPolicy", policy.to_string());
        }
        subscribe.send().await.expect("subscribe the queue");
        url
    }

    /// A queue receiving what is addressed to `agent`.
    pub(crate) async fn agent_queue(&self, agent: &str) -> String {
        self.queue(agent, Some(json!({ "agent_ids": [agent] })))
            .await
    }

    /// Every message waiting on the queue: receives (1 s long poll) until an empty answer, at
    /// most five times.
    async fn drain(&self, queue_url: &str) -> Vec<aws_sdk_sqs::types::Message> {
        let mut messages = Vec::new();
        for _ in 0..5 {
            let received = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_attribute_names("All")
                .send()
                .await
                .expect("receive from the queue")
                .messages
                .unwrap_or_default();
            if received.is_empty() {
                break;
            }
            messages.extend(received);
        }
        messages
    }

    /// The bodies waiting on the queue, as JSON.
    pub(crate) async fn bodies(&self, queue_url: &str) -> Vec<Value> {
        self.drain(queue_url)
            .await
            .iter()
            .map(|m| serde_json::from_str(m.body().expect("a body")).expect("a JSON body"))
            .collect()
    }
}

fn notification(
    event_type: &str,
    agents: &[&str],
    authenticated: bool,
    body: Value,
) -> Notification {
    Notification {
        event_type: event_type.to_owned(),
        business_number: "whatsapp:+14155238886".into(),
        agent_ids: agents.iter().map(|a| (*a).to_owned()).collect(),
        supervisors: false,
        authenticated,
        body,
    }
}

#[tokio::test]
async fn an_agents_filtered_queue_receives_only_the_notifications_addressed_to_that_agent() {
    let topic = topic().await;
    let alice = topic.agent_queue("alice").await;
    let bob = topic.agent_queue("bob").await;

    for (n, agents) in [&["alice"][..], &["bob"], &["alice", "carol"], &["carol"]]
        .into_iter()
        .enumerate()
    {
        let sent = notification("conversation.requested", agents, true, json!({ "n": n }));
        topic.notifier.publish(&sent).await.expect("publish");
    }

    let mut to_alice = topic.bodies(&alice).await;
    to_alice.sort_by_key(|b| b["n"].as_u64());
    assert_eq!(to_alice, vec![json!({ "n": 0 }), json!({ "n": 2 })]);
    assert_eq!(topic.bodies(&bob).await, vec![json!({ "n": 1 })]);
}

#[tokio::test]
async fn a_subscription_filtered_by_business_number_receives_only_that_numbers_notifications() {
    let topic = topic().await;
    let second = topic
        .queue(
            "second-number",
            Some(json!({ "business_number": ["whatsapp:+14155238887"] })),
        )
        .await;
    for (n, number) in ["whatsapp:+14155238886", "whatsapp:+14155238887"]
        .into_iter()
        .enumerate()
    {
        let mut sent = notification(
            "conversation.requested",
            &["alice"],
            false,
            json!({ "n": n }),
        );
        sent.business_number = number.into();
        topic.notifier.publish(&sent).await.expect("publish");
    }
    assert_eq!(topic.bodies(&second).await, vec![json!({ "n": 1 })]);
}

#[tokio::test]
async fn a_notification_addressed_to_two_agents_reaches_both_queues_once_each() {
    let topic = topic().await;
    let alice = topic.agent_queue("alice").await;
    let bob = topic.agent_queue("bob").await;
    let carol = topic.agent_queue("carol").await;

    let sent = notification(
        "conversation.requested",
        &["alice", "bob"],
        false,
        json!({ "conversation_id": "c-1" }),
    );
    topic.notifier.publish(&sent).await.expect("publish");

    assert_eq!(topic.bodies(&alice).await, vec![sent.body.clone()]);
    assert_eq!(topic.bodies(&bob).await, vec![sent.body.clone()]);
    assert!(topic.bodies(&carol).await.is_empty());
}

#[tokio::test]
async fn a_notification_to_nobody_reaches_no_agent_queue() {
    let topic = topic().await;
    let alice = topic.agent_queue("alice").await;
    let everything = topic.queue("audit", None).await;

    let sent = notification(
        "window.closed",
        &[],
        false,
        json!({ "conversation_id": "c-2" }),
    );
    topic
        .notifier
        .publish(&sent)
        .await
        .expect("an empty agent list is published (agent_ids = [])");

    assert!(topic.bodies(&alice).await.is_empty());
    // It was published, with the empty array: an unfiltered subscription gets it.
    let audited = topic.drain(&everything).await;
    assert_eq!(audited.len(), 1);
    let attributes = audited[0].message_attributes().expect("message attributes");
    assert_eq!(attributes["agent_ids"].string_value(), Some("[]"));
}

#[tokio::test]
async fn a_filter_on_authenticated_receives_only_authenticated_customers_requests() {
    let topic = topic().await;
    let known_only = topic
        .queue(
            "alice-known",
            Some(json!({
                "agent_ids": ["alice"],
                "event_type": ["conversation.requested"],
                "authenticated": ["true"],
            })),
        )
        .await;
    let all_of_alices = topic.agent_queue("alice").await;

    let cases = [
        ("conversation.requested", true, "known request"),
        ("conversation.requested", false, "unknown request"),
        ("message.received", true, "known message"),
    ];
    for (event_type, authenticated, label) in cases {
        let sent = notification(
            event_type,
            &["alice"],
            authenticated,
            json!({ "label": label }),
        );
        topic.notifier.publish(&sent).await.expect("publish");
    }

    assert_eq!(
        topic.bodies(&known_only).await,
        vec![json!({ "label": "known request" })]
    );
    assert_eq!(topic.bodies(&all_of_alices).await.len(), cases.len());
}

#[tokio::test]
async fn the_body_arrives_as_the_json_published_with_the_attributes_as_sent() {
    let topic = topic().await;
    let alice = topic.agent_queue("alice").await;

    let body = json!({
        "conversation_id": "0192f0c4-6f1e-7cc2-9a5e-3f1d2b4c5a6e",
        "customer": { "address": "whatsapp:+34600000000", "name": "Zoë \"Z\" Ñúñez" },
        "preview": "¿Hola? 👋\nline two",
        "unread": 3,
        "tags": ["vip", null, true],
    });
    let sent = notification(
        "conversation.requested",
        &["alice", "bob"],
        true,
        body.clone(),
    );
    topic.notifier.publish(&sent).await.expect("publish");

    let received = topic.drain(&alice).await;
    assert_eq!(received.len(), 1);
    let message = &received[0];
    let arrived: Value = serde_json::from_str(message.body().expect("a body")).expect("JSON");
    assert_eq!(arrived, body);

    let attributes: HashMap<&str, (&str, Option<&str>)> = message
        .message_attributes()
        .expect("message attributes (raw delivery)")
        .iter()
        .map(|(name, value)| (name.as_str(), (value.data_type(), value.string_value())))
        .collect();
    assert_eq!(
        attributes,
        HashMap::from([
            ("event_type", ("String", Some("conversation.requested"))),
            ("agent_ids", ("String.Array", Some(r#"["alice","bob"]"#))),
            ("business_number", ("String", Some("whatsapp:+14155238886"))),
            ("authenticated", ("String", Some("true"))),
        ])
    );
}

#[tokio::test]
async fn a_publish_to_a_missing_topic_is_a_refusal_from_sns() {
    let topic = topic().await;
    let missing = SnsAgentNotifier::new(topic.sns.clone(), format!("{}-{}", topic.arn, "missing"));

    let error = missing
        .publish(&notification("window.closed", &["alice"], false, json!({})))
        .await
        .expect_err("the topic does not exist");

    match error.0.downcast_ref::<SnsPublishError>() {
        Some(SnsPublishError::Refused(e)) => assert!(e.is_not_found_exception(), "{e:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_publish_nobody_answers_is_classified_unanswered() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let sdk = sdk_config(format!("http://127.0.0.1:{port}")).await;
    let notifier = SnsAgentNotifier::new(
        SnsAgentNotifier::client(&sdk),
        "arn:aws:sns:us-east-1:123456789012:agents",
    );

    let error = notifier
        .publish(&notification("window.closed", &["alice"], false, json!({})))
        .await
        .expect_err("nothing listens");

    assert!(
        matches!(
            error.0.downcast_ref::<SnsPublishError>(),
            Some(SnsPublishError::Unanswered(_))
        ),
        "{error:?}"
    );
}

#[test]
fn the_agent_ids_attribute_is_a_json_array_of_the_ids() {
    assert_eq!(agent_ids_attribute_value(&[]), "[]");
    assert_eq!(
        agent_ids_attribute_value(&["alice".to_owned(), "b\"ob".to_owned()]),
        r#"["alice","b\"ob"]"#
    );
}

#[test]
fn stdout_notifier_writes_one_json_line_per_notification() {
    let first = notification(
        "conversation.requested",
        &["alice", "bob"],
        true,
        json!({ "conversation_id": "c-1", "text": "two\nlines" }),
    );
    let second = notification("window.closed", &[], false, json!({}));
    let mut out = Vec::new();
    write_notification_line(&mut out, &first).unwrap();
    write_notification_line(&mut out, &second).unwrap();

    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(text.ends_with('\n'));
    assert_eq!(
        lines[0],
        r#"{"event_type":"conversation.requested","agent_ids":["alice","bob"],"authenticated":true,"body":{"conversation_id":"c-1","text":"two\nlines"}}"#
    );
    assert_eq!(
        serde_json::from_str::<Value>(lines[1]).unwrap(),
        json!({ "event_type": "window.closed", "agent_ids": [], "authenticated": false, "body": {} })
    );
}

#[test]
fn stdout_notifier_reports_a_failed_write() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("closed"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sent = notification("window.closed", &[], false, json!({}));
    assert!(write_notification_line(&mut Broken, &sent).is_err());
}

#[tokio::test]
async fn recording_notifier_fails_the_requested_number_of_times_then_records() {
    let notifier = RecordingNotifier::new();
    let sent = notification(
        "conversation.requested",
        &["alice"],
        true,
        json!({ "n": 1 }),
    );

    notifier.fail_next(2);
    for attempt in 1..=2 {
        let error = notifier
            .publish(&sent)
            .await
            .expect_err("an injected failure");
        assert!(
            error.0.downcast_ref::<InjectedFailure>().is_some(),
            "attempt {attempt}: {error:?}"
        );
        assert!(notifier.published().is_empty());
    }
    notifier.publish(&sent).await.expect("the third attempt");
    let other = notification("window.closed", &[], false, json!({}));
    notifier.publish(&other).await.expect("no failure left");

    assert_eq!(notifier.published(), vec![sent, other]);
    assert_eq!(notifier.attempts(), 4);
}
