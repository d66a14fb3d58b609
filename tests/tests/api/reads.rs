use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use whatsapp_channel::testing::{event, new_sid};

use crate::helpers::{Webhook, body_json, stores};

const CUSTOMER: &str = "whatsapp:+447700900123";

fn get(path: &str) -> lambda_http::Request {
    let mut text: serde_json::Value = serde_json::from_str(&whatsapp_channel::testing::event_text(
        "agent-api.get-conversation",
    ))
    .unwrap();
    text["rawPath"] = path.into();
    text["requestContext"]["http"]["path"] = path.into();
    lambda_http::request::from_str(&text.to_string()).unwrap()
}

#[tokio::test]
async fn agents_list_conversations_with_customer_state_and_window() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        webhook.text(&new_sid(), CUSTOMER, "Hi").await;
        let api = AgentApi::new(store.clone(), webhook.clock.clone());
        let response = function_handler(&api, event("agent-api.list-conversations"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let body = body_json(&response);
        let conversation = &body["conversations"][0];
        assert_eq!(conversation["customer"]["address"], CUSTOMER, "{name}");
        assert_eq!(
            conversation["customer"]["display_name"], "Test Customer",
            "{name}"
        );
        assert_eq!(conversation["customer"]["authenticated"], false, "{name}");
        assert_eq!(conversation["state"], "requested", "{name}");
        assert_eq!(conversation["window"]["open"], true, "{name}");
        assert_eq!(
            conversation["window"]["expires_at"], "2026-11-24T10:00:00.000Z",
            "{name}"
        );
        assert_eq!(
            conversation["last_inbound_at"], "2026-11-23T10:00:00.000Z",
            "{name}"
        );
        assert!(conversation.get("messages").is_none(), "{name}");
    }
}

/// `GET /conversations?<query>` as an agent.
fn list(query: &str) -> lambda_http::Request {
    let mut text: serde_json::Value = serde_json::from_str(&whatsapp_channel::testing::event_text(
        "agent-api.list-requested",
    ))
    .unwrap();
    text["rawQueryString"] = query.into();
    let pairs: serde_json::Map<String, serde_json::Value> =
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned().into()))
            .collect();
    text["queryStringParameters"] = pairs.into();
    lambda_http::request::from_str(&text.to_string()).unwrap()
}

#[tokio::test]
async fn the_queue_filtered_by_number_lists_exactly_that_numbers_conversations() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let first = "whatsapp:+14155238886";
        let second = "whatsapp:+14155238887";
        for (i, business) in [first, second, first].into_iter().enumerate() {
            let customer = format!("whatsapp:+44770090010{i}");
            let status = webhook.text_to(&new_sid(), &customer, business, "Hi").await;
            assert_eq!(status, StatusCode::OK, "{name}");
        }
        let api = AgentApi::new(store.clone(), webhook.clock.clone());
        for (number, expected) in [(first, 2), (second, 1)] {
            let query = format!("number={}", urlencoding(number));
            let response = function_handler(&api, list(&query)).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{name}");
            let body = body_json(&response);
            let listed = body["conversations"].as_array().unwrap();
            assert_eq!(listed.len(), expected, "{name} {number}: {body}");
            assert!(
                listed.iter().all(|c| c["business_number"] == number),
                "{name}: {body}"
            );
        }
        let all = body_json(&function_handler(&api, list("")).await.unwrap());
        assert_eq!(all["conversations"].as_array().unwrap().len(), 3, "{name}");
        let refused = function_handler(&api, list("number=%2B14155238886"))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{name}");
    }
}

fn urlencoding(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

#[tokio::test]
async fn a_conversation_shows_its_messages_in_order_with_media_and_location() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        for (i, fixture) in ["inbound-text", "inbound-media", "inbound-location"]
            .iter()
            .enumerate()
        {
            webhook
                .clock
                .set(crate::helpers::t0() + TimeDelta::seconds(i as i64));
            let status = webhook
                .call(event(&format!("webhook-ingest.{fixture}")))
                .await
                .status();
            assert_eq!(status, StatusCode::OK, "{name} {fixture}");
        }
        let api = AgentApi::new(store.clone(), webhook.clock.clone());
        let list = body_json(
            &function_handler(&api, event("agent-api.list-conversations"))
                .await
                .unwrap(),
        );
        let id = list["conversations"][0]["id"].as_str().unwrap().to_owned();
        let response = function_handler(&api, get(&format!("/conversations/{id}")))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let body = body_json(&response);
        let messages = body["messages"].as_array().unwrap();
        let ids: Vec<_> = messages.iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "SM0000000000000000000000000000a001",
                "MM0000000000000000000000000000a002",
                "SM0000000000000000000000000000a003"
            ],
            "{name}"
        );
        assert_eq!(messages[0]["direction"], "inbound", "{name}");
        assert_eq!(messages[0]["status"], "received", "{name}");
        assert_eq!(
            messages[1]["media"][0]["content_type"], "image/jpeg",
            "{name}"
        );
        assert_eq!(messages[2]["location"]["latitude"], 51.5072, "{name}");
        assert_eq!(
            messages[2]["created_at"], "2026-11-23T10:00:02.000Z",
            "{name}"
        );
        assert_eq!(body["customer"]["display_name"], "Zoë O'Brien", "{name}");
    }
}

