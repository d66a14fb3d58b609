//! agent-api's desk routes from `events/` over the in-memory store: notes, transfer, available
//! agents, quick replies, the customer summary and search, with their refusals.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::desk::search::index_change;
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::{InboundMessage, Presence};
use whatsapp_channel::ports::{AgentStore, Clock, ConversationStore, StreamChange};
use whatsapp_channel::testing::{
    body_json, event, event_for_conversation, event_text, inbound_params, new_sid, t0,
};

const CUSTOMER: &str = "whatsapp:+447700900123";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    api: AgentApi,
    stream: tokio::sync::mpsc::UnboundedReceiver<StreamChange>,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let stream = store.stream();
    let clock = Arc::new(ManualClock::at(t0()));
    let api = AgentApi::new(store.clone(), clock.clone());
    Harness {
        store,
        clock,
        api,
        stream,
    }
}

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.api, request).await.unwrap()
    }

    /// A customer message; returns its conversation's id.
    async fn inbound(&mut self, from: &str, text: &str) -> String {
        let message = InboundMessage::from_params(inbound_params(&new_sid(), from, text)).unwrap();
        let id = receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .unwrap()
            .conversation_id
            .as_str()
            .to_owned();
        // What notify-agent does with the stream: index the message's words.
        while let Ok(change) = self.stream.try_recv() {
            index_change(self.store.as_ref(), &change).await.unwrap();
        }
        id
    }

    /// A conversation accepted by `agent-alice` (the events' caller).
    async fn accepted(&mut self) -> String {
        let id = self.inbound(CUSTOMER, "Hello").await;
        let parsed = whatsapp_channel::domain::ConversationId::parse(&id).unwrap();
        self.store
            .accept(&parsed, "agent-alice", self.clock.now())
            .await
            .unwrap();
        id
    }
}

/// `events/<name>.json` with its caller, groups, conversation id or body replaced.
fn edited(name: &str, id: Option<&str>, edit: impl FnOnce(&mut serde_json::Value)) -> Request {
    let mut text = event_text(name);
    if let Some(id) = id {
        text = text.replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", id);
    }
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut value);
    lambda_http::request::from_str(&value.to_string()).unwrap()
}

