//! Notes, transfer, the available agents, quick replies, an administrator's close.

use lambda_http::http::StatusCode;
use whatsapp_channel::domain::Presence;
use whatsapp_channel::ports::AgentStore;
use whatsapp_channel::testing::{body_json, event, event_for_conversation, t0};

use crate::{CUSTOMER, caller, edited, harness};

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

#[tokio::test]
async fn a_close_holds_the_agents_capacity_for_the_wrap_up_before_any_stream_runs() {
    use whatsapp_channel::ports::ProfileStore;
    let mut h = harness();
    h.api = agent_api::AgentApi::new(h.store.clone(), h.clock.clone())
        .with_wrap_up(chrono::TimeDelta::seconds(60));
    let id = h.accepted().await;
    let closed = h
        .call(event_for_conversation("agent-api.close-conversation", &id))
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    // No stream has run here: the hold was written with the close itself.
    let alice = h.store.agent("agent-alice").await.unwrap();
    assert_eq!(alice.wrap_ups.len(), 1, "{alice:?}");
    assert_eq!(alice.wrap_ups[0].conversation_id, id);
    assert_eq!(
        alice.wrap_ups[0].until,
        t0() + chrono::TimeDelta::seconds(60)
    );
}
