//! Outcomes through local-api, on the embedded store and on DynamoDB Local: an administrator's
//! dispositions, an agent's wrap-up with tags and a linked record, and the conversations a tag
//! or a record finds (and no other).

use local_api::StoreChoice;
use serde_json::{Value, json};

use crate::helpers::local::{Local, a_customer, dynamodb_local, encoded};

async fn admin(local: &Local, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
    local.call(method, path, "sam", "admins", Some(body)).await
}

/// A request of a new customer, accepted by `agent`: its id.
async fn accepted(local: &Local, agent: &str) -> String {
    let customer = a_customer();
    local.inbound(&customer, "My parcel never arrived").await;
    let id = local.conversation_of(&customer).await;
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), agent, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

fn ids(list: &Value) -> Vec<&str> {
    list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

async fn a_wrap_up_with_tags_and_a_record_is_found_by_each(store: StoreChoice) {
    // With the stream (notifications recorded): the search index follows the messages.
    let (local, _) = Local::recording(store).await;
    // An administrator's list; an agent may read it but not change it.
    let (status, body) = admin(
        &local,
        reqwest::Method::PUT,
        "/dispositions/resolved",
        json!({"label": "Resolved"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = local
        .put(
            "/dispositions/refund_issued",
            "alice",
            json!({"label": "Refund issued"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = local.get("/dispositions", "alice").await;
    assert_eq!(status, 200);
    assert_eq!(body["dispositions"][0]["code"], "resolved");

    let id = accepted(&local, "alice").await;
    let other = accepted(&local, "bob").await;
    let (status, body) = local
        .put(
            &format!("/conversations/{other}/tags"),
            "bob",
            json!({"tags": ["billing"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Not before the close.
    let outcome = format!("/conversations/{id}/outcome");
    let wrap_up = json!({"disposition": "resolved", "summary": "Parcel found at the depot", "tags": ["Refund", "vip", "refund"]});
    let (status, body) = local.put(&outcome, "alice", wrap_up.clone()).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "not_closed");
    let (status, body) = local
        .post(&format!("/conversations/{id}/close"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["closed_by"], "alice");
    assert!(body["outcome"].is_null(), "{body}");

    let (status, body) = local
        .put(&outcome, "alice", json!({"disposition": "lost_parcel"}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "unknown_disposition");
    let (status, body) = local.put(&outcome, "bob", wrap_up.clone()).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = local
        .put(
            &outcome,
            "alice",
            json!({"disposition": "resolved", "summary": "x".repeat(2001)}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_outcome");
    let (status, body) = local.put(&outcome, "alice", wrap_up).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"]["disposition"], "resolved");
    assert_eq!(body["outcome"]["label"], "Resolved");
    assert_eq!(body["outcome"]["summary"], "Parcel found at the depot");
    assert_eq!(body["outcome"]["recorded_by"], "alice");
    assert_eq!(body["tags"], json!(["Refund", "vip"]));

    // A record: linked once (a repeat is 200), an http link refused.
    let records = format!("/conversations/{id}/records");
    let case = json!({"system": "crm", "id": "CASE-42", "url": "https://crm.example.com/cases/42"});
    let (status, body) = local.post(&records, "carol", case.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["linked_by"], "carol");
    let (status, _) = local.post(&records, "carol", case).await;
    assert_eq!(status, 200);
    let (status, body) = local
        .post(
            &records,
            "carol",
            json!({"system": "crm", "id": "CASE-43", "url": "http://crm.example.com"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_record");
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    assert_eq!(
        conversation["records"][0]["id"], "CASE-42",
        "{conversation}"
    );

    // Found by its record and by its tag (any case), and nothing else is.
    let by_record = format!("/conversations?record={}", encoded("crm:CASE-42"));
    let (status, found) = local.get(&by_record, "dave").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(ids(&found), [id.as_str()]);
    let (_, found) = local.get("/conversations?tag=VIP", "dave").await;
    assert_eq!(ids(&found), [id.as_str()]);
    let (_, found) = local.get("/conversations?tag=billing", "dave").await;
    assert_eq!(ids(&found), [other.as_str()]);
    let (_, found) = local.get("/conversations?tag=nothing", "dave").await;
    assert!(ids(&found).is_empty());
    // Transcript search keeps to the record's conversations with `record=`.
    local
        .eventually("/search?q=parcel", |r| {
            r["results"].as_array().is_some_and(|r| r.len() == 2)
        })
        .await;
    let search = format!("/search?q=parcel&record={}", encoded("crm:CASE-42"));
    let (status, found) = local.get(&search, "dave").await;
    assert_eq!(status, 200, "{found}");
    let conversations: Vec<&str> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conversation_id"].as_str().unwrap())
        .collect();
    assert_eq!(conversations, [id.as_str()], "{found}");
    let (_, found) = local
        .get(
            &format!("/search?q=parcel&record={}", encoded("crm:CASE-1")),
            "dave",
        )
        .await;
    assert_eq!(found["results"], json!([]), "{found}");
    let (status, body) = local.get("/search?q=parcel&record=CASE-42", "dave").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_record");

    // Another agent may not unlink; the assigned agent may, and it is found no more.
    let unlink = format!("/conversations/{id}/records/crm/CASE-42");
    let (status, _) = local
        .call(reqwest::Method::DELETE, &unlink, "carol", "", None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = local
        .call(reqwest::Method::DELETE, &unlink, "alice", "", None)
        .await;
    assert_eq!(status, 204);
    let (_, found) = local.get(&by_record, "dave").await;
    assert!(ids(&found).is_empty(), "{found}");
    // Tags replaced: the old ones find it no more.
    let (status, body) = local
        .put(
            &format!("/conversations/{id}/tags"),
            "dave",
            json!({"tags": ["escalated"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, found) = local.get("/conversations?tag=vip", "dave").await;
    assert!(ids(&found).is_empty(), "{found}");
    let (_, found) = local.get("/conversations?tag=escalated", "dave").await;
    assert_eq!(ids(&found), [id.as_str()]);
    let (status, body) = local
        .put(
            &format!("/conversations/{id}/tags"),
            "dave",
            json!({"tags": ["x".repeat(33)]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_tags");
}

#[tokio::test]
async fn a_wrap_up_with_tags_and_a_record_is_found_by_each_on_the_embedded_store() {
    a_wrap_up_with_tags_and_a_record_is_found_by_each(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn a_wrap_up_with_tags_and_a_record_is_found_by_each_on_dynamodb_local() {
    a_wrap_up_with_tags_and_a_record_is_found_by_each(dynamodb_local("outcomes")).await;
}

const CSAT_SID: &str = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn twilio_messages(local: &Local) -> Vec<Value> {
    let (_, body) = local.get("/local/twilio/calls", "alice").await;
    body["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["method"] == "POST" && c["path"].as_str().unwrap().ends_with("/Messages.json")
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn closing_sends_the_csat_survey_once_and_the_customers_5_is_its_score_not_a_new_request() {
    let csat = whatsapp_channel::domain::outcomes::CsatSettings {
        content_sid: CSAT_SID.into(),
        wait: chrono::TimeDelta::minutes(60),
    };
    let (local, notifier) =
        Local::configured(StoreChoice::Embedded, |api| api.with_csat(Some(csat))).await;
    let customer = a_customer();
    local.inbound(&customer, "Where is my parcel?").await;
    let id = local.conversation_of(&customer).await;
    let (status, _) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, _) = local
        .post(&format!("/conversations/{id}/close"), "alice", json!({}))
        .await;
    assert_eq!(status, 200);
    // The survey goes out once, from the stream, with the approved template.
    let path = format!("/conversations/{id}");
    let conversation = local
        .eventually(&path, |c| {
            c["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["template"]["content_sid"] == CSAT_SID))
        })
        .await;
    // The transcript shows it by its name and text, from the Content API's approved list.
    let survey = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["template"]["content_sid"] == CSAT_SID)
        .unwrap();
    assert_eq!(survey["template"]["name"], "order_update", "{survey}");
    assert!(
        survey["template"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Hi ")),
        "{survey}"
    );
    let sent = twilio_messages(&local).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["form"]["ContentSid"], CSAT_SID);
    assert_eq!(sent[0]["form"]["To"], customer.as_str());
    let requests_before = notifier
        .published()
        .iter()
        .filter(|n| n.event_type == "conversation.requested")
        .count();

    // The customer's "5" is the score of the closed conversation, and opens nothing.
    local.inbound(&customer, "5").await;
    let conversation = local.eventually(&path, |c| c["csat"]["score"] == 5).await;
    assert!(
        conversation["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "5"),
        "the answer stays in the transcript: {conversation}"
    );
    assert_eq!(
        local.conversation_of(&customer).await,
        id,
        "no new conversation"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let requests_after = notifier
        .published()
        .iter()
        .filter(|n| n.event_type == "conversation.requested")
        .count();
    assert_eq!(requests_after, requests_before, "no new request card");

    // Anything else opens a request as usual; the survey is not sent again.
    local
        .inbound(&customer, "Also, can I change my address?")
        .await;
    let newer = local.conversation_of(&customer).await;
    assert_ne!(newer, id);
    assert_eq!(twilio_messages(&local).await.len(), 1);
}

#[tokio::test]
async fn a_close_holds_the_agents_capacity_for_the_wrap_up_until_the_outcome_is_sent() {
    let (local, a, b) = alice_wrapping_up(StoreChoice::Embedded, 60).await;
    let (_, agent) = local.get("/agents/alice", "alice").await;
    assert_eq!(agent["load"], 1, "{agent}");

    // The outcome ends the hold: the request is offered to her.
    let (status, body) = local
        .put(
            &format!("/conversations/{a}/outcome"),
            "alice",
            json!({"disposition": "resolved"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    local
        .eventually(&format!("/conversations/{b}"), |c| {
            c["offered_to"] == "alice"
        })
        .await;
}

/// local-api in offer mode with a wrap-up of `hold_seconds`: alice (capacity 1) accepted and
/// closed conversation `a`, and `b` waits, not offered to her while she wraps up.
async fn alice_wrapping_up(store: StoreChoice, hold_seconds: i64) -> (Local, String, String) {
    let (local, _) = Local::configured_routed(
        store,
        whatsapp_channel::app::routing::RoutingSettings::offer(),
        |api| api.with_wrap_up(chrono::TimeDelta::seconds(hold_seconds)),
    )
    .await;
    for (path, body) in [
        ("/agents/alice", json!({"capacity": 1})),
        ("/dispositions/resolved", json!({"label": "Resolved"})),
    ] {
        let (status, answer) = admin(&local, reqwest::Method::PUT, path, body).await;
        assert_eq!(status, 201, "{answer}");
    }
    let (status, body) = local
        .put(
            "/agents/alice/presence",
            "alice",
            json!({"status": "available"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let first = a_customer();
    local.inbound(&first, "First").await;
    let a = local.conversation_of(&first).await;
    local
        .eventually(&format!("/conversations/{a}"), |c| {
            c["offered_to"] == "alice"
        })
        .await;
    let (status, body) = local
        .post(&format!("/conversations/{a}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    // Closed, but wrapping up; a customer writes at once: the request is not offered to alice
    // (agent-api writes the hold with the close, before the stream could route anything).
    let (status, _) = local
        .post(&format!("/conversations/{a}/close"), "alice", json!({}))
        .await;
    assert_eq!(status, 200);
    let second = a_customer();
    local.inbound(&second, "Second").await;
    let b = local.conversation_of(&second).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let (_, waiting) = local.get(&format!("/conversations/{b}"), "root").await;
    assert!(
        waiting["offered_to"].is_null(),
        "held for the wrap-up: {waiting}"
    );
    (local, a, b)
}

/// A hold whose time passes without an outcome ends by its timer, and its end offers the agent
/// what waits: no outcome, no other change needed.
async fn a_wrap_up_hold_that_runs_out_offers_the_agent_what_waits(store: StoreChoice) {
    let (local, a, b) = alice_wrapping_up(store, 3).await;
    let offered = local
        .eventually(&format!("/conversations/{b}"), |c| {
            c["offered_to"] == "alice"
        })
        .await;
    assert_eq!(offered["state"], "requested", "{offered}");
    // The outcome may still be sent afterwards (within 24 h).
    let (status, body) = local
        .put(
            &format!("/conversations/{a}/outcome"),
            "alice",
            json!({"disposition": "resolved"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_wrap_up_hold_that_runs_out_offers_the_agent_what_waits_on_the_embedded_store() {
    a_wrap_up_hold_that_runs_out_offers_the_agent_what_waits(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn a_wrap_up_hold_that_runs_out_offers_the_agent_what_waits_on_dynamodb_local() {
    a_wrap_up_hold_that_runs_out_offers_the_agent_what_waits(dynamodb_local("wrap-up-end")).await;
}
