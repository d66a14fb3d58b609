//! Agents' routing profiles and load through agent-api's handler, on the in-memory store.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::{Capacity, InboundMessage};
use whatsapp_channel::ports::ProfileStore;
use whatsapp_channel::testing::{body_json, event_text, inbound_params, new_sid, t0};

const EVENT_ID: &str = "01a20a57-f1b0-7342-9a4c-552c53ee9bf3";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    api: AgentApi,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let api = AgentApi::new(store.clone(), clock.clone());
    Harness { store, clock, api }
}

/// An event file with its JSON body replaced (`None`: as the file has it).
fn put_profile(body: Option<&str>) -> Request {
    let mut event: Value =
        serde_json::from_str(&event_text("agent-api.put-agent-profile")).unwrap();
    if let Some(body) = body {
        event["body"] = Value::String(body.to_owned());
    }
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

/// The same request without the administrators' group.
fn without_admin(request_text: &str) -> Request {
    let mut event: Value = serde_json::from_str(request_text).unwrap();
    event["requestContext"]["authorizer"]["jwt"]["claims"]
        .as_object_mut()
        .unwrap()
        .remove("cognito:groups");
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn as_agent(name: &str, event_name: &str, id: &str) -> Request {
    let text = event_text(event_name)
        .replace(EVENT_ID, id)
        .replace("\"sub\": \"agent-alice\"", &format!("\"sub\": \"{name}\""));
    lambda_http::request::from_str(&text).unwrap()
}

fn get_agent(agent: &str) -> Request {
    let text = event_text("agent-api.get-agent").replace("agent-bob", agent);
    lambda_http::request::from_str(&text).unwrap()
}

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.api, request).await.unwrap()
    }

    async fn requested(&self, customer: &str) -> String {
        let message =
            InboundMessage::from_params(inbound_params(&new_sid(), customer, "Hello")).unwrap();
        receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .unwrap()
            .conversation_id
            .as_str()
            .to_owned()
    }

    async fn agent(&self, agent: &str) -> Value {
        let response = self.call(get_agent(agent)).await;
        assert_eq!(response.status(), StatusCode::OK);
        body_json(&response)
    }
}

