//! webhook-ingest's metrics (EMF): what the on-call engineer sees.

mod support;

use lambda_http::http::StatusCode;
use serde_json::Value;
use support::measured;
use webhook_ingest::{WebhookIngest, function_handler};
use whatsapp_channel::testing::{event, webhook_request};

async fn call(state: &WebhookIngest, name: &str) -> StatusCode {
    function_handler(state, event(name)).await.unwrap().status()
}

fn values(docs: &[Value], name: &str, field: &str) -> Vec<Value> {
    docs.iter()
        .filter(|d| d.get(name).is_some())
        .map(|d| d[field].clone())
        .collect()
}

#[tokio::test]
async fn a_first_message_counts_as_inbound_and_new_and_its_retry_as_a_duplicate() {
    let (state, sink) = measured();
    assert_eq!(
        call(&state, "webhook-ingest.inbound-text").await,
        StatusCode::OK
    );
    assert_eq!(
        call(&state, "webhook-ingest.inbound-text").await,
        StatusCode::OK
    );
    let inbound = sink.named("InboundMessages");
    assert_eq!(inbound.len(), 1, "{:?}", sink.lines());
    assert_eq!(inbound[0]["BusinessNumber"], "+14155238886");
    assert_eq!(
        inbound[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "WhatsAppChannel"
    );
    let new = sink.named("NewConversations");
    assert_eq!(
        values(&new, "NewConversations", "BusinessNumber"),
        ["+14155238886"]
    );
    let duplicates = sink.named("DuplicateDeliveries");
    assert_eq!(
        values(&duplicates, "DuplicateDeliveries", "BusinessNumber"),
        ["+14155238886"]
    );
}

#[tokio::test]
async fn a_follow_up_is_inbound_but_not_a_new_conversation() {
    let (state, sink) = measured();
    call(&state, "webhook-ingest.inbound-text").await;
    call(&state, "webhook-ingest.inbound-media").await;
    assert_eq!(sink.named("InboundMessages").len(), 2);
    assert_eq!(sink.named("NewConversations").len(), 1);
}

#[tokio::test]
async fn a_wrong_signature_counts_for_the_number_and_an_unsigned_request_for_nobody() {
    let (state, sink) = measured();
    assert_eq!(
        call(&state, "webhook-ingest.inbound-bad-signature").await,
        StatusCode::FORBIDDEN
    );
    let unsigned = webhook_request("/twilio/inbound", b"To=whatsapp%3A%2B14155238886", None);
    let response = function_handler(&state, unsigned).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let failures = sink.named("SignatureFailures");
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0]["BusinessNumber"], "+14155238886");
    assert!(
        failures[1].get("BusinessNumber").is_none(),
        "{}",
        failures[1]
    );
    assert_eq!(
        failures[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        serde_json::json!([["Function"]])
    );
}

#[tokio::test]
async fn status_callbacks_are_counted_and_a_failure_carries_twilio_s_code() {
    let (state, sink) = measured();
    call(&state, "webhook-ingest.status-delivered").await;
    call(&state, "webhook-ingest.status-failed-63016").await;
    let callbacks = sink.named("StatusCallbacks");
    assert_eq!(
        values(&callbacks, "StatusCallbacks", "BusinessNumber"),
        ["+14155238886", "+14155238886"]
    );
    let failures = sink.named("DeliveryFailures");
    assert_eq!(failures.len(), 1, "{:?}", sink.lines());
    assert_eq!(failures[0]["ErrorCode"], "63016");
    assert_eq!(failures[0]["BusinessNumber"], "+14155238886");
}
