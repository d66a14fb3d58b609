//! Who may reply: one agent wins the accept, only they reply, and a closed conversation keeps
//! its transcript and takes no more replies.

use super::*;

#[tokio::test]
async fn only_the_assigned_agent_may_reply_and_nobody_before_an_accept() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        let early = c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        assert_eq!(early.status(), StatusCode::CONFLICT, "{name}");
        assert_eq!(body_json(&early)["error"], "not_accepted", "{name}");
        c.accept(&id, "alice").await;
        let other = c.reply(&id, "bob", json!({"body": "hi"}), None).await;
        assert_eq!(other.status(), StatusCode::FORBIDDEN, "{name}");
        assert!(c.twilio_forms().await.is_empty(), "{name}");
        let missing = c
            .reply(
                &ConversationId::generate().to_string(),
                "alice",
                json!({"body": "hi"}),
                None,
            )
            .await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{name}");
    }
}

#[tokio::test]
async fn exactly_one_of_many_concurrent_accepts_wins() {
    for (name, store) in stores().await {
        let c = Arc::new(channel(store).await);
        let id = c.customer_writes().await;
        let mut tasks = tokio::task::JoinSet::new();
        for agent in ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"] {
            let (c, id) = (c.clone(), id.clone());
            tasks.spawn(async move { (agent, c.accept(&id, agent).await.status()) });
        }
        let mut winners = Vec::new();
        while let Some(result) = tasks.join_next().await {
            let (agent, status) = result.unwrap();
            match status {
                StatusCode::OK => winners.push(agent),
                StatusCode::CONFLICT => {}
                other => panic!("{name}: {agent} got {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "{name}: {winners:?}");
        assert_eq!(
            c.transcript(&id).await["assigned_agent"],
            winners[0],
            "{name}"
        );
        let again = c.accept(&id, winners[0]).await;
        assert_eq!(
            again.status(),
            StatusCode::OK,
            "{name}: an accept is safe to retry"
        );
    }
}

#[tokio::test]
async fn a_closed_conversation_keeps_its_transcript_and_takes_no_more_replies() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        assert_eq!(
            c.close(&id, "alice").await.status(),
            StatusCode::CONFLICT,
            "{name}: not accepted"
        );
        c.accept(&id, "alice").await;
        c.reply(&id, "alice", json!({"body": "Done!"}), None).await;
        assert_eq!(
            c.close(&id, "bob").await.status(),
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let closed = c.close(&id, "alice").await;
        assert_eq!(closed.status(), StatusCode::OK, "{name}");
        assert_eq!(body_json(&closed)["state"], "closed", "{name}");
        let transcript = c.transcript(&id).await;
        assert_eq!(
            transcript["messages"].as_array().unwrap().len(),
            2,
            "{name}"
        );
        let after = c
            .reply(&id, "alice", json!({"body": "one more"}), None)
            .await;
        assert_eq!(after.status(), StatusCode::CONFLICT, "{name}");
        assert_eq!(body_json(&after)["error"], "conversation_closed", "{name}");

        // The customer writing again is a new conversation request.
        c.webhook.clock.advance(TimeDelta::minutes(5));
        c.webhook.text(&new_sid(), CUSTOMER, "One more thing").await;
        let conversations = c.store.list_conversations(10).await.unwrap();
        assert_eq!(conversations.len(), 2, "{name}");
        assert_ne!(conversations[0].id, id, "{name}");
    }
}
