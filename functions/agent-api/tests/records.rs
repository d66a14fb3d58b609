//! `POST /conversations/{id}/records` with `create` through agent-api's handler: without a
//! records webhook it answers 503 and links nothing; the CRM's refusal is 502 and links
//! nothing; its answer is linked.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::http::StatusCode;
use whatsapp_channel::adapters::{InMemoryChannelStore, InMemoryRecordsWebhook, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::{ConversationId, InboundMessage};
use whatsapp_channel::ports::{OutcomeStore, RecordsWebhookError};
use whatsapp_channel::testing::{body_json, event_text, inbound_params, new_sid, t0};

async fn conversation(store: &InMemoryChannelStore, clock: &ManualClock) -> ConversationId {
    let message = InboundMessage::from_params(inbound_params(
        &new_sid(),
        "whatsapp:+447700900123",
        "Please call me back",
    ))
    .unwrap();
    receive_inbound(store, clock, &message)
        .await
        .unwrap()
        .conversation_id
}

/// The `link-record` event for conversation `id`, asking to create a record.
fn create_request(id: &ConversationId) -> lambda_http::Request {
    let text = event_text("agent-api.link-record")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", id.as_str())
        .replace(
            r#"\"id\": \"CASE-42\", \"url\": \"https://crm.example.com/cases/42\""#,
            r#"\"create\": true, \"title\": \"Call back\""#,
        );
    lambda_http::request::from_str(&text).unwrap()
}

#[tokio::test]
async fn creating_a_record_without_a_webhook_is_503_and_links_nothing() {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let id = conversation(&store, &clock).await;
    let api = AgentApi::new(store.clone(), clock.clone());
    let response = function_handler(&api, create_request(&id)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&response)["error"], "records_webhook_unavailable");
    assert!(store.records(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_crms_refusal_is_502_and_its_answer_is_linked() {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let id = conversation(&store, &clock).await;
    let refusing = AgentApi::new(store.clone(), clock.clone()).with_records_webhook(Arc::new(
        InMemoryRecordsWebhook::failing(RecordsWebhookError::Refused {
            status: 400,
            message: "no".into(),
        }),
    ));
    let response = function_handler(&refusing, create_request(&id))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(body_json(&response)["error"], "records_webhook_failed");
    assert!(store.records(&id).await.unwrap().is_empty());

    let webhook = Arc::new(InMemoryRecordsWebhook::new());
    let api = AgentApi::new(store.clone(), clock.clone()).with_records_webhook(webhook.clone());
    let response = function_handler(&api, create_request(&id)).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(body_json(&response)["id"], "REC-1");
    assert_eq!(webhook.requests()[0].title, "Call back");
    assert_eq!(store.records(&id).await.unwrap()[0].id, "REC-1");
}
