//! Business-started conversations, tried as a user would: local-api (its Twilio stub, its stream
//! feeding notify-agent) on the embedded store and on DynamoDB Local.

use std::time::Duration;

use local_api::StoreChoice;
use serde_json::json;

use crate::helpers::local::{BUSINESS, Local, a_customer, dynamodb_local};

async fn a_business_started_conversation_waits_for_the_customer(choice: StoreChoice) {
    let (desk, notifier) = Local::recording(choice).await;
    let (status, _) = desk
        .call(
            reqwest::Method::PUT,
            "/agents/bob/presence",
            "bob",
            "",
            Some(json!({"status": "available"})),
        )
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let customer = a_customer();
    let template =
        json!({"content_sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90", "variables": {"1": "Zoë"}});
    let (status, started) = desk
        .post(
            "/conversations",
            "alice",
            json!({"customer": customer, "number": BUSINESS, "template": template}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["assigned_agent"], "alice");
    assert_eq!(started["business_number"], BUSINESS);
    assert_eq!(started["message"]["status"], "queued");
    let id = started["id"].as_str().unwrap().to_owned();

    // Free text waits for the customer: the exact refusal.
    let reply = format!("/conversations/{id}/messages");
    let (status, refused) = desk.post(&reply, "alice", json!({"body": "Hello?"})).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "window_expired");
    assert_eq!(
        refused["message"],
        "This conversation has exceeded the 24 hour limit to respond to the customer."
    );

    // The customer answers: the same conversation, the same agent, no request for anyone.
    desk.inbound(&customer, "Yes, tomorrow works").await;
    let (_, conversation) = desk.get(&format!("/conversations/{id}"), "alice").await;
    assert_eq!(conversation["window"]["open"], true, "{conversation}");
    assert_eq!(conversation["assigned_agent"], "alice");
    assert_eq!(conversation["messages"].as_array().unwrap().len(), 2);
    assert_eq!(desk.conversation_of(&customer).await, id);
    let (status, sent) = desk
        .post(&reply, "alice", json!({"body": "Great, booked."}))
        .await;
    assert_eq!(status, 201, "{sent}");
    // Alice hears of the answer; nobody gets a conversation request for it.
    let mut heard = false;
    for _ in 0..50 {
        heard = notifier.published().iter().any(|n| {
            n.event_type == "message.received" && n.body["conversation_id"] == id.as_str()
        });
        if heard {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(heard, "{:#?}", notifier.published());
    assert!(
        !notifier
            .published()
            .iter()
            .any(|n| n.event_type == "conversation.requested"),
        "{:#?}",
        notifier.published()
    );
}

#[tokio::test]
async fn a_business_started_conversation_waits_for_the_customer_on_the_embedded_store() {
    a_business_started_conversation_waits_for_the_customer(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn a_business_started_conversation_waits_for_the_customer_on_dynamodb_local() {
    a_business_started_conversation_waits_for_the_customer(dynamodb_local("start")).await;
}
