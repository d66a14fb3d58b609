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
