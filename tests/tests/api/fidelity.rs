//! WhatsApp's own touches through local-api, with its Twilio stand-in recording what reaches
//! Twilio: the approved templates from the Content API (every page, the rejected one left out),
//! the rule that agents send only those, and typing / read receipts (one call per 20 s, only
//! for the assigned agent, inside the window).

use local_api::StoreChoice;
use serde_json::{Value, json};

use crate::helpers::local::{Local, a_customer, dynamodb_local};

const ORDER_UPDATE: &str = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";
const REMINDER: &str = "HXb2c3d4e5f60718293a4b5c6d7e8f90a1";
const REJECTED: &str = "HXc3d4e5f60718293a4b5c6d7e8f90a1b2";

/// What the stand-in recorded on `path` (relative to Twilio's base).
async fn twilio_calls(local: &Local, path: &str) -> Vec<Value> {
    let (status, body) = local.get("/local/twilio/calls", "alice").await;
    assert_eq!(status, 200, "{body}");
    body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["path"] == path)
        .cloned()
        .collect()
}

const TYPING: &str = "/v2/Indicators/Typing.json";

async fn advance(local: &Local, seconds: i64) {
    let (status, body) = local
        .post("/local/clock", "alice", json!({"advance_seconds": seconds}))
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A customer's request, accepted by alice; its id and the customer's last message's sid.
async fn accepted(local: &Local, texts: &[&str]) -> (String, String) {
    let customer = a_customer();
    for text in texts {
        local.inbound(&customer, text).await;
    }
    let id = local.conversation_of(&customer).await;
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    let last = conversation["messages"].as_array().unwrap().last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, last)
}

#[tokio::test]
async fn the_template_list_holds_the_approved_templates_of_every_page_and_not_a_rejected_one() {
    let local = Local::start_with(StoreChoice::Embedded, None).await;
    let (status, body) = local.get("/templates", "alice").await;
    assert_eq!(status, 200, "{body}");
    let templates = body["templates"].as_array().unwrap();
    let sids: Vec<&str> = templates
        .iter()
        .map(|t| t["content_sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids, [REMINDER, ORDER_UPDATE], "by name: {body}");
    assert!(!sids.contains(&REJECTED));
    let order = &templates[1];
    assert_eq!(order["friendly_name"], "order_update");
    assert_eq!(order["language"], "en");
    assert_eq!(order["category"], "UTILITY");
    assert_eq!(order["body"], "Hi {{1}}, your order {{2}} is on its way.");
    assert_eq!(order["variables"], json!({"1": "Ana", "2": "A-1042"}));
    assert_eq!(order["types"], json!(["twilio/text"]));
    assert_eq!(
        templates[0]["body"],
        "Hola {{1}}, ¿confirmas tu cita del {{2}}?"
    );
    // Two pages, with the account's credentials; then the list comes from the cache.
    let reads = twilio_calls(&local, "/v1/ContentAndApprovals").await;
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(reads.iter().all(|r| r["authorized"] == true), "{reads:?}");
    let (status, _) = local.get("/templates", "bob").await;
    assert_eq!(status, 200);
    assert_eq!(
        twilio_calls(&local, "/v1/ContentAndApprovals").await.len(),
        2
    );
}

#[tokio::test]
async fn an_agent_sends_only_approved_templates_and_an_administrator_any() {
    let local = Local::start_with(StoreChoice::Embedded, None).await;
    let (id, _) = accepted(&local, &["Hello"]).await;
    let path = format!("/conversations/{id}/messages");
    let template = |sid: &str| json!({"template": {"content_sid": sid, "variables": {"1": "Zoë"}}});
    let (status, body) = local.post(&path, "alice", template(REJECTED)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "template_not_approved");
    let (status, body) = local.post(&path, "alice", template(ORDER_UPDATE)).await;
    assert_eq!(status, 201, "{body}");
    // An administrator's "Other template": any Content SID, Twilio decides.
    let (status, body) = local
        .call(
            reqwest::Method::POST,
            &path,
            "alice",
            "admins",
            Some(template(REJECTED)),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A business-started conversation is held to the same rule.
    let start = |sid: &str| json!({"customer": a_customer(), "template": {"content_sid": sid, "variables": {}}});
    let (status, body) = local.post("/conversations", "alice", start(REJECTED)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "template_not_approved");
    let (status, body) = local.post("/conversations", "alice", start(REMINDER)).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn accepting_sends_one_read_receipt_for_the_latest_customer_message() {
    let (local, _) = Local::recording(StoreChoice::Embedded).await;
    let (id, latest) = accepted(&local, &["Hello", "Are you there?"]).await;
    let conversation = local
        .eventually(&format!("/conversations/{id}"), |c| {
            c["read"]["message_id"].is_string()
        })
        .await;
    assert_eq!(conversation["read"]["message_id"], latest.as_str());
    let calls = twilio_calls(&local, TYPING).await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["method"], "POST");
    assert_eq!(
        calls[0]["form"],
        json!({"messageId": latest, "channel": "whatsapp"})
    );
    assert_eq!(calls[0]["authorized"], true);
}

#[tokio::test]
async fn two_typing_calls_five_seconds_apart_reach_twilio_once_and_a_third_after_20_s_again() {
    typing_is_limited_to_one_call_in_20_s(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn on_dynamodb_local_the_20_s_limit_is_the_typing_items_conditional_write() {
    typing_is_limited_to_one_call_in_20_s(dynamodb_local("fidelity")).await;
}

async fn typing_is_limited_to_one_call_in_20_s(store: StoreChoice) {
    // No stream: no read receipt on accept, so every call here is the agent's.
    let local = Local::start_with(store, None).await;
    let (id, latest) = accepted(&local, &["Hello"]).await;
    let typing = format!("/conversations/{id}/typing");
    let (status, body) = local.post(&typing, "alice", json!({})).await;
    assert_eq!(status, 204, "{body}");
    advance(&local, 5).await;
    let (status, _) = local.post(&typing, "alice", json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(twilio_calls(&local, TYPING).await.len(), 1);
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    assert_eq!(conversation["read"]["message_id"], latest.as_str());
    advance(&local, 16).await;
    let (status, _) = local.post(&typing, "alice", json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(twilio_calls(&local, TYPING).await.len(), 2);
}

#[tokio::test]
async fn only_the_assigned_agent_types_inside_the_window_with_a_customer_message_to_mark() {
    let local = Local::start_with(StoreChoice::Embedded, None).await;
    let (id, _) = accepted(&local, &["Hello"]).await;
    let typing = format!("/conversations/{id}/typing");
    let (status, body) = local.post(&typing, "bob", json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "not_assigned");
    // A supervisor reading it does not mark it read either.
    let (status, _) = local
        .call(reqwest::Method::POST, &typing, "carol", "admins", None)
        .await;
    assert_eq!(status, 403);
    let (status, body) = local
        .post(
            "/conversations/00000000-0000-7000-8000-000000000000/typing",
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    // A business-started conversation: the customer has not written yet.
    let (status, started) = local
        .post(
            "/conversations",
            "alice",
            json!({"customer": a_customer(), "template": {"content_sid": ORDER_UPDATE, "variables": {}}}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let (status, body) = local
        .post(
            &format!("/conversations/{}/typing", started["id"].as_str().unwrap()),
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "nothing_to_acknowledge");
    advance(&local, 25 * 3600).await;
    let (status, body) = local.post(&typing, "alice", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "window_expired");
    assert!(twilio_calls(&local, TYPING).await.is_empty());
}
