//! agent-api's handler over the in-memory store: routes, refusals and their status codes.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::ports::{AgentStore, ContactStore, ConversationStore};
use whatsapp_channel::testing::{
    body_json, event, event_for_conversation, event_text, inbound_params, new_sid, t0,
};

const CUSTOMER: &str = "whatsapp:+447700900123";

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

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.api, request).await.unwrap()
    }

    /// A customer's first message: a new conversation request. Returns its id.
    async fn requested(&self) -> String {
        let message =
            InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, "Hello")).unwrap();
        receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .unwrap()
            .conversation_id
            .as_str()
            .to_owned()
    }
}

fn as_agent(name: &str, text: &str) -> Request {
    let text = text.replace("\"sub\": \"agent-alice\"", &format!("\"sub\": \"{name}\""));
    lambda_http::request::from_str(&text).unwrap()
}

fn without_identity(name: &str) -> Request {
    let mut event: serde_json::Value = serde_json::from_str(&event_text(name)).unwrap();
    event["requestContext"]["authorizer"] = serde_json::Value::Null;
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[tokio::test]
async fn a_request_without_an_agent_identity_is_401() {
    let h = harness();
    let response = h
        .call(without_identity("agent-api.list-conversations"))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_json(&response)["error"], "unauthenticated");
}

#[tokio::test]
async fn the_queue_lists_a_new_request_and_filters_by_state() {
    let h = harness();
    let id = h.requested().await;
    let all = h.call(event("agent-api.list-conversations")).await;
    assert_eq!(all.status(), StatusCode::OK);
    assert_eq!(body_json(&all)["conversations"][0]["id"], id.as_str());
    let requested = h.call(event("agent-api.list-requested")).await;
    assert_eq!(
        body_json(&requested)["conversations"][0]["state"],
        "requested"
    );

    let text = event_text("agent-api.list-requested").replace("requested", "expired");
    let expired = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(body_json(&expired)["conversations"], serde_json::json!([]));
}

#[tokio::test]
async fn an_unknown_state_filter_is_400() {
    let h = harness();
    let text = event_text("agent-api.list-requested").replace("requested", "waiting");
    let response = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&response)["error"], "invalid_state");
}

#[tokio::test]
async fn an_unknown_or_malformed_conversation_is_404() {
    let h = harness();
    let unknown = h.call(event("agent-api.get-conversation")).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let malformed = h
        .call(event_for_conversation(
            "agent-api.get-conversation",
            "not-an-id",
        ))
        .await;
    assert_eq!(malformed.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(&malformed)["error"], "not_found");
}

#[tokio::test]
async fn one_agent_accepts_another_is_refused_and_only_the_assigned_agent_closes() {
    let h = harness();
    let id = h.requested().await;
    let accept = event_text("agent-api.accept-conversation")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &id);
    let close = event_text("agent-api.close-conversation")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &id);

    let first = h.call(as_agent("agent-alice", &accept)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(body_json(&first)["state"], "active");
    let again = h.call(as_agent("agent-alice", &accept)).await;
    assert_eq!(again.status(), StatusCode::OK);
    let taken = h.call(as_agent("agent-bob", &accept)).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&taken)["error"], "already_accepted");
    assert_eq!(body_json(&taken)["assigned_agent"], "agent-alice");

    let not_theirs = h.call(as_agent("agent-bob", &close)).await;
    assert_eq!(not_theirs.status(), StatusCode::FORBIDDEN);
    let closed = h.call(as_agent("agent-alice", &close)).await;
    assert_eq!(closed.status(), StatusCode::OK);
    assert_eq!(body_json(&closed)["state"], "closed");
    let late = h.call(as_agent("agent-bob", &accept)).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&late)["error"], "conversation_closed");
}

#[tokio::test]
async fn closing_a_conversation_nobody_accepted_is_409() {
    let h = harness();
    let id = h.requested().await;
    let close = event_text("agent-api.close-conversation")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &id);
    let response = h.call(as_agent("agent-alice", &close)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&response)["error"], "not_accepted");
}

