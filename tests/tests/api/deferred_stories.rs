//! Deferred replies in the stories that used to lose them, through local-api and its Twilio
//! stand-in, on the embedded store and on DynamoDB Local: a business-started conversation's
//! answer releases them, a customer's replies deferred in two conversations all go out, a close
//! cancels them, and an administrator may cancel one.

use std::sync::Arc;
use std::time::Duration;

use local_api::StoreChoice;
use serde_json::{Value, json};
use whatsapp_channel::adapters::RecordingNotifier;

use crate::helpers::local::{BUSINESS, Local, a_customer, dynamodb_local};

const TEMPLATE: &str = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";

impl Local {
    /// A customer writes, `agent` accepts; the conversation's id.
    async fn accepted_by(&self, customer: &str, agent: &str) -> String {
        self.inbound(customer, "Where is my refund?").await;
        let id = self.conversation_of(customer).await;
        let (status, body) = self
            .post(&format!("/conversations/{id}/accept"), agent, json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
        id
    }

    async fn advance(&self, seconds: i64) {
        let (status, body) = self
            .post(
                "/local/clock",
                "alice",
                json!({ "advance_seconds": seconds }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// `agent` defers `body` in conversation `id`; the deferred message's id.
    async fn defer(&self, id: &str, agent: &str, body: &str) -> String {
        let (status, deferred) = self
            .post(
                &format!("/conversations/{id}/messages"),
                agent,
                json!({"body": body, "defer": true}),
            )
            .await;
        assert_eq!((status, &deferred["status"]), (202, &json!("deferred")));
        deferred["id"].as_str().unwrap().to_owned()
    }

    /// `agent` starts a conversation with `customer` from a template; its id.
    async fn start_conversation(&self, customer: &str, agent: &str) -> String {
        let template = json!({"content_sid": TEMPLATE, "variables": {"1": "Zoë"}});
        let (status, started) = self
            .post(
                "/conversations",
                agent,
                json!({"customer": customer, "number": BUSINESS, "template": template}),
            )
            .await;
        assert_eq!(status, 201, "{started}");
        started["id"].as_str().unwrap().to_owned()
    }

    /// The conversation's message whose body is `body`.
    async fn message(&self, id: &str, body: &str) -> Value {
        let (_, conversation) = self.get(&format!("/conversations/{id}"), "alice").await;
        let found = conversation["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["body"] == body)
            .cloned()
            .collect::<Vec<_>>();
        assert_eq!(found.len(), 1, "{body}: {conversation}");
        found[0].clone()
    }

    /// Waits until the message `body` of `id` reached Twilio (its id is Twilio's sid).
    async fn sent(&self, id: &str, body: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..100 {
            last = self.message(id, body).await;
            if last["id"].as_str().is_some_and(|i| i.starts_with("SM")) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{body} never went out: {last}");
    }
}

async fn settled(choice: StoreChoice) -> (Local, Arc<RecordingNotifier>) {
    let started = Local::recording(choice).await;
    // DynamoDB Local's stream reader settles before the first change (as in notify_e2e).
    tokio::time::sleep(Duration::from_millis(800)).await;
    started
}

async fn the_answer_to_a_business_started_conversation_releases_deferred_replies(
    choice: StoreChoice,
) {
    let (desk, notifier) = settled(choice).await;
    let customer = a_customer();
    let first = desk.accepted_by(&customer, "alice").await;
    desk.advance(25 * 3600).await;
    desk.defer(&first, "alice", "Refund done").await;
    let started = desk.start_conversation(&customer, "bob").await;
    // Past the embedded store's TTL sweep (every 2 s): the awaiting session must still be there.
    tokio::time::sleep(Duration::from_millis(2500)).await;

    desk.inbound(&customer, "Thanks, any news?").await;
    assert_eq!(desk.conversation_of(&customer).await, started);
    let sent = desk.sent(&first, "Refund done").await;
    assert_ne!(sent["status"], "deferred");
    // No request card and no bogus window.closed for the answered conversation.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let published = notifier.published();
    assert!(
        !published.iter().any(|n| n.event_type == "window.closed"
            || (n.event_type == "conversation.requested"
                && n.body["conversation_id"] == started.as_str())),
        "{published:#?}"
    );
}

#[tokio::test]
async fn the_answer_to_a_business_started_conversation_releases_deferred_replies_on_the_embedded_store()
 {
    the_answer_to_a_business_started_conversation_releases_deferred_replies(StoreChoice::Embedded)
        .await;
}

#[tokio::test]
async fn the_answer_to_a_business_started_conversation_releases_deferred_replies_on_dynamodb_local()
{
    the_answer_to_a_business_started_conversation_releases_deferred_replies(dynamodb_local(
        "deferred-started",
    ))
    .await;
}

async fn replies_deferred_in_two_conversations_all_go_out_once(choice: StoreChoice) {
    let (desk, _) = settled(choice).await;
    let customer = a_customer();
    let first = desk.accepted_by(&customer, "alice").await;
    desk.advance(25 * 3600).await;
    desk.defer(&first, "alice", "R1: refund done").await;
    let second = desk.start_conversation(&customer, "bob").await;
    desk.defer(&second, "bob", "R2: and a voucher").await;

    desk.inbound(&customer, "Hello again").await;
    let r1 = desk.sent(&first, "R1: refund done").await;
    let r2 = desk.sent(&second, "R2: and a voucher").await;
    assert_ne!(r1["id"], r2["id"]);
    // Once: a second message of the same window releases nothing more.
    desk.inbound(&customer, "Are you there?").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        desk.message(&first, "R1: refund done").await["id"],
        r1["id"]
    );
    assert_eq!(
        desk.message(&second, "R2: and a voucher").await["id"],
        r2["id"]
    );
}

#[tokio::test]
async fn replies_deferred_in_two_conversations_of_a_customer_all_go_out_once_on_the_embedded_store()
{
    replies_deferred_in_two_conversations_all_go_out_once(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn replies_deferred_in_two_conversations_of_a_customer_all_go_out_once_on_dynamodb_local() {
    replies_deferred_in_two_conversations_all_go_out_once(dynamodb_local("deferred-two")).await;
}

async fn a_closed_conversations_deferred_reply_is_never_sent(choice: StoreChoice) {
    let (desk, _) = settled(choice).await;
    let customer = a_customer();
    let first = desk.accepted_by(&customer, "alice").await;
    desk.advance(25 * 3600).await;
    desk.defer(&first, "alice", "Refund done").await;
    let (status, body) = desk
        .post(&format!("/conversations/{first}/close"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        desk.message(&first, "Refund done").await["status"],
        "canceled"
    );

    desk.inbound(&customer, "Hello?").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let kept = desk.message(&first, "Refund done").await;
    assert_eq!(kept["status"], "canceled");
    assert!(kept["id"].as_str().unwrap().starts_with("deferred-"));
}

#[tokio::test]
async fn closing_a_conversation_cancels_its_deferred_replies_on_the_embedded_store() {
    a_closed_conversations_deferred_reply_is_never_sent(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn closing_a_conversation_cancels_its_deferred_replies_on_dynamodb_local() {
    a_closed_conversations_deferred_reply_is_never_sent(dynamodb_local("deferred-closed")).await;
}

#[tokio::test]
async fn an_administrator_cancels_another_agents_deferred_reply_and_an_agent_may_not() {
    let (desk, _) = settled(StoreChoice::Embedded).await;
    let customer = a_customer();
    let first = desk.accepted_by(&customer, "alice").await;
    desk.advance(25 * 3600).await;
    let deferred = desk.defer(&first, "alice", "Refund done").await;
    let path = format!("/conversations/{first}/messages/{deferred}");

    let (refused, body) = desk
        .call(reqwest::Method::DELETE, &path, "bob", "", None)
        .await;
    assert_eq!((refused, &body["error"]), (403, &json!("not_assigned")));
    let (cancelled, _) = desk
        .call(reqwest::Method::DELETE, &path, "carol", "admins", None)
        .await;
    assert_eq!(cancelled, 204);
    assert_eq!(
        desk.message(&first, "Refund done").await["status"],
        "canceled"
    );
}
