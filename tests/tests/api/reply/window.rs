//! The 24-hour window: free-form replies up to its last second, refused after it (also once
//! the session item is gone), templates at any time.

use super::*;

#[tokio::test]
async fn a_reply_one_second_before_24_hours_is_sent() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        // customer_writes left the clock 1 s after the message: now is 24 h − 1 s after it.
        c.webhook
            .clock
            .advance(TimeDelta::hours(24) - TimeDelta::seconds(2));
        let response = c
            .reply(&id, "alice", json!({"body": "Still here"}), None)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
    }
}

#[tokio::test]
async fn a_reply_one_second_after_24_hours_is_refused_and_nothing_reaches_twilio() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        // Now is 24 h + 1 s after the customer's message.
        c.webhook.clock.advance(TimeDelta::hours(24));
        for body in [
            json!({"body": "Sorry for the wait"}),
            json!({"media_url": "https://cdn.example.com/label.pdf"}),
        ] {
            let response = c.reply(&id, "alice", body, None).await;
            assert_eq!(response.status(), StatusCode::CONFLICT, "{name}");
            let error = body_json(&response);
            assert_eq!(error["error"], "window_expired", "{name}");
            assert_eq!(error["message"], WINDOW_TEXT, "{name}");
            assert_eq!(
                error["window_expired_at"], "2026-11-24T10:00:00.000Z",
                "{name}"
            );
        }
        assert!(
            c.twilio_forms().await.is_empty(),
            "{name}: Twilio was called"
        );
        assert_eq!(
            c.transcript(&id).await["messages"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_template_is_sent_after_the_window_closed() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        c.webhook.clock.advance(TimeDelta::days(3));
        let template =
            json!({"template": {"content_sid": TEMPLATE, "variables": {"1": "12/1", "2": "3pm"}}});
        let response = c.reply(&id, "alice", template, None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        assert_eq!(
            body_json(&response)["template"]["content_sid"],
            TEMPLATE,
            "{name}"
        );
        let forms = c.twilio_forms().await;
        assert_eq!(field(&forms[0], "ContentSid"), Some(TEMPLATE), "{name}");
        let variables: Value =
            serde_json::from_str(field(&forms[0], "ContentVariables").unwrap()).unwrap();
        assert_eq!(variables, json!({"1": "12/1", "2": "3pm"}), "{name}");
        assert_eq!(field(&forms[0], "Body"), None, "{name}");
    }
}

#[tokio::test]
async fn a_free_form_reply_is_refused_once_the_session_item_is_gone() {
    let dynamo = dynamo().await;
    let c = channel(dynamo.store.clone()).await;
    c.mount_created(&new_sid()).await;
    let id = c.customer_writes().await;
    c.accept(&id, "alice").await;
    c.webhook.clock.advance(TimeDelta::hours(30));
    // What DynamoDB's TTL eventually does.
    for item in dynamo.items().await {
        if item["sk"].as_s().is_ok_and(|sk| sk == "SESSION") {
            dynamo
                .client
                .delete_item()
                .table_name(dynamo.store.table())
                .key("pk", item["pk"].clone())
                .key("sk", item["sk"].clone())
                .send()
                .await
                .unwrap();
        }
    }
    let response = c.reply(&id, "alice", json!({"body": "hello?"}), None).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&response)["message"], WINDOW_TEXT);
    assert!(c.twilio_forms().await.is_empty());
}
