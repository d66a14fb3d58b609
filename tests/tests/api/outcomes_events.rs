//! Outcomes for other systems, through local-api: "create a record" sends the CRM a correctly
//! signed request and links its answer; the conversation's lifecycle reaches moto's EventBridge
//! and, through a rule, an SQS queue, one event per change, without message bodies unless
//! `EVENTS_INCLUDE_BODIES=on`.

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

/// A fresh bus on moto with a rule sending every `whatsapp-channel` event to a fresh queue.
struct RoutedBus {
    events: aws_sdk_eventbridge::Client,
    sqs: aws_sdk_sqs::Client,
    name: String,
    queue_url: String,
    /// Every event read from the queue so far (a message read stays hidden from later reads).
    seen: Vec<Value>,
}

impl RoutedBus {
    async fn new() -> Self {
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
        Self {
            events,
            sqs,
            name,
            queue_url,
            seen: Vec::new(),
        }
    }

    /// local-api putting its events on this bus, with or without bodies.
    async fn local(&self, include_bodies: bool, csat: bool) -> Local {
        let bus = EventBridgeBus::new(self.events.clone(), self.name.clone());
        let csat = csat.then(|| whatsapp_channel::domain::outcomes::CsatSettings {
            content_sid: CSAT_SID.into(),
            wait: chrono::TimeDelta::minutes(60),
        });
        let (local, _) = Local::configured(StoreChoice::Embedded, |api| {
            api.with_bus(Arc::new(bus), include_bodies).with_csat(csat)
        })
        .await;
        local
    }

    /// Reads the queue until each of `wanted` has come for `conversation` (or 10 s passed);
    /// that conversation's events, in the order read.
    async fn events_of(&mut self, conversation: &str, wanted: &[&str]) -> Vec<Value> {
        let of = |seen: &[Value]| -> Vec<Value> {
            seen.iter()
                .filter(|e| e["detail"]["conversation_id"] == conversation)
                .cloned()
                .collect()
        };
        for _ in 0..100 {
            let mine = of(&self.seen);
            if wanted
                .iter()
                .all(|w| mine.iter().any(|e| e["detail-type"] == *w))
            {
                break;
            }
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            for message in out.messages() {
                self.seen
                    .push(serde_json::from_str(message.body().unwrap_or("{}")).unwrap());
            }
            if out.messages().is_empty() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        of(&self.seen)
    }
}

const CSAT_SID: &str = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";

/// The event of `detail_type` among `events`, which must hold it exactly once.
fn once<'a>(events: &'a [Value], detail_type: &str) -> &'a Value {
    let matching: Vec<&Value> = events
        .iter()
        .filter(|e| e["detail-type"] == detail_type)
        .collect();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(matching.len(), 1, "{detail_type} once in {types:?}");
    matching[0]
}

