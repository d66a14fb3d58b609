//! The "done when" of agent notifications: local-api, playing the event source mapping, on the
//! embedded store and on DynamoDB Local, publishing to moto's SNS; per-agent SQS queues with
//! filter policies receive exactly what they should.

use std::sync::Arc;

use local_api::send::{InboundToSend, encode, inbound_params, new_message_sid};
use local_api::{LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN, StoreChoice};
use serde_json::json;
use whatsapp_channel::adapters::SnsAgentNotifier;
use whatsapp_channel::twilio::RequestValidator;

use crate::helpers::local::{Local, dynamodb_local};
use crate::sns::topic;

const BUSINESS: &str = "whatsapp:+14155238886";

/// Posts a signed inbound message with a given sid (so a test can retry it).
async fn post_inbound(base: &str, sid: &str, from: &str, body: &str) {
    let message = InboundToSend {
        from: from.into(),
        to: BUSINESS.into(),
        body: body.into(),
        profile_name: Some("WhatsApp Name".into()),
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{base}/twilio/inbound");
    let params = inbound_params(&message, sid, LOCAL_ACCOUNT_SID);
    let signature = RequestValidator::new(LOCAL_AUTH_TOKEN).compute_signature(&url, &params);
    let response = reqwest::Client::new()
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(encode(&params))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

async fn available_agents_get_one_request_per_new_session(choice: StoreChoice) {
    let topic = topic().await;
    let alice = topic.agent_queue("alice").await;
    let bob = topic.agent_queue("bob").await;
    let suffix = uuid::Uuid::now_v7().as_u128() % 100_000;
    let stranger = format!("whatsapp:+44770091{suffix:05}");
    let known = format!("whatsapp:+44770092{suffix:05}");
    let notifier = SnsAgentNotifier::new(topic.sns.clone(), topic.arn.clone());
    let local = Local::start_with(choice, Some(Arc::new(notifier))).await;
    let base = &local.base;

    assert_eq!(
        local
            .put(
                "/agents/alice/presence",
                "alice",
                json!({"status": "available"})
            )
            .await
            .0,
        200
    );
    assert_eq!(
        local
            .put("/agents/bob/presence", "bob", json!({"status": "offline"}))
            .await
            .0,
        200
    );
    assert_eq!(
        local
            .put(
                "/agents/bob/presence",
                "alice",
                json!({"status": "available"})
            )
            .await
            .0,
        403
    );
    let contact_path = format!(
        "/contacts/{}",
        known.replace(':', "%3A").replace('+', "%2B")
    );
    let contact = json!({"name": "Zoë O'Brien", "contact_id": "C-1042", "tier": "gold"});
    // The directory is shared data: an agent outside the admins group may not write it.
    assert_eq!(
        local.put(&contact_path, "alice", contact.clone()).await.0,
        403
    );
    assert_eq!(
        local
            .call(
                reqwest::Method::PUT,
                &contact_path,
                "alice",
                "admins",
                Some(contact)
            )
            .await
            .0,
        201
    );
    // The presence change reaches notify-agent before the requests are made.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;

    let first = new_message_sid();
    post_inbound(base, &first, &stranger, "Where is my order?").await;
    post_inbound(base, &first, &stranger, "Where is my order?").await; // Twilio's retry
    post_inbound(base, &new_message_sid(), &stranger, "Hello?").await; // a follow-up
    post_inbound(base, &new_message_sid(), &known, "Hi, it's Zoë").await;

    let mut received = Vec::new();
    for _ in 0..20 {
        received.extend(topic.bodies(&alice).await);
        if received.len() >= 2 {
            break;
        }
    }
    received.extend(topic.bodies(&alice).await);
    assert_eq!(received.len(), 2, "{received:#?}");
    assert!(
        received
            .iter()
            .all(|b| b["event_type"] == "conversation.requested")
    );
    let of = |address: &str| {
        received
            .iter()
            .find(|b| b["customer"]["address"] == address)
            .unwrap()
            .clone()
    };
    assert_eq!(of(&stranger)["customer"]["authenticated"], false);
    assert_eq!(of(&stranger)["first_message_preview"], "Where is my order?");
    assert_eq!(of(&known)["customer"]["authenticated"], true);
    assert_eq!(of(&known)["customer"]["contact_id"], "C-1042");
    assert_eq!(of(&known)["customer"]["name"], "Zoë O'Brien");
    assert!(
        topic.bodies(&bob).await.is_empty(),
        "an offline agent gets nothing"
    );
}

#[tokio::test]
async fn an_available_agents_queue_gets_one_request_per_new_session_on_the_embedded_store() {
    available_agents_get_one_request_per_new_session(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn an_available_agents_queue_gets_one_request_per_new_session_on_dynamodb_local() {
    available_agents_get_one_request_per_new_session(dynamodb_local("notify")).await;
}
