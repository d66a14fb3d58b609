//! Privacy's routes from `events/`: an administrator's hold, the customer's export and the
//! audit log that shows both (and the token's sign-in, once).

use lambda_http::http::StatusCode;
use whatsapp_channel::testing::{body_json, event};

use crate::{CUSTOMER, caller, edited, harness};

#[tokio::test]
async fn a_hold_and_an_export_from_the_events_are_in_the_audit_log() {
    let mut h = harness();
    h.inbound(CUSTOMER, "Where is my parcel?").await;
    let by_agent = edited("agent-api.hold-customer", None, |v| {
        caller(v, "agent-bob", None)
    });
    assert_eq!(h.call(by_agent).await.status(), StatusCode::FORBIDDEN);
    let held = h.call(event("agent-api.hold-customer")).await;
    assert_eq!(held.status(), StatusCode::OK);
    assert_eq!(body_json(&held)["hold"], true);
    let exported = h.call(event("agent-api.export-customer")).await;
    assert_eq!(exported.status(), StatusCode::OK);
    let data = body_json(&exported);
    assert_eq!(
        data["conversations"][0]["messages"][0]["body"],
        "Where is my parcel?"
    );

    let page = body_json(&h.call(event("agent-api.audit")).await);
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "the event asks for holds only: {page}");
    assert_eq!(entries[0]["actor"], "agent-alice");
    let all = body_json(
        &h.call(edited("agent-api.audit", None, |v| {
            v["rawQueryString"] = "".into();
            v.as_object_mut().unwrap().remove("queryStringParameters");
        }))
        .await,
    );
    let done: Vec<(&str, &str)> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    // Each token's first request is its sign-in (bob's was refused, but he signed in); the
    // refused hold itself is no entry.
    assert_eq!(
        done,
        [
            ("customer.export", "agent-alice"),
            ("customer.hold", "agent-alice"),
            ("signin", "agent-alice"),
            ("signin", "agent-bob"),
        ],
        "{all}"
    );
}

/// Erasure steps as the queue would hold them.
#[derive(Default)]
struct Queue(std::sync::Mutex<Vec<whatsapp_channel::ports::WorkerTask>>);

#[async_trait::async_trait]
impl whatsapp_channel::ports::ErasureQueue for Queue {
    async fn enqueue(
        &self,
        task: &whatsapp_channel::ports::WorkerTask,
        _delay: u32,
    ) -> Result<(), whatsapp_channel::ports::StoreError> {
        self.0.lock().unwrap().push(task.clone());
        Ok(())
    }
}

#[tokio::test]
async fn an_erasure_from_the_events_is_queued_for_an_administrator_only_and_reported() {
    let mut h = harness();
    // Without a queue: a clear 503.
    let unconfigured = h.call(event("agent-api.erase-customer")).await;
    assert_eq!(unconfigured.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&unconfigured)["error"], "erasure_unavailable");
    let queue = std::sync::Arc::new(Queue::default());
    h.api = h.api.with_erasures(queue.clone());
    h.inbound(CUSTOMER, "Please forget me").await;
    let by_agent = edited("agent-api.erase-customer", None, |v| {
        caller(v, "agent-bob", None)
    });
    assert_eq!(h.call(by_agent).await.status(), StatusCode::FORBIDDEN);
    assert!(queue.0.lock().unwrap().is_empty());

    let accepted = h.call(event("agent-api.erase-customer")).await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let view = body_json(&accepted);
    assert_eq!(view["state"], "running");
    assert_eq!(view["requested_by"], "agent-alice");
    assert!(view["customer"].as_str().unwrap().starts_with("hmac:"));
    assert!(!view.to_string().contains("447700900123"), "{view}");
    let id = view["erasure_id"].as_str().unwrap().to_owned();
    let queued = queue.0.lock().unwrap().clone();
    let [whatsapp_channel::ports::WorkerTask::Erase(job)] = queued.as_slice() else {
        panic!("one step queued: {queued:?}")
    };
    assert_eq!(
        (job.erasure_id.as_str(), job.address.as_str()),
        (id.as_str(), CUSTOMER)
    );

    // Its progress: the event's id is unknown; the real one answers.
    assert_eq!(
        h.call(event("agent-api.erasure")).await.status(),
        StatusCode::NOT_FOUND
    );
    let progress = h
        .call(edited("agent-api.erasure", None, |v| {
            let path = format!("/erasures/{id}");
            v["rawPath"] = path.clone().into();
            v["requestContext"]["http"]["path"] = path.into();
            v["pathParameters"]["erasureId"] = id.clone().into();
        }))
        .await;
    assert_eq!(progress.status(), StatusCode::OK);
    assert_eq!(body_json(&progress)["erasure_id"], id.as_str());

    // A held customer: 409, nothing queued.
    h.call(event("agent-api.hold-customer")).await;
    let held = h.call(event("agent-api.erase-customer")).await;
    assert_eq!(held.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&held)["error"], "legal_hold");
    assert_eq!(queue.0.lock().unwrap().len(), 1);

    let page = body_json(
        &h.call(edited("agent-api.audit", None, |v| {
            v["rawQueryString"] = "action=customer.erase".into();
            v["queryStringParameters"] = serde_json::json!({"action": "customer.erase"});
        }))
        .await,
    );
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "the refusals are no entries: {page}");
    assert_eq!(entries[0]["detail"]["erasure_id"], id.as_str());
}
