//! The Idempotency-Key: a retried reply gets the first answer and Twilio is called once.

use super::*;

#[tokio::test]
async fn the_same_idempotency_key_returns_the_first_result_with_one_twilio_call() {
    for (name, store) in stores().await {
        let c = Arc::new(channel(store).await);
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let (c, id) = (c.clone(), id.clone());
            tasks.spawn(async move {
                let response = c
                    .reply(&id, "alice", json!({"body": "Once"}), Some("key-1"))
                    .await;
                (response.status(), body_json(&response))
            });
        }
        let mut bodies = Vec::new();
        while let Some(result) = tasks.join_next().await {
            let (status, body) = result.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
            bodies.push(body);
        }
        assert!(bodies.iter().all(|b| *b == bodies[0]), "{name}");
        let again = c
            .reply(&id, "alice", json!({"body": "Once"}), Some("key-1"))
            .await;
        assert_eq!(body_json(&again), bodies[0], "{name}");
        assert_eq!(c.twilio_forms().await.len(), 1, "{name}: one Twilio call");

        let reused = c
            .reply(
                &id,
                "alice",
                json!({"body": "Something else"}),
                Some("key-1"),
            )
            .await;
        assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(
            body_json(&reused)["error"],
            "idempotency_key_reused",
            "{name}"
        );
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
async fn a_retried_reply_after_the_conversation_closed_gets_the_first_answer() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let first = c
            .reply(&id, "alice", json!({"body": "Bye"}), Some("key-9"))
            .await;
        assert_eq!(first.status(), StatusCode::CREATED, "{name}");
        assert_eq!(
            c.close(&id, "alice").await.status(),
            StatusCode::OK,
            "{name}"
        );

        let retry = c
            .reply(&id, "alice", json!({"body": "Bye"}), Some("key-9"))
            .await;
        assert_eq!(retry.status(), StatusCode::CREATED, "{name}");
        assert_eq!(body_json(&retry), body_json(&first), "{name}");
        let fresh = c
            .reply(&id, "alice", json!({"body": "Bye"}), Some("key-10"))
            .await;
        assert_eq!(
            fresh.status(),
            StatusCode::CONFLICT,
            "{name}: a new reply is refused"
        );
        assert_eq!(c.twilio_forms().await.len(), 1, "{name}: one Twilio call");
    }
}
