//! The "done when" of window warnings: local-api, on the embedded store and on DynamoDB Local,
//! its clock moved by `POST /local/clock`, warns the agent of an accepted conversation once at
//! 22 h and once at 23 h 45, and never after.

use std::sync::Arc;
use std::time::Duration;

use local_api::StoreChoice;
use local_api::send::{InboundToSend, send_inbound};
use local_api::{LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN};
use serde_json::{Value, json};
use whatsapp_channel::adapters::RecordingNotifier;

use crate::helpers::dynamodb_endpoint;
use crate::local_api::start_with;

async fn post(base: &str, path: &str, agent: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("X-Agent-Id", agent)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn warnings(notifier: &RecordingNotifier) -> Vec<Value> {
    notifier
        .published()
        .into_iter()
        .filter(|n| n.event_type == "window.closing")
        .map(|n| n.body)
        .collect()
}

/// Waits (bounded) until `n` warnings were published, then a little longer for any extra.
async fn settle(notifier: &RecordingNotifier, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        if warnings(notifier).len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    warnings(notifier)
}

async fn an_accepted_conversation_is_warned_twice(choice: StoreChoice) {
    let notifier = Arc::new(RecordingNotifier::new());
    let (base, _stop) = start_with(choice, Some(notifier.clone())).await;
    let message = InboundToSend {
        from: "whatsapp:+447700900123".into(),
        to: "whatsapp:+14155238886".into(),
        body: "Where is my order?".into(),
        profile_name: None,
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{base}/twilio/inbound");
    let (status, _, _) = send_inbound(&url, LOCAL_AUTH_TOKEN, LOCAL_ACCOUNT_SID, &message)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let list: Value = reqwest::Client::new()
        .get(format!("{base}/conversations"))
        .header("X-Agent-Id", "alice")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["conversations"][0]["id"].as_str().unwrap().to_owned();
    let (accepted, _) = post(
        &base,
        &format!("/conversations/{id}/accept"),
        "alice",
        json!({}),
    )
    .await;
    assert_eq!(accepted, 200);

    let advance = |seconds: i64| {
        post(
            &base,
            "/local/clock",
            "alice",
            json!({"advance_seconds": seconds}),
        )
    };
    assert_eq!(advance(21 * 3600 + 50 * 60).await.0, 200);
    assert!(settle(&notifier, 1).await.is_empty(), "nothing before 22 h");
    assert_eq!(advance(10 * 60).await.0, 200);
    let first = settle(&notifier, 1).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["warning"], "2h");
    assert_eq!(first[0]["conversation_id"], id.as_str());
    assert_eq!(first[0]["agent"], "alice");
    assert_eq!(advance(3600 + 45 * 60).await.0, 200);
    let second = settle(&notifier, 2).await;
    assert_eq!(second.len(), 2, "{second:?}");
    assert_eq!(second[1]["warning"], "15m");
    assert_eq!(advance(3600).await.0, 200);
    assert_eq!(
        settle(&notifier, 3).await.len(),
        2,
        "no more after the window closed"
    );
}

#[tokio::test]
async fn an_accepted_conversation_is_warned_at_22_h_and_23_h_45_on_the_embedded_store() {
    an_accepted_conversation_is_warned_twice(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn an_accepted_conversation_is_warned_at_22_h_and_23_h_45_on_dynamodb_local() {
    dynamodb_endpoint();
    let table = format!("deadline-{}", uuid::Uuid::now_v7().simple());
    an_accepted_conversation_is_warned_twice(StoreChoice::DynamoDb { table }).await;
}

#[tokio::test]
async fn local_api_refuses_to_move_its_clock_by_more_than_a_year() {
    let (base, _stop) = start_with(StoreChoice::Embedded, None).await;
    let (status, body) = post(
        &base,
        "/local/clock",
        "alice",
        json!({"advance_seconds": i64::MAX}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_clock");
    let (status, _) = post(
        &base,
        "/local/clock",
        "alice",
        json!({"advance_seconds": 60}),
    )
    .await;
    assert_eq!(status, 200, "local-api still answers");
}
