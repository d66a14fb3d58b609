//! Replies go out through Twilio: from the number the customer wrote to, Twilio's refusals
//! and rate limits reaching the agent, bodies refused before Twilio, and what a reply costs.

use super::*;

#[tokio::test]
async fn an_accepted_conversation_gets_the_agents_reply_through_twilio() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        let sid = new_sid();
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        let accepted = c.accept(&id, "alice").await;
        assert_eq!(accepted.status(), StatusCode::OK, "{name}");
        assert_eq!(body_json(&accepted)["state"], "active", "{name}");
        assert_eq!(body_json(&accepted)["assigned_agent"], "alice", "{name}");

        let response = c
            .reply(&id, "alice", json!({"body": "It ships today."}), None)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        let message = body_json(&response);
        assert_eq!(message["id"], sid.as_str(), "{name}");
        assert_eq!(message["status"], "queued", "{name}");
        assert_eq!(message["direction"], "outbound", "{name}");

        let forms = c.twilio_forms().await;
        assert_eq!(forms.len(), 1, "{name}");
        assert_eq!(field(&forms[0], "To"), Some(CUSTOMER), "{name}");
        assert_eq!(
            field(&forms[0], "From"),
            Some("whatsapp:+14155238886"),
            "{name}"
        );
        assert_eq!(field(&forms[0], "Body"), Some("It ships today."), "{name}");
        assert_eq!(
            field(&forms[0], "StatusCallback"),
            Some(c.webhook.config.status_url.as_str()),
            "{name}"
        );

        let transcript = c.transcript(&id).await;
        let messages = transcript["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2, "{name}: {transcript}");
        assert_eq!(messages[1]["id"], sid.as_str(), "{name}: {transcript:#}");
        assert_eq!(messages[1]["agent_id"], "alice", "{name}");
    }
}

#[tokio::test]
async fn a_customer_who_wrote_to_the_second_sender_gets_the_reply_from_the_second() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let second = "whatsapp:+14155238887";
        let status = c
            .webhook
            .text_to(&new_sid(), CUSTOMER, second, "Hello, second shop")
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        c.webhook.clock.advance(TimeDelta::seconds(1));
        let id = c.store.list_conversations(1).await.unwrap()[0].id.clone();
        assert_eq!(
            c.accept(&id, "alice").await.status(),
            StatusCode::OK,
            "{name}"
        );
        assert_eq!(
            body_json(&c.accept(&id, "alice").await)["business_number"],
            second,
            "{name}"
        );

        let reply = c.reply(&id, "alice", json!({"body": "Hi!"}), None).await;
        assert_eq!(reply.status(), StatusCode::CREATED, "{name}");
        let template = c
            .reply(
                &id,
                "alice",
                json!({"template": {"content_sid": TEMPLATE, "variables": {"1": "Zoë"}}}),
                None,
            )
            .await;
        assert_eq!(template.status(), StatusCode::CREATED, "{name}");
        let forms = c.twilio_forms().await;
        assert_eq!(forms.len(), 2, "{name}");
        for form in &forms {
            assert_eq!(field(form, "From"), Some(second), "{name}");
        }
    }
}

#[tokio::test]
async fn twilio_errors_reach_the_agent_with_twilios_code_and_are_recorded() {
    let cases = [
        (400, 21211, StatusCode::UNPROCESSABLE_ENTITY),
        (400, 21408, StatusCode::UNPROCESSABLE_ENTITY),
        (400, 21610, StatusCode::UNPROCESSABLE_ENTITY),
        (400, 21617, StatusCode::UNPROCESSABLE_ENTITY),
        (401, 20003, StatusCode::BAD_GATEWAY),
        (500, 20500, StatusCode::BAD_GATEWAY),
    ];
    for (http, code, expected) in cases {
        for (name, store) in stores().await {
            let c = channel(store).await;
            Mock::given(method("POST")).and(path(MESSAGES))
                .respond_with(ResponseTemplate::new(http).set_body_json(json!({
                    "code": code, "message": format!("Twilio says {code}"),
                    "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": http,
                })))
                .mount(&c.twilio).await;
            let id = c.customer_writes().await;
            c.accept(&id, "alice").await;
            let response = c
                .reply(&id, "alice", json!({"body": "hi"}), Some("k"))
                .await;
            assert_eq!(response.status(), expected, "{name} {code}");
            let error = body_json(&response);
            assert_eq!(error["error"], "twilio_rejected", "{name} {code}");
            assert_eq!(error["twilio_code"], code, "{name} {code}");
            assert_eq!(
                c.twilio_forms().await.len(),
                1,
                "{name} {code}: not retried"
            );
            let transcript = c.transcript(&id).await;
            let failed = &transcript["messages"][1];
            assert_eq!(failed["status"], "failed", "{name} {code}");
            assert_eq!(failed["error_code"], code.to_string(), "{name} {code}");
            // A retry with the key gets the same answer and does not call Twilio again.
            let retry = c
                .reply(&id, "alice", json!({"body": "hi"}), Some("k"))
                .await;
            assert_eq!(retry.status(), expected, "{name} {code}");
            assert_eq!(c.twilio_forms().await.len(), 1, "{name} {code}");
        }
    }
}

#[tokio::test]
async fn a_rate_limited_send_is_retried_and_sent_once() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        let sid = new_sid();
        Mock::given(method("POST"))
            .and(path(MESSAGES))
            .respond_with(ResponseTemplate::new(429).set_body_json(
                json!({"code": 20429, "message": "Too Many Requests", "status": 429}),
            ))
            .up_to_n_times(1)
            .mount(&c.twilio)
            .await;
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let response = c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        assert_eq!(body_json(&response)["id"], sid.as_str(), "{name}");
        assert_eq!(c.twilio_forms().await.len(), 2, "{name}");
        assert_eq!(
            c.transcript(&id).await["messages"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{name}"
        );
    }
}

#[tokio::test]
async fn invalid_replies_are_refused_with_400_or_422_and_nothing_is_sent() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let cases = [
            (json!("just a string"), StatusCode::BAD_REQUEST),
            (json!({"body": 12}), StatusCode::BAD_REQUEST),
            (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"body": "   "}), StatusCode::UNPROCESSABLE_ENTITY),
            (
                json!({"body": "x".repeat(1601)}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"media_url": "http://cdn.example.com/a.jpg"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"template": {"content_sid": "HX1"}}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (body, expected) in cases {
            let response = c.reply(&id, "alice", body.clone(), None).await;
            assert_eq!(response.status(), expected, "{name}: {body}");
            let error = body_json(&response);
            assert!(
                error["error"].is_string() && error["message"].is_string(),
                "{name}"
            );
        }
        assert!(c.twilio_forms().await.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn a_reply_costs_four_dynamodb_requests() {
    let dynamo = dynamo().await;
    let c = channel(dynamo.store.clone()).await;
    c.mount_created(&new_sid()).await;
    let id = c.customer_writes().await;
    c.accept(&id, "alice").await;
    dynamo.requests.take();
    let response = c
        .reply(&id, "alice", json!({"body": "hi"}), Some("k"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        dynamo.requests.take(),
        [
            "GetItem",
            "BatchGetItem",
            "TransactWriteItems",
            "TransactWriteItems"
        ]
    );
}
