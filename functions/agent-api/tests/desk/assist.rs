//! Assist's routes from `events/`: an administrator's article found, read and deleted; a script
//! for the number on the conversation, ticked by its agent; suggestions and their use.

use lambda_http::http::StatusCode;
use whatsapp_channel::testing::{body_json, event, event_for_conversation};

use crate::{caller, edited, harness};

#[tokio::test]
async fn an_administrators_article_is_found_read_and_deleted_from_the_events() {
    let h = harness();
    let created = h.call(event("agent-api.put-knowledge")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(body_json(&created)["updated_by"], "agent-alice");
    let by_agent = edited("agent-api.put-knowledge", None, |v| {
        caller(v, "agent-bob", None)
    });
    let refused = h.call(by_agent).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&refused)["error"], "forbidden");

    let found = body_json(&h.call(event("agent-api.search-knowledge")).await);
    assert_eq!(found["articles"][0]["id"], "refund-policy", "{found}");
    assert!(found["articles"][0]["score"].as_f64().unwrap() > 0.0);
    let article = h.call(event("agent-api.get-knowledge")).await;
    assert_eq!(article.status(), StatusCode::OK);
    assert_eq!(
        body_json(&article)["url"],
        "https://help.example.com/refunds"
    );

    assert_eq!(
        h.call(event("agent-api.delete-knowledge")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.call(event("agent-api.get-knowledge")).await.status(),
        StatusCode::NOT_FOUND
    );
    let found = body_json(&h.call(event("agent-api.search-knowledge")).await);
    assert!(found["articles"].as_array().unwrap().is_empty(), "{found}");
}

#[tokio::test]
async fn a_script_for_the_number_is_ticked_and_suggestions_are_read_from_the_events() {
    let mut h = harness();
    assert_eq!(
        h.call(event("agent-api.put-script")).await.status(),
        StatusCode::CREATED
    );
    let listed = body_json(&h.call(event("agent-api.list-scripts")).await);
    assert_eq!(listed["scripts"][0]["id"], "greeting", "{listed}");
    assert_eq!(
        h.call(event("agent-api.put-knowledge")).await.status(),
        StatusCode::CREATED
    );

    let id = h.accepted().await;
    h.inbound(crate::CUSTOMER, "When does my refund arrive?")
        .await;
    let ticked = h
        .call(event_for_conversation("agent-api.tick-script-step", &id))
        .await;
    assert_eq!(ticked.status(), StatusCode::OK);
    let script = &body_json(&ticked)["script"];
    assert_eq!(script["id"], "greeting");
    assert_eq!(script["steps"][0]["done"], true, "{script}");
    assert_eq!(script["steps"][0]["done_by"], "agent-alice");
    let by_bob = edited("agent-api.tick-script-step", Some(&id), |v| {
        caller(v, "agent-bob", None)
    });
    assert_eq!(h.call(by_bob).await.status(), StatusCode::FORBIDDEN);

    let suggestions = body_json(
        &h.call(event_for_conversation("agent-api.suggestions", &id))
            .await,
    );
    assert_eq!(
        suggestions["articles"][0]["id"], "refund-policy",
        "{suggestions}"
    );
    assert_eq!(
        h.call(event_for_conversation("agent-api.suggestion-used", &id))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        h.call(event("agent-api.delete-script")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.call(event("agent-api.delete-script")).await.status(),
        StatusCode::NOT_FOUND
    );
}