#[tokio::test]
async fn an_administrator_sets_a_profile_and_any_agent_reads_it_back() {
    let h = harness();
    let created = h.call(put_profile(None)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body = body_json(&created);
    assert_eq!(body["capacity"], 1);
    assert_eq!(body["numbers"][0], "whatsapp:+14155238886");
    assert_eq!(body["updated_by"], "agent-alice");

    let replaced = h.call(put_profile(Some(r#"{"capacity": 5}"#))).await;
    assert_eq!(replaced.status(), StatusCode::OK);

    // Read by an agent who is not an administrator.
    let read = h
        .call(without_admin(&event_text("agent-api.get-agent")))
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let agent = body_json(&read);
    assert_eq!(agent["agent_id"], "agent-bob");
    assert_eq!(agent["capacity"], 5);
    assert_eq!(agent["numbers"], serde_json::json!([]));
    assert_eq!(agent["profile_set"], true);
    assert_eq!(agent["profile_updated_by"], "agent-alice");
}

#[tokio::test]
async fn a_non_administrators_profile_change_is_403_and_nothing_is_stored() {
    let h = harness();
    let refused = h
        .call(without_admin(&event_text("agent-api.put-agent-profile")))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&refused)["error"], "forbidden");
    assert!(h.store.agent("agent-bob").await.unwrap().profile.is_none());
}

#[tokio::test]
async fn a_malformed_profile_is_400_and_an_invalid_one_422_and_neither_is_stored() {
    let h = harness();
    for (body, status, error) in [
        ("{not json", StatusCode::BAD_REQUEST, "invalid_json"),
        ("[1]", StatusCode::BAD_REQUEST, "invalid_json"),
        ("{}", StatusCode::UNPROCESSABLE_ENTITY, "invalid_profile"),
        (
            r#"{"capacity": 0}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
        ),
        (
            r#"{"capacity": 21}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
        ),
        (
            r#"{"capacity": 2.5}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
        ),
        (
            r#"{"capacity": "3"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
        ),
        (
            r#"{"capacity": 3, "numbers": ["+14155238886"]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
        ),
        (
            r#"{"capacity": 3, "numbers": "whatsapp:+14155238886"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
        ),
        (
            r#"{"capacity": 3, "numbers": [7]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
        ),
    ] {
        let response = h.call(put_profile(Some(body))).await;
        assert_eq!(response.status(), status, "{body}");
        assert_eq!(body_json(&response)["error"], error, "{body}");
    }
    assert!(h.store.agent("agent-bob").await.unwrap().profile.is_none());
}

#[tokio::test]
async fn an_invalid_profile_names_the_field_at_fault() {
    let h = harness();
    let capacity = h.call(put_profile(Some(r#"{"capacity": 99}"#))).await;
    assert_eq!(body_json(&capacity)["field"], "capacity");
    let numbers = h
        .call(put_profile(Some(
            r#"{"capacity": 2, "numbers": ["whatsapp:+0123"]}"#,
        )))
        .await;
    assert_eq!(body_json(&numbers)["field"], "numbers");
}

#[tokio::test]
async fn an_agent_without_a_profile_has_the_default_capacity_serves_every_number_and_is_offline() {
    let h = harness();
    let agent = h.agent("agent-carol").await;
    assert_eq!(agent["capacity"], 3);
    assert_eq!(agent["numbers"], serde_json::json!([]));
    assert_eq!(agent["profile_set"], false);
    assert_eq!(agent["presence"], "offline");
    assert_eq!(agent["load"], 0);

    let configured = AgentApi::new(h.store.clone(), h.clock.clone())
        .with_default_capacity(Capacity::parse(7).unwrap());
    let response = function_handler(&configured, get_agent("agent-carol"))
        .await
        .unwrap();
    assert_eq!(body_json(&response)["capacity"], 7);
}

#[tokio::test]
async fn load_counts_an_accepted_conversation_until_it_is_closed() {
    let h = harness();
    let first = h.requested("whatsapp:+447700900001").await;
    let second = h.requested("whatsapp:+447700900002").await;
    assert_eq!(h.agent("agent-alice").await["load"], 0);

    for id in [&first, &second] {
        let accepted = h
            .call(as_agent("agent-alice", "agent-api.accept-conversation", id))
            .await;
        assert_eq!(accepted.status(), StatusCode::OK);
    }
    let agent = h.agent("agent-alice").await;
    assert_eq!(agent["load"], 2);
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(agent["active_conversations"], serde_json::json!(expected));

    let closed = h
        .call(as_agent(
            "agent-alice",
            "agent-api.close-conversation",
            &first,
        ))
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let agent = h.agent("agent-alice").await;
    assert_eq!(agent["load"], 1);
    assert_eq!(agent["active_conversations"], serde_json::json!([second]));
}

#[tokio::test]
async fn a_conversation_stops_counting_when_its_window_ends_though_nobody_closed_it() {
    let h = harness();
    let id = h.requested("whatsapp:+447700900003").await;
    h.call(as_agent(
        "agent-alice",
        "agent-api.accept-conversation",
        &id,
    ))
    .await;
    h.clock
        .advance(TimeDelta::hours(24) - TimeDelta::seconds(1));
    assert_eq!(h.agent("agent-alice").await["load"], 1);
    h.clock.advance(TimeDelta::seconds(1));
    assert_eq!(h.agent("agent-alice").await["load"], 0);
}

#[tokio::test]
async fn a_transfer_moves_the_load_to_the_new_agent() {
    let h = harness();
    let id = h.requested("whatsapp:+447700900004").await;
    h.call(as_agent(
        "agent-alice",
        "agent-api.accept-conversation",
        &id,
    ))
    .await;
    let text = event_text("agent-api.transfer-conversation").replace(EVENT_ID, &id);
    let event: Value = serde_json::from_str(&text).unwrap();
    let target =
        serde_json::from_str::<Value>(event["body"].as_str().unwrap()).unwrap()["agent_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let moved = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(moved.status(), StatusCode::OK, "{}", body_json(&moved));
    assert_eq!(h.agent("agent-alice").await["load"], 0);
    assert_eq!(h.agent(&target).await["load"], 1);
}

#[tokio::test]
async fn the_agents_list_shows_each_available_agents_capacity_and_load() {
    let h = harness();
    let available = event_text("agent-api.set-presence");
    h.call(lambda_http::request::from_str(&available).unwrap())
        .await;
    let id = h.requested("whatsapp:+447700900005").await;
    h.call(as_agent(
        "agent-alice",
        "agent-api.accept-conversation",
        &id,
    ))
    .await;
    let text = event_text("agent-api.put-agent-profile").replace("agent-bob", "agent-alice");
    let set = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(set.status(), StatusCode::CREATED);

    let list = h
        .call(lambda_http::request::from_str(&event_text("agent-api.list-agents")).unwrap())
        .await;
    assert_eq!(list.status(), StatusCode::OK);
    let agents = body_json(&list)["agents"].clone();
    assert_eq!(agents[0]["agent_id"], "agent-alice");
    assert_eq!(agents[0]["status"], "available");
    assert_eq!(agents[0]["capacity"], 1);
    assert_eq!(agents[0]["load"], 1);
}

#[tokio::test]
async fn an_agent_id_that_cannot_be_one_is_400_and_another_method_405() {
    let h = harness();
    let bad = h.call(get_agent("a%23b")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&bad)["error"], "invalid_agent");

    let text = event_text("agent-api.get-agent").replace("\"GET\"", "\"DELETE\"");
    let delete = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);
}