#[tokio::test]
async fn an_accepted_conversation_reads_expired_after_24_hours() {
    let h = harness();
    let id = h.requested().await;
    let accept = event_text("agent-api.accept-conversation")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &id);
    h.call(as_agent("agent-alice", &accept)).await;
    h.clock.advance(TimeDelta::hours(24));
    let response = h
        .call(event_for_conversation("agent-api.get-conversation", &id))
        .await;
    let body = body_json(&response);
    assert_eq!(body["state"], "expired");
    assert_eq!(body["window"]["open"], false);
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_agent_sets_their_own_presence_only_and_with_a_known_status() {
    let h = harness();
    let mine = h.call(event("agent-api.set-presence")).await;
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(body_json(&mine)["status"], "available");
    assert_eq!(h.store.available_agents().await.unwrap().len(), 1);

    let text = event_text("agent-api.set-presence");
    let other = h.call(as_agent("agent-bob", &text)).await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);
    let unknown = h
        .call(lambda_http::request::from_str(&text.replace("available", "napping")).unwrap())
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&unknown)["error"], "invalid_status");
}

#[tokio::test]
async fn a_contact_is_created_then_replaced_and_a_bad_address_is_400() {
    let h = harness();
    let created = h.call(event("agent-api.put-contact")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let replaced = h.call(event("agent-api.put-contact")).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let contacts = h.store.contacts(&[CUSTOMER.to_owned()]).await.unwrap();
    assert_eq!(contacts[0].summary["tier"], "gold");

    let text = event_text("agent-api.put-contact");
    let bad_address = h
        .call(lambda_http::request::from_str(&text.replace("whatsapp%3A%2B", "")).unwrap())
        .await;
    assert_eq!(bad_address.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&bad_address)["error"], "invalid_address");
}

#[tokio::test]
async fn a_contact_without_a_name_is_422() {
    let h = harness();
    let text = event_text("agent-api.put-contact").replace("\\\"name\\\"", "\\\"nom\\\"");
    let response = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json(&response)["error"], "invalid_contact");
    assert!(h.store.list_conversations(1).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_contact_the_table_could_not_keep_as_given_is_422_and_nothing_is_stored() {
    for (case, replacement) in [
        ("an empty field name", "\\\"\\\": 1, \\\"tier\\\""),
        ("an empty object", "\\\"prefs\\\": {}, \\\"tier\\\""),
        (
            "a number out of range",
            "\\\"score\\\": 1e200, \\\"tier\\\"",
        ),
    ] {
        let h = harness();
        let text = event_text("agent-api.put-contact").replace("\\\"tier\\\"", replacement);
        assert_ne!(text, event_text("agent-api.put-contact"), "{case}");
        let response = h.call(lambda_http::request::from_str(&text).unwrap()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}"
        );
        assert_eq!(body_json(&response)["error"], "invalid_contact", "{case}");
        let address = vec!["whatsapp:+447700900123".to_owned()];
        assert!(
            h.store.contacts(&address).await.unwrap().is_empty(),
            "{case}"
        );
    }
}

#[tokio::test]
async fn only_administrators_may_write_the_customer_directory() {
    let h = harness();
    let text = event_text("agent-api.put-contact");
    for groups in ["", "[agents]", "[ops admins-of-nothing]"] {
        let not_admin = text.replace(
            r#""cognito:groups": "[admins]""#,
            &format!(r#""cognito:groups": "{groups}""#),
        );
        assert_ne!(not_admin, text);
        let response = h
            .call(lambda_http::request::from_str(&not_admin).unwrap())
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{groups}");
        assert_eq!(body_json(&response)["error"], "forbidden");
    }
    assert!(
        h.store
            .contacts(&[CUSTOMER.to_owned()])
            .await
            .unwrap()
            .is_empty()
    );
    // The HTTP API hands list claims over as one string; a JSON-looking list is read too.
    let json_list = text.replace(
        r#""cognito:groups": "[admins]""#,
        r#""cognito:groups": "[\"ops\",\"admins\"]""#,
    );
    assert_ne!(json_list, text);
    let response = h
        .call(lambda_http::request::from_str(&json_list).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_contact_past_its_bounds_is_413_and_nothing_is_stored() {
    let h = harness();
    let text = event_text("agent-api.put-contact");
    let huge = format!("\\\"notes\\\": \\\"{}\\\", \\\"name\\\"", "x".repeat(5000));
    let response = h
        .call(lambda_http::request::from_str(&text.replace("\\\"name\\\"", &huge)).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_json(&response)["error"], "contact_too_large");
    assert!(
        h.store
            .contacts(&[CUSTOMER.to_owned()])
            .await
            .unwrap()
            .is_empty()
    );
}
