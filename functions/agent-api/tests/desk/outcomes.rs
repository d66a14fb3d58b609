//! Outcomes' routes from `events/`: an administrator's dispositions (put, list, delete), a
//! closed conversation's outcome, tags and a record linked and unlinked; and every agent-api
//! event reaching one of agent-api's routes.

use lambda_http::http::StatusCode;
use whatsapp_channel::ports::ConversationStore;
use whatsapp_channel::testing::{body_json, event, event_for_conversation, events_dir, t0};

use crate::{caller, edited, harness};

fn codes(list: &serde_json::Value) -> Vec<&str> {
    list["dispositions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_administrator_deletes_a_disposition_and_an_agent_may_not() {
    let h = harness();
    let response = h.call(event("agent-api.put-disposition")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let list = body_json(&h.call(event("agent-api.list-dispositions")).await);
    assert_eq!(codes(&list), ["resolved"], "{list}");

    let as_agent = edited("agent-api.delete-disposition", None, |v| {
        caller(v, "agent-bob", None)
    });
    let response = h.call(as_agent).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&response)["error"], "forbidden");
    let list = body_json(&h.call(event("agent-api.list-dispositions")).await);
    assert_eq!(codes(&list), ["resolved"], "{list}");

    let response = h.call(event("agent-api.delete-disposition")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list = body_json(&h.call(event("agent-api.list-dispositions")).await);
    assert!(codes(&list).is_empty(), "{list}");
    // Again (a retry): still 204.
    let response = h.call(event("agent-api.delete-disposition")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_closed_conversations_outcome_tags_and_record_from_events() {
    let mut h = harness();
    let id = h.accepted().await;
    let parsed = whatsapp_channel::domain::ConversationId::parse(&id).unwrap();
    h.store.close(&parsed, "agent-alice", t0()).await.unwrap();
    assert_eq!(
        h.call(event("agent-api.put-disposition")).await.status(),
        StatusCode::CREATED
    );

    let response = h
        .call(event_for_conversation("agent-api.record-outcome", &id))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = body_json(&response);
    assert_eq!(body["outcome"]["disposition"], "resolved", "{body}");
    assert_eq!(body["tags"], serde_json::json!(["refund"]));
    let response = h
        .call(event_for_conversation("agent-api.set-tags", &id))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_json(&response)["tags"],
        serde_json::json!(["refund", "vip"])
    );
    let response = h
        .call(event_for_conversation("agent-api.link-record", &id))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = h
        .call(event_for_conversation("agent-api.unlink-record", &id))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let conversation = body_json(
        &h.call(event_for_conversation("agent-api.get-conversation", &id))
            .await,
    );
    assert_eq!(
        conversation["records"],
        serde_json::json!([]),
        "{conversation}"
    );
}

/// Each `events/agent-api.*.json` reaches one of agent-api's routes: whatever it answers over
/// an empty store, never "no such route" nor "method not allowed".
#[tokio::test]
async fn every_agent_api_event_reaches_one_of_its_routes() {
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|f| {
            f.strip_prefix("agent-api.")?
                .strip_suffix(".json")
                .map(|case| format!("agent-api.{case}"))
        })
        .collect();
    names.sort();
    assert!(
        names.iter().any(|n| n == "agent-api.delete-disposition"),
        "{names:?}"
    );
    let h = harness();
    for name in &names {
        let response = h.call(event(name)).await;
        assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{name}");
        let body: serde_json::Value =
            serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
        assert_ne!(body["message"], "No such route.", "{name}: {body}");
    }
    assert!(names.len() >= 40, "only {} events", names.len());
}
