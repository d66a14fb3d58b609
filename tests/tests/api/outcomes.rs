//! Outcomes through local-api, on the embedded store and on DynamoDB Local: an administrator's
//! dispositions, an agent's wrap-up with tags and a linked record, and the conversations a tag
//! or a record finds (and no other).

use agent_api::{AgentApi, function_handler};
use local_api::StoreChoice;
use serde_json::{Value, json};
use whatsapp_channel::ports::{ChannelStore, RecordLink};
use whatsapp_channel::testing::{event_for_conversation, event_text, new_sid, t0};

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

/// `GET /search?record=` without `q`: the record's conversations, newest first, each as its
/// newest message; neither `q` nor `record` is a 400 that says so.
async fn a_record_alone_finds_its_conversations_by_search(store: StoreChoice) {
    let local = Local::start_with(store, None).await;
    let older = accepted(&local, "alice").await;
    let unrelated = accepted(&local, "bob").await;
    let newer = accepted(&local, "bob").await;
    for (id, case) in [
        (&older, "CASE-42"),
        (&newer, "CASE-42"),
        (&unrelated, "CASE-7"),
    ] {
        let (status, body) = local
            .post(
                &format!("/conversations/{id}/records"),
                "carol",
                json!({"system": "crm", "id": case}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, sent) = local
        .post(
            &format!("/conversations/{newer}/messages"),
            "bob",
            json!({"body": "Your case is CASE-42"}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");

    let path = format!("/search?record={}", encoded("crm:CASE-42"));
    let (status, found) = local.get(&path, "dave").await;
    assert_eq!(status, 200, "{found}");
    let results = found["results"].as_array().unwrap();
    let conversations: Vec<&str> = results
        .iter()
        .map(|r| r["conversation_id"].as_str().unwrap())
        .collect();
    assert_eq!(conversations, [newer.as_str(), older.as_str()], "{found}");
    assert_eq!(results[0]["message_id"], sent["id"], "{found}");
    assert_eq!(results[0]["snippet"], "Your case is CASE-42");
    assert_eq!(results[0]["direction"], "outbound");
    assert_eq!(results[1]["snippet"], "My parcel never arrived");
    assert!(found["cursor"].is_null(), "{found}");
    // Narrowed like a search: by the agent of the conversation.
    let (_, alices) = local.get(&format!("{path}&agent=alice"), "dave").await;
    assert_eq!(alices["results"].as_array().unwrap().len(), 1, "{alices}");
    assert_eq!(alices["results"][0]["conversation_id"], older.as_str());

    let (status, body) = local.get("/search", "dave").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_query");
    assert!(
        body["message"].as_str().unwrap().contains("record"),
        "{body}"
    );
}

#[tokio::test]
async fn a_record_alone_finds_its_conversations_by_search_on_the_embedded_store() {
    a_record_alone_finds_its_conversations_by_search(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn a_record_alone_finds_its_conversations_by_search_on_dynamodb_local() {
    a_record_alone_finds_its_conversations_by_search(dynamodb_local("record-search")).await;
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

/// Closing sends the survey once; the customer's "5" is its score (a second answer keeps it)
/// and opens no request; anything else opens one as usual.
async fn closing_sends_the_csat_survey_once_and_the_customers_5_is_its_score_not_a_new_request(
    store: StoreChoice,
) {
    let csat = whatsapp_channel::domain::outcomes::CsatSettings {
        content_sid: CSAT_SID.into(),
        wait: chrono::TimeDelta::minutes(60),
    };
    let (local, notifier) = Local::configured(store, |api| api.with_csat(Some(csat))).await;
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

    // A second answer is kept in the transcript but does not overwrite the first score.
    local.inbound(&customer, "2").await;
    let conversation = local
        .eventually(&path, |c| {
            c["messages"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["body"] == "2"))
        })
        .await;
    assert_eq!(conversation["csat"]["score"], 5, "{conversation}");
    assert_eq!(local.conversation_of(&customer).await, id);

    // Anything else opens a request as usual; the survey is not sent again.
    local
        .inbound(&customer, "Also, can I change my address?")
        .await;
    let newer = local.conversation_of(&customer).await;
    assert_ne!(newer, id);
    assert_eq!(twilio_messages(&local).await.len(), 1);
}

#[tokio::test]
async fn closing_sends_the_csat_survey_once_and_the_customers_5_is_its_score_on_the_embedded_store()
{
    closing_sends_the_csat_survey_once_and_the_customers_5_is_its_score_not_a_new_request(
        StoreChoice::Embedded,
    )
    .await;
}

#[tokio::test]
async fn closing_sends_the_csat_survey_once_and_the_customers_5_is_its_score_on_dynamodb_local() {
    closing_sends_the_csat_survey_once_and_the_customers_5_is_its_score_not_a_new_request(
        dynamodb_local("csat"),
    )
    .await;
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

/// What `docs/data-model.md` says an export and a record's search cost, counted on DynamoDB
/// Local: a conversation of two messages, a linked record, a note.
#[tokio::test]
async fn an_export_and_a_search_by_record_cost_what_the_access_pattern_table_says() {
    let d = crate::helpers::dynamo().await;
    let store: std::sync::Arc<dyn ChannelStore> = d.store.clone();
    let webhook = crate::helpers::Webhook::new(store.clone());
    let customer = a_customer();
    webhook.text(&new_sid(), &customer, "Hello").await;
    webhook.text(&new_sid(), &customer, "Any news?").await;
    let id = store.customer_conversations(&customer, 1).await.unwrap()[0]
        .id
        .clone();
    let parsed = whatsapp_channel::domain::ConversationId::parse(&id).unwrap();
    store
        .accept(&parsed, "agent-alice", true, t0())
        .await
        .unwrap();
    store
        .link_record(&RecordLink {
            conversation_id: id.clone(),
            system: "crm".into(),
            id: "CASE-42".into(),
            url: None,
            linked_by: "agent-alice".into(),
            linked_at: t0(),
        })
        .await
        .unwrap();
    let api = AgentApi::new(store.clone(), webhook.clock.clone());

    d.requests.take();
    let response = function_handler(
        &api,
        event_for_conversation("agent-api.export-conversation", &id),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let mut export = d.requests.take();
    export.sort();
    // GetItem conversation, Query messages, BatchGetItem session and contact, Query the
    // conversation's partition (notes, events, records) and SCRIPTS; PutItem the audit entry.
    assert_eq!(
        export,
        [
            "BatchGetItem",
            "BatchGetItem",
            "GetItem",
            "PutItem",
            "Query",
            "Query",
            "Query"
        ],
        "export"
    );

    let mut search: Value = serde_json::from_str(&event_text("agent-api.search")).unwrap();
    search["rawQueryString"] = "record=crm%3ACASE-42".into();
    search["queryStringParameters"] = json!({"record": "crm:CASE-42"});
    let request = lambda_http::request::from_str(&search.to_string()).unwrap();
    let response = function_handler(&api, request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        whatsapp_channel::testing::body_json(&response)["results"][0]["conversation_id"],
        id.as_str()
    );
    // Query the record's links, BatchGetItem their conversations, Query the newest message.
    assert_eq!(
        d.requests.take(),
        ["Query", "BatchGetItem", "Query"],
        "search by record"
    );

    // The queue by record: Query the links, BatchGetItem the conversations, then the
    // conversation's session and contact.
    let mut list: Value =
        serde_json::from_str(&event_text("agent-api.list-conversations")).unwrap();
    list["rawQueryString"] = "record=crm%3ACASE-42".into();
    list["queryStringParameters"] = json!({"record": "crm:CASE-42"});
    let request = lambda_http::request::from_str(&list.to_string()).unwrap();
    let response = function_handler(&api, request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        d.requests.take(),
        ["Query", "BatchGetItem", "BatchGetItem", "BatchGetItem"],
        "the queue by record"
    );
}
