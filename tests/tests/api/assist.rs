//! Assist through local-api, on the embedded store and on DynamoDB Local, with the embedded
//! lexicon scorer: the story. An angry customer reads negative on their message and their
//! conversation, the agent and supervisors hear of it once per turn, and the scoring itself raises
//! no notification; a grateful one reads positive. An administrator's refund article is found by
//! `refund`, offered as a suggestion for a customer asking about a refund, and its use is
//! recorded. A script for the number is ticked by the assigned agent only.

use local_api::StoreChoice;
use serde_json::{Value, json};

use whatsapp_channel::adapters::RecordingNotifier;
use whatsapp_channel::ports::Notification;

use crate::helpers::local::{BUSINESS, Local, a_customer, dynamodb_local};

async fn admin(
    local: &Local,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    local.call(method, path, "sam", "admins", body).await
}

/// The conversation once its `n`th message (0-based) has been read.
async fn scored(local: &Local, id: &str, n: usize) -> Value {
    local
        .eventually(&format!("/conversations/{id}"), |c| {
            c["messages"][n]["sentiment"]["label"].is_string()
                && c["sentiment"]["label"].is_string()
        })
        .await
}

async fn sentiment_reads_each_message_and_the_conversation(store: StoreChoice) {
    let (local, notifier) = Local::recording(store).await;

    // A grateful customer.
    let grateful = a_customer();
    local
        .inbound(&grateful, "Thank you so much, that was really helpful")
        .await;
    let id = local.conversation_of(&grateful).await;
    let conversation = scored(&local, &id, 0).await;
    assert_eq!(
        conversation["messages"][0]["sentiment"]["label"], "positive",
        "{conversation}"
    );
    assert!(
        conversation["messages"][0]["sentiment"]["score"]
            .as_f64()
            .unwrap()
            > 0.2
    );
    assert_eq!(conversation["sentiment"]["label"], "positive");

    // An angry one, accepted by alice: two angry messages turn the conversation negative.
    let angry = a_customer();
    local
        .inbound(&angry, "Hello, where is my order please?")
        .await;
    let id = local.conversation_of(&angry).await;
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    scored(&local, &id, 0).await;
    local
        .inbound(&angry, "This is terrible, I am furious, worst service ever")
        .await;
    let conversation = scored(&local, &id, 1).await;
    let message = &conversation["messages"][1];
    assert_eq!(message["sentiment"]["label"], "negative", "{conversation}");
    assert!(message["sentiment"]["score"].as_f64().unwrap() < -0.2);
    local
        .inbound(&angry, "Awful. Useless. I hate this, the parcel is broken")
        .await;
    let conversation = local
        .eventually(&format!("/conversations/{id}"), |c| {
            c["messages"][2]["sentiment"]["label"].is_string()
                && c["sentiment"]["label"] == "negative"
        })
        .await;
    assert_eq!(
        conversation["sentiment_trend"], "worsening",
        "{conversation}"
    );
    assert!(conversation["sentiment"]["score"].as_f64().unwrap() <= -0.2);

    // Still negative after a third: the agent and supervisors heard once for this turn.
    local
        .inbound(&angry, "Terrible, the worst, I am so angry")
        .await;
    let conversation = scored(&local, &id, 3).await;
    let turned: Vec<_> = notifier
        .published()
        .into_iter()
        .filter(|n| {
            n.event_type == "conversation.sentiment_negative" && n.body["conversation_id"] == id
        })
        .collect();
    assert_eq!(turned.len(), 1, "{turned:?}");
    assert!(turned[0].supervisors);
    assert_eq!(turned[0].agent_ids, ["alice"]);
    assert_eq!(turned[0].body["sentiment"]["label"], "negative");

    // Each customer message was announced once: the sentiment writes announce nothing.
    // (The first may reach alice too: on DynamoDB Local the stream can lag past the accept.)
    let announced: Vec<String> = notifier
        .published()
        .iter()
        .filter(|n| n.event_type == "message.received" && n.body["conversation_id"] == id)
        .map(|n| n.body["message_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let distinct: std::collections::BTreeSet<&String> = announced.iter().collect();
    assert_eq!(distinct.len(), announced.len(), "{announced:?}");
    assert!((3..=4).contains(&announced.len()), "{announced:?}");
    // Live, to the consoles: each reading, the last one with its message's.
    let last = pushed_eventually(&notifier, |n| {
        n.event_type == "conversation.sentiment"
            && n.body["conversation_id"] == id
            && n.body["message_id"] == conversation["messages"][3]["id"]
    })
    .await;
    assert_eq!(
        last.body["message_sentiment"]["label"], "negative",
        "{last:?}"
    );
    assert_eq!(last.body["sentiment"]["label"], "negative");
    assert_eq!(last.agent_ids, ["alice"]);
}

/// The first live-only frame `matching`, waiting for the stream (at most 30 s).
async fn pushed_eventually(
    notifier: &RecordingNotifier,
    matching: impl Fn(&Notification) -> bool,
) -> Notification {
    for _ in 0..300 {
        if let Some(found) = notifier.pushed_live().into_iter().find(|n| matching(n)) {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never pushed live: {:#?}", notifier.pushed_live());
}

#[tokio::test]
async fn sentiment_reads_each_message_and_the_conversation_on_the_embedded_store() {
    sentiment_reads_each_message_and_the_conversation(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn sentiment_reads_each_message_and_the_conversation_on_dynamodb_local() {
    sentiment_reads_each_message_and_the_conversation(dynamodb_local("assist-sentiment")).await;
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn knowledge_is_written_by_administrators_and_found_and_suggested(store: StoreChoice) {
    let (local, notifier) = Local::recording(store).await;
    let refund = json!({
        "title": "Refunds policy",
        "body": "Refunds are paid to the card used for the order within 5 working days of the parcel reaching us.\n\nAsk the customer for the order number first.",
        "url": "https://help.example.com/refunds",
        "tags": ["billing"]
    });
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/knowledge/refunds",
        Some(refund.clone()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["updated_by"], "sam");
    let (status, _) = admin(
        &local,
        reqwest::Method::PUT,
        "/knowledge/refunds",
        Some(refund),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/knowledge/opening-hours",
        Some(json!({"title": "Opening hours", "body": "We answer every day from 8:00 to 20:00."})),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Agents read; they do not write.
    let (status, body) = local
        .put(
            "/knowledge/mine",
            "alice",
            json!({"title": "Mine", "body": "Mine"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "forbidden");
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/knowledge/huge",
        Some(json!({"title": "Huge", "body": "x".repeat(20_001)})),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "too_large");

    let (status, found) = local.get("/knowledge?q=REFUND", "alice").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(ids(&found, "articles"), ["refunds"]);
    assert!(found["articles"][0]["score"].as_f64().unwrap() > 0.0);
    let (_, found) = local.get("/knowledge?q=hours", "alice").await;
    assert_eq!(ids(&found, "articles"), ["opening-hours"]);
    let (_, all) = local.get("/knowledge?tag=billing", "alice").await;
    assert_eq!(ids(&all, "articles"), ["refunds"]);
    let (status, article) = local.get("/knowledge/refunds", "alice").await;
    assert_eq!(status, 200);
    assert!(article["body"].as_str().unwrap().contains("order number"));

    // A team quick reply, and a customer asking about a refund.
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/quick-replies/refund-timing",
        Some(json!({"title": "Refund timing", "body": "Your refund will reach your card within 5 working days."})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let customer = a_customer();
    local.inbound(&customer, "Hi").await;
    let id = local.conversation_of(&customer).await;
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    local
        .inbound(&customer, "How long does my refund take?")
        .await;
    let suggestions = local
        .eventually(&format!("/conversations/{id}/suggestions"), |s| {
            s["based_on"].as_array().is_some_and(|b| b.len() == 2)
        })
        .await;
    assert_eq!(ids(&suggestions, "articles"), ["refunds"], "{suggestions}");
    assert_eq!(ids(&suggestions, "quick_replies"), ["refund-timing"]);
    // Pushed live to the assigned agent when the stream brings the customer's message (which
    // may be after the GET above has read it).
    let pushed = pushed_eventually(&notifier, |n| {
        n.event_type == "conversation.suggestions"
            && n.body["conversation_id"] == id
            && n.body["articles"][0]["id"] == "refunds"
    })
    .await;
    assert_eq!(pushed.agent_ids, ["alice"]);

    // Its use is recorded on the conversation.
    let (status, _) = local
        .post(
            &format!("/conversations/{id}/suggestions/article/refunds/used"),
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = local
        .post(
            &format!("/conversations/{id}/suggestions/macro/refunds/used"),
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    let used: Vec<&Value> = conversation["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "suggestion_used")
        .collect();
    assert_eq!(used.len(), 1, "{conversation}");
    assert_eq!(used[0]["kind"], "article");
    assert_eq!(used[0]["item_id"], "refunds");

    let (status, _) = admin(&local, reqwest::Method::DELETE, "/knowledge/refunds", None).await;
    assert_eq!(status, 204);
    let (status, _) = admin(&local, reqwest::Method::DELETE, "/knowledge/refunds", None).await;
    assert_eq!(status, 404);
    let (_, found) = local.get("/knowledge?q=refund", "alice").await;
    assert!(ids(&found, "articles").is_empty(), "{found}");
}

#[tokio::test]
async fn knowledge_is_written_by_administrators_and_found_and_suggested_on_the_embedded_store() {
    knowledge_is_written_by_administrators_and_found_and_suggested(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn knowledge_is_written_by_administrators_and_found_and_suggested_on_dynamodb_local() {
    knowledge_is_written_by_administrators_and_found_and_suggested(dynamodb_local(
        "assist-knowledge",
    ))
    .await;
}

async fn a_numbers_script_is_ticked_by_the_assigned_agent_only(store: StoreChoice) {
    let local = Local::start_with(store, None).await;
    let script = json!({
        "title": "Refund script",
        "steps": ["Greet the customer by name", "Confirm the order number", "Explain when the refund arrives"],
        "numbers": [BUSINESS]
    });
    let (status, body) = local.put("/scripts/refund", "alice", script.clone()).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/scripts/refund",
        Some(script),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/scripts/empty",
        Some(json!({"title": "Empty", "steps": []})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_script");

    let customer = a_customer();
    local.inbound(&customer, "I want a refund").await;
    let id = local.conversation_of(&customer).await;
    let step = |i: usize| format!("/conversations/{id}/script/steps/{i}");
    // Nobody's before it is accepted.
    let (status, body) = local.post(&step(1), "alice", json!({"done": true})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = local.get(&format!("/conversations/{id}"), "alice").await;
    assert_eq!(body["script"]["id"], "refund", "{body}");
    assert_eq!(body["script"]["steps"][1]["done"], false);

    let (status, body) = local.post(&step(1), "bob", json!({"done": true})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "not_assigned");
    let (status, body) = admin(
        &local,
        reqwest::Method::POST,
        &step(1),
        Some(json!({"done": true})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = local.post(&step(1), "alice", json!({"done": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["script"]["steps"][1]["done"], true);
    assert_eq!(body["script"]["steps"][1]["done_by"], "alice");
    let (status, _) = local.post(&step(3), "alice", json!({"done": true})).await;
    assert_eq!(status, 404);
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "bob").await;
    let done: Vec<bool> = conversation["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["done"].as_bool().unwrap())
        .collect();
    assert_eq!(done, [false, true, false]);
    // Rewritten by an administrator, a step starts afresh; the others keep their ticks.
    let (status, body) = local.post(&step(0), "alice", json!({"done": true})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/scripts/refund",
        Some(json!({
            "title": "Refund script",
            "steps": ["Greet the customer by name", "Confirm the order number and the date", "Explain when the refund arrives"],
            "numbers": [BUSINESS]
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    let done: Vec<bool> = conversation["script"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["done"].as_bool().unwrap())
        .collect();
    assert_eq!(done, [true, false, false], "{conversation}");
    let (status, body) = local.post(&step(1), "alice", json!({"done": false})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["script"]["steps"][1]["done"], false);

    // Closed, it is a record: nobody ticks it any more.
    let (status, body) = local
        .post(&format!("/conversations/{id}/close"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local.post(&step(0), "alice", json!({"done": true})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "not_active");

    let (status, _) = admin(&local, reqwest::Method::DELETE, "/scripts/refund", None).await;
    assert_eq!(status, 204);
    let (status, _) = admin(&local, reqwest::Method::DELETE, "/scripts/refund", None).await;
    assert_eq!(status, 404);
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    assert!(conversation["script"].is_null(), "{conversation}");
}

#[tokio::test]
async fn a_numbers_script_is_ticked_by_the_assigned_agent_only_on_the_embedded_store() {
    a_numbers_script_is_ticked_by_the_assigned_agent_only(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn a_numbers_script_is_ticked_by_the_assigned_agent_only_on_dynamodb_local() {
    a_numbers_script_is_ticked_by_the_assigned_agent_only(dynamodb_local("assist-scripts")).await;
}