#[tokio::test]
async fn the_lifecycle_reaches_eventbridge_once_per_change_and_a_rule_routes_it_to_a_queue() {
    let mut bus = RoutedBus::new().await;
    let local = bus.local(false, true).await;
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
    // Accepted by alice, handed to bob, closed by bob (the CSAT survey goes out).
    let customer = a_customer();
    local
        .inbound(&customer, "My secret order number is 1042")
        .await;
    let id = local.conversation_of(&customer).await;
    let steps = [
        ("alice", "accept", json!({})),
        ("alice", "transfer", json!({"agent_id": "bob"})),
        ("bob", "close", json!({})),
    ];
    for (agent, step, body) in steps {
        let (status, answer) = local
            .post(&format!("/conversations/{id}/{step}"), agent, body)
            .await;
        assert_eq!(status, 200, "{step}: {answer}");
    }
    let (status, body) = local
        .put(
            &format!("/conversations/{id}/outcome"),
            "bob",
            json!({"disposition": "resolved", "summary": "Sent a new parcel", "tags": ["parcel"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let records = format!("/conversations/{id}/records");
    let (status, _) = local
        .post(&records, "bob", json!({"system": "crm", "id": "CASE-9"}))
        .await;
    assert_eq!(status, 201);
    let (status, _) = local
        .call(
            reqwest::Method::DELETE,
            &format!("{records}/crm/CASE-9"),
            "bob",
            "",
            None,
        )
        .await;
    assert_eq!(status, 204);
    // The customer answers the survey once it is sent.
    let path = format!("/conversations/{id}");
    local
        .eventually(&path, |c| {
            c["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["template"]["content_sid"] == CSAT_SID))
        })
        .await;
    local.inbound(&customer, "5").await;
    local.eventually(&path, |c| c["csat"]["score"] == 5).await;

    let wanted = [
        "conversation.requested",
        "conversation.accepted",
        "conversation.transferred",
        "conversation.closed",
        "conversation.outcome_recorded",
        "conversation.csat_received",
        "record.linked",
        "record.unlinked",
    ];
    let seen = bus.events_of(&id, &wanted).await;
    for w in wanted {
        let event = once(&seen, w);
        assert_eq!(event["source"], "whatsapp-channel", "{w}");
        assert_eq!(event["detail"]["version"], 1, "{w}");
        assert_eq!(
            event["detail"]["event_id"]
                .as_str()
                .map(|e| e.ends_with(&format!("#{w}"))),
            Some(true),
            "{w}: {event}"
        );
    }
    assert!(
        !seen
            .iter()
            .any(|e| e.to_string().contains("secret order number")),
        "no message body without EVENTS_INCLUDE_BODIES=on"
    );
    assert!(
        once(&seen, "conversation.requested")["detail"]
            .get("preview")
            .is_none()
    );
    let transferred = &once(&seen, "conversation.transferred")["detail"];
    assert_eq!(transferred["from_agent"], "alice");
    assert_eq!(transferred["to_agent"], "bob");
    assert_eq!(transferred["assigned_agent"], "bob");
    let closed = &once(&seen, "conversation.closed")["detail"];
    assert!(closed["outcome"].is_null());
    assert_eq!(closed["closed_by"], "bob");
    let outcome = &once(&seen, "conversation.outcome_recorded")["detail"];
    assert_eq!(outcome["outcome"]["disposition"], "resolved");
    assert_eq!(outcome["outcome"]["summary"], "Sent a new parcel");
    assert_eq!(outcome["outcome"]["recorded_by"], "bob");
    assert_eq!(outcome["tags"], json!(["parcel"]));
    let csat = &once(&seen, "conversation.csat_received")["detail"];
    assert_eq!(csat["score"], 5);
    assert!(csat["at"].is_string(), "{csat}");
    let linked = &once(&seen, "record.linked")["detail"];
    assert_eq!(linked["record"]["id"], "CASE-9");
    assert_eq!(linked["linked_by"], "bob");
    let unlinked = &once(&seen, "record.unlinked")["detail"];
    assert_eq!(
        unlinked["record"],
        json!({"system": "crm", "id": "CASE-9", "url": null})
    );
    assert!(unlinked.get("linked_by").is_none(), "{unlinked}");
}

#[tokio::test]
async fn with_events_include_bodies_on_the_request_carries_the_first_message_and_without_it_no_event_does()
 {
    let mut bus = RoutedBus::new().await;
    let with_bodies = bus.local(true, false).await;
    let without = bus.local(false, false).await;
    let mut ids = Vec::new();
    for (local, text) in [
        (&with_bodies, "Parcel 1042 went to 1 High Street"),
        (&without, "Parcel 2084 went to 2 Low Street"),
    ] {
        let (id, _) = accepted_and_closed(local, text).await;
        ids.push((id, text));
    }
    let wanted = [
        "conversation.requested",
        "conversation.accepted",
        "conversation.closed",
    ];

    // On: the request's `preview` is the customer's first message, and only there.
    let (id, text) = &ids[0];
    let seen = bus.events_of(id, &wanted).await;
    let requested = &once(&seen, "conversation.requested")["detail"];
    assert_eq!(requested["preview"], *text, "{requested}");
    for w in &wanted[1..] {
        let event = once(&seen, w);
        assert!(!event.to_string().contains(text), "{w}: {event}");
        assert!(event["detail"].get("preview").is_none(), "{w}: {event}");
    }

    // Off (the default): no event holds it, and the request has no `preview`.
    let (id, text) = &ids[1];
    let seen = bus.events_of(id, &wanted).await;
    for w in wanted {
        let event = once(&seen, w);
        assert!(!event.to_string().contains(text), "{w}: {event}");
        assert!(event["detail"].get("preview").is_none(), "{w}: {event}");
    }
}
