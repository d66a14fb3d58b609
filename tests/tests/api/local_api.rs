use std::sync::Arc;

use local_api::send::{InboundToSend, send_inbound};
use local_api::{LOCAL_ACCOUNT_SID, LocalApi, StoreChoice};
use tokio::net::TcpListener;
use whatsapp_channel::adapters::SystemClock;

use crate::helpers::dynamodb_endpoint;

/// local-api on a free port over the given store; returns its base URL.
async fn start(choice: StoreChoice) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (webhook, _) = local_api::webhook_config(port);
    let store = local_api::store(&choice).await.unwrap();
    let api = Arc::new(LocalApi::new(
        &webhook,
        store,
        Arc::new(SystemClock::default()),
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(local_api::serve(listener, api, async {
        let _ = stopped.await;
    }));
    (format!("http://127.0.0.1:{port}"), stop)
}

async fn send_inbound_shows_up_in_the_queue(choice: StoreChoice) {
    let (base, _stop) = start(choice).await;
    let message = InboundToSend {
        from: "whatsapp:+447700900123".into(),
        to: "whatsapp:+14155238886".into(),
        body: "Hi, où est ma commande? & 1+1=2 😕".into(),
        profile_name: Some("Zoë".into()),
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{base}/twilio/inbound");
    let (status, sid, text) = send_inbound(
        &url,
        local_api::LOCAL_AUTH_TOKEN,
        LOCAL_ACCOUNT_SID,
        &message,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(text, webhook_ingest::EMPTY_TWIML);

    let client = reqwest::Client::new();
    let list: serde_json::Value = client
        .get(format!("{base}/conversations"))
        .header("X-Agent-Id", "agent-1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation = &list["conversations"][0];
    assert_eq!(conversation["customer"]["display_name"], "Zoë");
    assert_eq!(conversation["window"]["open"], true);
    let id = conversation["id"].as_str().unwrap();
    let one: serde_json::Value = client
        .get(format!("{base}/conversations/{id}"))
        .header("X-Agent-Id", "agent-1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["messages"][0]["id"], sid);
    assert_eq!(
        one["messages"][0]["body"],
        "Hi, où est ma commande? & 1+1=2 😕"
    );

    // Without X-Agent-Id there is no authorizer claim: the handler refuses.
    let anonymous = client
        .get(format!("{base}/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // An unsigned post is refused.
    let unsigned = client.post(&url).body("MessageSid=x").send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
}

#[tokio::test]
async fn send_inbound_through_local_api_shows_a_conversation_on_the_embedded_store() {
    send_inbound_shows_up_in_the_queue(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn send_inbound_through_local_api_shows_a_conversation_on_dynamodb_local() {
    dynamodb_endpoint();
    let table = format!("local-api-{}", uuid::Uuid::now_v7().simple());
    send_inbound_shows_up_in_the_queue(StoreChoice::DynamoDb { table }).await;
}
