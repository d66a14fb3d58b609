//! Outcomes for other systems, through local-api: "create a record" sends the CRM a correctly
//! signed request and links its answer; the conversation's lifecycle reaches moto's EventBridge
//! and, through a rule, an SQS queue, one event per change, without message bodies.

use std::sync::Arc;
use std::time::Duration;

use aws_config::Region;
use aws_sdk_eventbridge::config::Credentials;
use local_api::StoreChoice;
use serde_json::{Value, json};
use whatsapp_channel::adapters::{EventBridgeBus, HttpRecordsWebhook, verify_signature};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::local::{Local, a_customer};

const SECRET: &str = "whsec-tests-0123456789";

async fn accepted_and_closed(local: &Local, text: &str) -> (String, String) {
    let customer = a_customer();
    local.inbound(&customer, text).await;
    let id = local.conversation_of(&customer).await;
    for step in ["accept", "close"] {
        let (status, body) = local
            .post(&format!("/conversations/{id}/{step}"), "alice", json!({}))
            .await;
        assert_eq!(status, 200, "{step}: {body}");
    }
    (id, customer)
}

#[tokio::test]
async fn creating_a_record_sends_the_crm_a_signed_request_and_links_the_record_it_answers() {
    let crm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/records"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "CASE-77", "url": "https://crm.example.com/cases/77"})),
        )
        .mount(&crm)
        .await;
    let webhook = HttpRecordsWebhook::new(&format!("{}/records", crm.uri()), SECRET.into())
        .expect("a loopback webhook");
    let (local, _) = Local::configured(StoreChoice::Embedded, |api| {
        api.with_records_webhook(Arc::new(webhook))
    })
    .await;
    let (id, customer) = accepted_and_closed(&local, "I want a refund").await;
    let (status, body) = local
        .post(
            &format!("/conversations/{id}/records"),
            "alice",
            json!({"system": "crm", "create": true, "title": "Refund for order 1042"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], "CASE-77");
    assert_eq!(body["url"], "https://crm.example.com/cases/77");

    let requests = crm.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let header = |name: &str| request.headers[name].to_str().unwrap().to_owned();
    let timestamp = header("x-whatsapp-channel-timestamp");
    let now = chrono::Utc::now().timestamp();
    assert!(verify_signature(
        SECRET,
        &timestamp,
        &request.body,
        &header("x-whatsapp-channel-signature"),
        now
    ));
    assert!(!verify_signature(
        "another-secret",
        &timestamp,
        &request.body,
        &header("x-whatsapp-channel-signature"),
        now
    ));
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent["conversation_id"], id.as_str());
    assert_eq!(sent["customer"], customer.as_str());
    assert_eq!(sent["system"], "crm");
    assert_eq!(sent["title"], "Refund for order 1042");
    let by_record = format!(
        "/conversations?record={}",
        crate::helpers::local::encoded("crm:CASE-77")
    );
    let (_, found) = local.get(&by_record, "bob").await;
    assert_eq!(found["conversations"][0]["id"], id.as_str());

    // Without RECORDS_WEBHOOK_URL, local-api's in-memory stand-in creates the record.
    let (plain, _) = Local::configured(StoreChoice::Embedded, |api| api).await;
    let (other, _) = accepted_and_closed(&plain, "Hello").await;
    let (status, body) = plain
        .post(
            &format!("/conversations/{other}/records"),
            "alice",
            json!({"system": "crm", "create": true, "title": "Call back"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], "REC-1");
}

fn moto() -> String {
    std::env::var("AWS_ENDPOINT_URL_EVENTBRIDGE")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL_SQS"))
        .unwrap_or_else(|_| {
            panic!(
                "moto server (the EventBridge emulator) is not running: AWS_ENDPOINT_URL_EVENTBRIDGE \
                 is unset. Run `cargo xtask test`, or `cargo xtask emulators` and source \
                 target/xtask/emulators.env (CI={})",
                std::env::var("CI").unwrap_or_default()
            )
        })
}

#[tokio::test]
async fn the_lifecycle_reaches_eventbridge_once_per_change_and_a_rule_routes_it_to_a_queue() {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(moto())
        .load()
        .await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let name = format!("whatsapp-channel-{}", uuid::Uuid::now_v7().simple());
    events
        .create_event_bus()
        .name(&name)
        .send()
        .await
        .expect("a bus on moto");
    let queue_url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = format!("arn:aws:sqs:us-east-1:123456789012:{name}");
    events
        .put_rule()
        .name(&name)
        .event_bus_name(&name)
        .event_pattern(json!({"source": ["whatsapp-channel"]}).to_string())
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule(&name)
        .event_bus_name(&name)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("crm")
                .arn(&queue_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let bus = EventBridgeBus::new(events.clone(), name.clone());
    let (local, _) = Local::configured(StoreChoice::Embedded, |api| {
        api.with_bus(Arc::new(bus), false)
    })
    .await;
    let (status, _) = local
        .call(
            reqwest::Method::PUT,
            "/dispositions/resolved",
            "sam",
            "admins",
            Some(json!({"label": "Resolved"})),
        )
        .await;
    assert_eq!(status, 201);
    let (id, _) = accepted_and_closed(&local, "My secret order number is 1042").await;
    let (status, body) = local
        .put(
            &format!("/conversations/{id}/outcome"),
            "alice",
            json!({"disposition": "resolved", "summary": "Sent a new parcel", "tags": ["parcel"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = local
        .post(
            &format!("/conversations/{id}/records"),
            "alice",
            json!({"system": "crm", "id": "CASE-9"}),
        )
        .await;
    assert_eq!(status, 201);

    // Read the queue until the five events of this conversation are there.
    let wanted = [
        "conversation.requested",
        "conversation.accepted",
        "conversation.closed",
        "conversation.outcome_recorded",
        "record.linked",
    ];
    let mut seen: Vec<Value> = Vec::new();
    for _ in 0..60 {
        let out = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        for message in out.messages() {
            let event: Value = serde_json::from_str(message.body().unwrap_or("{}")).unwrap();
            if event["detail"]["conversation_id"] == id.as_str() {
                seen.push(event);
            }
        }
        if wanted
            .iter()
            .all(|w| seen.iter().any(|e| e["detail-type"] == *w))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let types: Vec<&str> = seen
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap())
        .collect();
    for w in wanted {
        assert_eq!(
            types.iter().filter(|t| **t == w).count(),
            1,
            "{w} once in {types:?}"
        );
    }
    let of = |w: &str| seen.iter().find(|e| e["detail-type"] == w).unwrap();
    assert_eq!(of("conversation.requested")["source"], "whatsapp-channel");
    assert_eq!(of("conversation.requested")["detail"]["version"], 1);
    assert!(
        !seen
            .iter()
            .any(|e| e.to_string().contains("secret order number")),
        "no message body without EVENTS_INCLUDE_BODIES=on"
    );
    assert!(of("conversation.closed")["detail"]["outcome"].is_null());
    assert_eq!(of("conversation.closed")["detail"]["closed_by"], "alice");
    let outcome = &of("conversation.outcome_recorded")["detail"];
    assert_eq!(outcome["outcome"]["disposition"], "resolved");
    assert_eq!(outcome["outcome"]["summary"], "Sent a new parcel");
    assert_eq!(outcome["tags"], json!(["parcel"]));
    assert_eq!(of("record.linked")["detail"]["record"]["id"], "CASE-9");
}
