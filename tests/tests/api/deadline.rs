//! The "done when" of window warnings: local-api, on the embedded store and on DynamoDB Local,
//! its clock moved by `POST /local/clock`, warns the agent of an accepted conversation once at
//! 22 h and once at 23 h 45, and never after.

use std::time::Duration;

use local_api::StoreChoice;
use serde_json::{Value, json};
use whatsapp_channel::adapters::RecordingNotifier;

use crate::helpers::local::{Local, dynamodb_local};

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
    let (local, notifier) = Local::recording(choice).await;
    local
        .inbound("whatsapp:+447700900123", "Where is my order?")
        .await;
    let (_, list) = local.get("/conversations", "alice").await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_owned();
    let (accepted, _) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(accepted, 200);

    let advance =
        |seconds: i64| local.post("/local/clock", "alice", json!({"advance_seconds": seconds}));
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
    an_accepted_conversation_is_warned_twice(dynamodb_local("deadline")).await;
}

#[tokio::test]
async fn local_api_refuses_to_move_its_clock_by_more_than_a_year() {
    let local = Local::start_with(StoreChoice::Embedded, None).await;
    let (status, body) = local
        .post(
            "/local/clock",
            "alice",
            json!({"advance_seconds": i64::MAX}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_clock");
    let (status, _) = local
        .post("/local/clock", "alice", json!({"advance_seconds": 60}))
        .await;
    assert_eq!(status, 200, "local-api still answers");
}