#[tokio::test]
async fn the_window_reads_closed_after_24_hours_even_while_the_session_item_exists() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        webhook.text(&new_sid(), CUSTOMER, "Hi").await;
        webhook.clock.advance(TimeDelta::hours(24));
        let api = AgentApi::new(store.clone(), webhook.clock.clone());
        let body = body_json(
            &function_handler(&api, event("agent-api.list-conversations"))
                .await
                .unwrap(),
        );
        assert_eq!(body["conversations"][0]["window"]["open"], false, "{name}");
        assert_eq!(body["conversations"][0]["state"], "expired", "{name}");
        let requested = body_json(
            &function_handler(&api, event("agent-api.list-requested"))
                .await
                .unwrap(),
        );
        assert_eq!(
            requested["conversations"].as_array().unwrap().len(),
            0,
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_conversation_id_is_404_and_a_bad_state_filter_is_400() {
    for (name, store) in stores().await {
        let api = AgentApi::new(
            store,
            Arc::new(whatsapp_channel::adapters::SystemClock::default()),
        );
        let missing = function_handler(&api, event("agent-api.get-conversation"))
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{name}");
        assert_eq!(body_json(&missing)["error"], "not_found", "{name}");
        let malformed = function_handler(&api, get("/conversations/not-an-id"))
            .await
            .unwrap();
        assert_eq!(malformed.status(), StatusCode::NOT_FOUND, "{name}");
        let mut bad_filter = get("/conversations");
        *bad_filter.uri_mut() = "/conversations?state=sleeping".parse().unwrap();
        let text = whatsapp_channel::testing::event_text("agent-api.list-requested")
            .replace("state=requested", "state=sleeping")
            .replace("\"requested\"", "\"sleeping\"");
        let response = function_handler(&api, lambda_http::request::from_str(&text).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(body_json(&response)["error"], "invalid_state", "{name}");
    }
}

#[tokio::test]
async fn a_request_without_an_agent_identity_is_401() {
    let api = AgentApi::new(
        Arc::new(whatsapp_channel::adapters::InMemoryChannelStore::new()),
        Arc::new(whatsapp_channel::adapters::SystemClock::default()),
    );
    let text = whatsapp_channel::testing::event_text("agent-api.list-conversations");
    let mut event: serde_json::Value = serde_json::from_str(&text).unwrap();
    event["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let response = function_handler(
        &api,
        lambda_http::request::from_str(&event.to_string()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_accept_and_close_events_assign_then_close_a_conversation() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        webhook.text(&new_sid(), CUSTOMER, "Hi").await;
        let id = store.list_conversations(1).await.unwrap()[0].id.clone();
        let api = AgentApi::new(store.clone(), webhook.clock.clone());
        let accept =
            whatsapp_channel::testing::event_for_conversation("agent-api.accept-conversation", &id);
        let accepted = function_handler(&api, accept).await.unwrap();
        assert_eq!(accepted.status(), StatusCode::OK, "{name}");
        assert_eq!(
            body_json(&accepted)["assigned_agent"],
            "agent-alice",
            "{name}"
        );
        let close =
            whatsapp_channel::testing::event_for_conversation("agent-api.close-conversation", &id);
        let closed = function_handler(&api, close).await.unwrap();
        assert_eq!(closed.status(), StatusCode::OK, "{name}");
        assert_eq!(body_json(&closed)["state"], "closed", "{name}");
        let transcript = body_json(
            &function_handler(&api, get(&format!("/conversations/{id}")))
                .await
                .unwrap(),
        );
        assert_eq!(
            transcript["messages"].as_array().unwrap().len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_presence_and_contact_events_set_presence_and_add_a_contact() {
    for (name, store) in stores().await {
        let api = AgentApi::new(
            store.clone(),
            Arc::new(whatsapp_channel::adapters::SystemClock::default()),
        );
        let presence = function_handler(&api, event("agent-api.set-presence"))
            .await
            .unwrap();
        assert_eq!(presence.status(), StatusCode::OK, "{name}");
        assert_eq!(body_json(&presence)["status"], "available", "{name}");
        let agents = store.available_agents().await.unwrap();
        assert_eq!(agents.len(), 1, "{name}");
        assert_eq!(agents[0].agent_id, "agent-alice", "{name}");

        let created = function_handler(&api, event("agent-api.put-contact"))
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED, "{name}");
        let replaced = function_handler(&api, event("agent-api.put-contact"))
            .await
            .unwrap();
        assert_eq!(replaced.status(), StatusCode::OK, "{name}");
        let contacts = store.contacts(&[CUSTOMER.to_owned()]).await.unwrap();
        assert_eq!(contacts[0].contact_id, "C-1042", "{name}");
        assert_eq!(contacts[0].summary["open_orders"], 2, "{name}");

        // Another agent's presence, and a bad status, are refused.
        let text = whatsapp_channel::testing::event_text("agent-api.set-presence");
        let other = text.replace("\"sub\": \"agent-alice\"", "\"sub\": \"agent-bob\"");
        let response = function_handler(&api, lambda_http::request::from_str(&other).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
        let bad = text.replace("available", "napping");
        let response = function_handler(&api, lambda_http::request::from_str(&bad).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
        let bad_address = whatsapp_channel::testing::event_text("agent-api.put-contact")
            .replace("whatsapp%3A%2B447700900123", "447700900123");
        let response =
            function_handler(&api, lambda_http::request::from_str(&bad_address).unwrap())
                .await
                .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
    }
}
