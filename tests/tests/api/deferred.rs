//! The "done when" of deferred replies, through local-api and its Twilio stub, on the embedded
//! store and on DynamoDB Local: a reply deferred after 24 h answers 202 and reaches Twilio once,
//! only after the customer writes again; a cancelled one never does.

use std::sync::Arc;
use std::time::Duration;

use local_api::StoreChoice;
use local_api::send::{InboundToSend, send_inbound};
use local_api::{LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN};
use serde_json::{Value, json};
use whatsapp_channel::adapters::RecordingNotifier;

use crate::helpers::dynamodb_endpoint;
use crate::helpers::local::start_with;

struct Desk {
    base: String,
    client: reqwest::Client,
}

impl Desk {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-Agent-Id", "alice");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn customer_writes(&self, customer: &str, body: &str) {
        let message = InboundToSend {
            from: customer.into(),
            to: "whatsapp:+14155238886".into(),
            body: body.into(),
            profile_name: None,
            media_url: None,
            media_content_type: None,
        };
        let url = format!("{}/twilio/inbound", self.base);
        let (status, _, _) = send_inbound(&url, LOCAL_AUTH_TOKEN, LOCAL_ACCOUNT_SID, &message)
            .await
            .unwrap();
        assert_eq!(status, 200);
    }

    async fn outbound(&self, conversation: &str) -> Vec<Value> {
        let (_, body) = self
            .call(
                reqwest::Method::GET,
                &format!("/conversations/{conversation}"),
                None,
            )
            .await;
        body["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["direction"] == "outbound")
            .collect()
    }
}

async fn deferred_replies_wait_for_the_customer(choice: StoreChoice) {
    let (base, _stop) = start_with(choice, Some(Arc::new(RecordingNotifier::new()))).await;
    let desk = Desk {
        base,
        client: reqwest::Client::new(),
    };
    let customer = format!(
        "whatsapp:+4477008{:05}",
        uuid::Uuid::now_v7().as_u128() % 100_000
    );
    desk.customer_writes(&customer, "Where is my refund?").await;
    let (_, list) = desk
        .call(reqwest::Method::GET, "/conversations", None)
        .await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_owned();
    let messages = format!("/conversations/{id}/messages");
    assert_eq!(
        desk.call(
            reqwest::Method::POST,
            &format!("/conversations/{id}/accept"),
            None
        )
        .await
        .0,
        200
    );
    let (moved, _) = desk
        .call(
            reqwest::Method::POST,
            "/local/clock",
            Some(json!({"advance_seconds": 25 * 3600})),
        )
        .await;
    assert_eq!(moved, 200);

    let (refused, body) = desk
        .call(
            reqwest::Method::POST,
            &messages,
            Some(json!({"body": "Refund sent."})),
        )
        .await;
    assert_eq!(
        (refused, body["error"].as_str()),
        (409, Some("window_expired"))
    );
    let (kept, deferred) = desk
        .call(
            reqwest::Method::POST,
            &messages,
            Some(json!({"body": "Refund sent today.", "defer": true})),
        )
        .await;
    assert_eq!((kept, deferred["status"].as_str()), (202, Some("deferred")));
    let (_, dropped) = desk
        .call(
            reqwest::Method::POST,
            &messages,
            Some(json!({"body": "Ignore me.", "defer": true})),
        )
        .await;
    let dropped_id = dropped["id"].as_str().unwrap();
    let (cancelled, _) = desk
        .call(
            reqwest::Method::DELETE,
            &format!("{messages}/{dropped_id}"),
            None,
        )
        .await;
    assert_eq!(cancelled, 204);

    tokio::time::sleep(Duration::from_secs(1)).await;
    let waiting = desk.outbound(&id).await;
    assert!(
        waiting
            .iter()
            .all(|m| m["id"].as_str().is_some_and(|i| i.starts_with("deferred-"))),
        "nothing reached Twilio before the customer wrote: {waiting:?}"
    );

    desk.customer_writes(&customer, "Any news?").await;
    let mut outbound = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        outbound = desk.outbound(&id).await;
        if outbound.iter().any(|m| m["status"] == "delivered") {
            break;
        }
    }
    let sent: Vec<&Value> = outbound
        .iter()
        .filter(|m| m["id"].as_str().is_some_and(|i| i.starts_with("SM")))
        .collect();
    assert_eq!(sent.len(), 1, "{outbound:?}");
    assert_eq!(sent[0]["body"], "Refund sent today.");
    assert_eq!(sent[0]["status"], "delivered");
    let never: Vec<&Value> = outbound
        .iter()
        .filter(|m| m["body"] == "Ignore me.")
        .collect();
    assert_eq!(never.len(), 1);
    assert_eq!(never[0]["status"], "canceled");
}

#[tokio::test]
async fn a_deferred_reply_goes_out_once_when_the_customer_writes_again_on_the_embedded_store() {
    deferred_replies_wait_for_the_customer(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn a_deferred_reply_goes_out_once_when_the_customer_writes_again_on_dynamodb_local() {
    dynamodb_endpoint();
    let table = format!("deferred-{}", uuid::Uuid::now_v7().simple());
    deferred_replies_wait_for_the_customer(StoreChoice::DynamoDb { table }).await;
}