fn caller(value: &mut serde_json::Value, agent: &str, groups: Option<&str>) {
    let claims = &mut value["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["sub"] = agent.into();
    match groups {
        Some(g) => claims["cognito:groups"] = g.into(),
        None => {
            claims.as_object_mut().unwrap().remove("cognito:groups");
        }
    }
}

#[tokio::test]
async fn a_note_is_added_shown_with_the_conversation_and_a_retry_adds_nothing() {
    let mut h = harness();
    let id = h.accepted().await;
    let first = h
        .call(event_for_conversation("agent-api.add-note", &id))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let note = body_json(&first);
    assert_eq!(note["author"], "agent-alice");
    assert_eq!(
        note["body"],
        "Customer asked for a refund; order 1042 was late."
    );
    assert_eq!(note["created_at"], "2026-11-23T10:00:00.000Z");
    let again = h
        .call(event_for_conversation("agent-api.add-note", &id))
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(body_json(&again)["id"], note["id"]);

    let conversation = body_json(
        &h.call(event_for_conversation("agent-api.get-conversation", &id))
            .await,
    );
    assert_eq!(conversation["notes"].as_array().unwrap().len(), 1);
    assert_eq!(conversation["notes"][0]["id"], note["id"]);
    assert_eq!(
        conversation["messages"].as_array().unwrap().len(),
        1,
        "a note is no message"
    );
}

#[tokio::test]
async fn any_agent_may_add_a_note_but_not_a_blank_oversized_or_malformed_one() {
    let mut h = harness();
    let id = h.accepted().await;
    let by_bob = edited("agent-api.add-note", Some(&id), |v| {
        caller(v, "agent-bob", None);
        v["headers"]
            .as_object_mut()
            .unwrap()
            .remove("idempotency-key");
    });
    assert_eq!(h.call(by_bob).await.status(), StatusCode::CREATED);
    for (body, status, code) in [
        (
            serde_json::json!({"body": "  "}).to_string(),
            422,
            "invalid_note",
        ),
        (
            serde_json::json!({"body": "x".repeat(4001)}).to_string(),
            422,
            "note_too_long",
        ),
        ("{not json".to_owned(), 400, "invalid_json"),
        (
            serde_json::json!({"text": "hi"}).to_string(),
            400,
            "invalid_json",
        ),
    ] {
        let response = h
            .call(edited("agent-api.add-note", Some(&id), |v| {
                v["body"] = body.into()
            }))
            .await;
        assert_eq!(response.status().as_u16(), status, "{code}");
        assert_eq!(body_json(&response)["error"], code);
    }
    let unknown = h
        .call(event_for_conversation(
            "agent-api.add-note",
            "01a20a57-f1b0-7342-9a4c-000000000000",
        ))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_assigned_agent_transfers_and_the_transcript_records_it() {
    let mut h = harness();
    let id = h.accepted().await;
    let outsider = edited("agent-api.transfer-conversation", Some(&id), |v| {
        caller(v, "agent-carol", None)
    });
    let refused = h.call(outsider).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&refused)["error"], "not_assigned");

    let done = h
        .call(event_for_conversation(
            "agent-api.transfer-conversation",
            &id,
        ))
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(body_json(&done)["assigned_agent"], "agent-bob");
    // A retry by the agent who transferred answers the same.
    let retry = h
        .call(event_for_conversation(
            "agent-api.transfer-conversation",
            &id,
        ))
        .await;
    assert_eq!(retry.status(), StatusCode::OK);
    let conversation = body_json(
        &h.call(event_for_conversation("agent-api.get-conversation", &id))
            .await,
    );
    let events = conversation["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{conversation}");
    assert_eq!(events[0]["event_type"], "conversation.transferred");
    assert_eq!(events[0]["from_agent"], "agent-alice");
    assert_eq!(events[0]["to_agent"], "agent-bob");
    // Alice no longer holds it: she may not hand it on again.
    let again = edited("agent-api.transfer-conversation", Some(&id), |v| {
        v["body"] = serde_json::json!({"agent_id": "agent-carol"})
            .to_string()
            .into()
    });
    assert_eq!(h.call(again).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_administrator_transfers_a_conversation_they_do_not_hold() {
    let mut h = harness();
    let id = h.accepted().await;
    let admin = edited("agent-api.transfer-conversation", Some(&id), |v| {
        caller(v, "agent-dana", Some("[admins]"))
    });
    let done = h.call(admin).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(body_json(&done)["assigned_agent"], "agent-bob");
}

#[tokio::test]
async fn a_transfer_of_a_waiting_closed_or_unknown_conversation_or_to_no_agent_is_refused() {
    let mut h = harness();
    let waiting = h.inbound(CUSTOMER, "Hi").await;
    let response = h
        .call(event_for_conversation(
            "agent-api.transfer-conversation",
            &waiting,
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&response)["error"], "not_accepted");
    let id = h.accepted().await;
    for (body, status) in [
        (r#"{"agent_id": ""}"#, 422),
        (r#"{"agent_id": "a#b"}"#, 422),
        (r#"{}"#, 400),
        ("nope", 400),
    ] {
        let request = edited("agent-api.transfer-conversation", Some(&id), |v| {
            v["body"] = body.into()
        });
        assert_eq!(h.call(request).await.status().as_u16(), status, "{body}");
    }
    let unknown = h
        .call(event_for_conversation(
            "agent-api.transfer-conversation",
            "01a20a57-f1b0-7342-9a4c-000000000000",
        ))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_available_agents_are_listed_for_a_transfer() {
    let h = harness();
    h.store
        .set_presence("agent-bob", Presence::Available, t0())
        .await
        .unwrap();
    h.store
        .set_presence("agent-carol", Presence::Away, t0())
        .await
        .unwrap();
    let response = h.call(event("agent-api.list-agents")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = body_json(&response);
    let agents = body["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 1, "{body}");
    assert_eq!(agents[0]["agent_id"], "agent-bob");
}

#[tokio::test]
async fn quick_replies_are_written_by_administrators_and_read_by_every_agent() {
    let h = harness();
    let created = h.call(event("agent-api.put-quick-reply")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(body_json(&created)["title"], "Refund policy");
    assert_eq!(
        h.call(event("agent-api.put-quick-reply")).await.status(),
        StatusCode::OK
    );
    let plain = edited("agent-api.put-quick-reply", None, |v| {
        caller(v, "agent-bob", None)
    });
    let refused = h.call(plain).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&refused)["error"], "forbidden");

    let listed = body_json(&h.call(event("agent-api.list-quick-replies")).await);
    assert_eq!(listed["quick_replies"][0]["id"], "refund-policy");
    assert_eq!(
        listed["quick_replies"][0]["body"],
        "Refunds reach your card within 5 working days."
    );

    let plain_delete = edited("agent-api.delete-quick-reply", None, |v| {
        caller(v, "agent-bob", None)
    });
    assert_eq!(h.call(plain_delete).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        h.call(event("agent-api.delete-quick-reply")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.call(event("agent-api.delete-quick-reply")).await.status(),
        StatusCode::NO_CONTENT
    );
    let listed = body_json(&h.call(event("agent-api.list-quick-replies")).await);
    assert!(listed["quick_replies"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_quick_reply_with_a_bad_id_or_body_is_refused() {
    let h = harness();
    let bad_id = edited("agent-api.put-quick-reply", None, |v| {
        v["rawPath"] = "/quick-replies/a%20b".into();
        v["requestContext"]["http"]["path"] = "/quick-replies/a%20b".into();
    });
    assert_eq!(h.call(bad_id).await.status(), StatusCode::BAD_REQUEST);
    for (body, status) in [
        (r#"{"title":"x"}"#, 400),
        (r#"{"title":"","body":"y"}"#, 422),
    ] {
        let request = edited("agent-api.put-quick-reply", None, |v| {
            v["body"] = body.into()
        });
        assert_eq!(h.call(request).await.status().as_u16(), status, "{body}");
    }
}

#[tokio::test]
async fn the_customer_summary_lists_a_returning_customers_conversations() {
    let mut h = harness();
    let first = h.accepted().await;
    let parsed = whatsapp_channel::domain::ConversationId::parse(&first).unwrap();
    h.store.close(&parsed, "agent-alice", t0()).await.unwrap();
    h.clock.set(t0() + chrono::TimeDelta::minutes(5));
    let second = h.inbound(CUSTOMER, "It's me again").await;
    assert_ne!(first, second);

    let response = h.call(event("agent-api.get-customer")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = body_json(&response);
    assert_eq!(body["address"], CUSTOMER);
    assert_eq!(body["authenticated"], false);
    assert_eq!(body["conversation_count"], 2);
    assert_eq!(body["first_contact_at"], "2026-11-23T10:00:00.000Z");
    assert_eq!(body["last_inbound_at"], "2026-11-23T10:05:00.000Z");
    let recent = body["recent_conversations"].as_array().unwrap();
    assert_eq!(recent[0]["id"], second.as_str());
    assert_eq!(recent[0]["state"], "requested");
    assert_eq!(recent[0]["last_message"]["preview"], "It's me again");
    assert_eq!(recent[1]["id"], first.as_str());
    assert_eq!(recent[1]["state"], "closed");
    assert_eq!(recent[1]["assigned_agent"], "agent-alice");
}

#[tokio::test]
async fn an_unknown_customer_is_404_and_a_bad_address_400() {
    let h = harness();
    assert_eq!(
        h.call(event("agent-api.get-customer")).await.status(),
        StatusCode::NOT_FOUND
    );
    let bad = edited("agent-api.get-customer", None, |v| {
        v["rawPath"] = "/customers/447700900123".into();
        v["requestContext"]["http"]["path"] = "/customers/447700900123".into();
    });
    let response = h.call(bad).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&response)["error"], "invalid_address");
}

fn search(query: &str) -> Request {
    edited("agent-api.search", None, |v| {
        v["rawQueryString"] = query.into();
        let pairs: serde_json::Map<String, serde_json::Value> =
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, val)| (k.into_owned(), val.into_owned().into()))
                .collect();
        v["queryStringParameters"] = pairs.into();
    })
}

#[tokio::test]
async fn search_finds_words_whatever_their_case_and_accents_newest_first() {
    let mut h = harness();
    h.inbound(CUSTOMER, "My parcel zebra42 is late").await;
    h.clock.set(t0() + chrono::TimeDelta::minutes(1));
    h.inbound("whatsapp:+447700900999", "Is the Zébra42 in stock?")
        .await;
    let response = h.call(event("agent-api.search")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = body_json(&response);
    let results = body["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        1,
        "the event filters to one customer: {body}"
    );
    assert!(results[0]["snippet"].as_str().unwrap().contains("zebra42"));

    let all = body_json(&h.call(search("q=ZEBRA42")).await);
    let results = all["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{all}");
    assert_eq!(results[0]["customer"], "whatsapp:+447700900999");
    assert_eq!(results[0]["created_at"], "2026-11-23T10:01:00.000Z");
    // Every word must match.
    let both = body_json(&h.call(search("q=zebra42+late")).await);
    assert_eq!(both["results"].as_array().unwrap().len(), 1, "{both}");
}

#[tokio::test]
async fn search_pages_with_a_cursor_until_none_is_left() {
    let mut h = harness();
    for minute in 0..3 {
        h.clock.set(t0() + chrono::TimeDelta::minutes(minute));
        h.inbound(CUSTOMER, &format!("order {minute}")).await;
    }
    let mut seen = Vec::new();
    let mut query = "q=order&limit=2".to_owned();
    for _ in 0..3 {
        let page = body_json(&h.call(search(&query)).await);
        for r in page["results"].as_array().unwrap() {
            seen.push(r["snippet"].as_str().unwrap().to_owned());
        }
        match page["cursor"].as_str() {
            Some(cursor) => {
                let encoded: String = form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
                query = format!("q=order&limit=2&cursor={encoded}");
            }
            None => break,
        }
    }
    assert_eq!(seen, vec!["order 2", "order 1", "order 0"]);
}

#[tokio::test]
async fn a_search_without_words_or_with_bad_filters_is_400() {
    let h = harness();
    for (query, code) in [
        ("", "invalid_query"),
        ("q=%21%21", "invalid_query"),
        ("q=order&customer=447700900123", "invalid_customer"),
        ("q=order&from=yesterday", "invalid_time"),
        (
            "q=order&from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z",
            "invalid_time",
        ),
        ("q=order&cursor=abc", "invalid_cursor"),
        ("q=order&limit=0", "invalid_limit"),
    ] {
        let response = h.call(search(query)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body_json(&response)["error"], code, "{query}");
    }
}

#[tokio::test]
async fn search_narrows_by_agent_and_time() {
    let mut h = harness();
    let id = h.accepted().await;
    h.clock.set(t0() + chrono::TimeDelta::minutes(1));
    let message =
        InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, "zebra42 here")).unwrap();
    receive_inbound(h.store.as_ref(), h.clock.as_ref(), &message)
        .await
        .unwrap();
    while let Ok(change) = h.stream.try_recv() {
        index_change(h.store.as_ref(), &change).await.unwrap();
    }
    let alice = body_json(&h.call(search("q=zebra42&agent=agent-alice")).await);
    assert_eq!(alice["results"][0]["conversation_id"], id.as_str());
    let bob = body_json(&h.call(search("q=zebra42&agent=agent-bob")).await);
    assert!(bob["results"].as_array().unwrap().is_empty());
    let later = body_json(&h.call(search("q=zebra42&from=2026-11-23T10:02:00Z")).await);
    assert!(later["results"].as_array().unwrap().is_empty());
    let earlier = body_json(&h.call(search("q=zebra42&to=2026-11-23T10:01:00Z")).await);
    assert_eq!(earlier["results"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_administrator_closes_a_waiting_request_or_another_agents_conversation() {
    let mut h = harness();
    let waiting = h.inbound("whatsapp:+447700900555", "spam spam").await;
    let as_admin = |id: &str| {
        edited("agent-api.close-conversation", Some(id), |v| {
            caller(v, "agent-dana", Some("[admins]"))
        })
    };
    let plain = edited("agent-api.close-conversation", Some(&waiting), |v| {
        caller(v, "agent-bob", None)
    });
    assert_eq!(h.call(plain).await.status(), StatusCode::CONFLICT);
    let closed = h.call(as_admin(&waiting)).await;
    assert_eq!(closed.status(), StatusCode::OK);
    assert_eq!(body_json(&closed)["state"], "closed");

    let held = h.accepted().await;
    let closed = h.call(as_admin(&held)).await;
    assert_eq!(closed.status(), StatusCode::OK);
    assert_eq!(body_json(&closed)["state"], "closed");
    // Closed stays closed and readable; closing again answers the same.
    assert_eq!(h.call(as_admin(&held)).await.status(), StatusCode::OK);
    let read = body_json(
        &h.call(event_for_conversation("agent-api.get-conversation", &held))
            .await,
    );
    assert_eq!(read["state"], "closed");
    assert_eq!(read["messages"].as_array().unwrap().len(), 1);
}
