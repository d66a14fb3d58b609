//! A reply's delivery: status callbacks move it forward only, and a status that arrives before
//! the reply is recorded is kept for it.

use super::*;

#[tokio::test]
async fn status_callbacks_move_a_reply_forward_and_63016_tells_the_agent_a_template_is_needed() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        let sid = new_sid();
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        let callback = |status: &str, code: Option<&str>| {
            let mut form = params(&[
                ("MessageSid", &sid),
                ("MessageStatus", status),
                ("AccountSid", ACCOUNT),
            ]);
            if let Some(code) = code {
                form.push(("ErrorCode".into(), code.into()));
            }
            signed_request(&c.webhook.config, "/twilio/status", &form)
        };
        assert_eq!(
            c.webhook.call(callback("sent", None)).await.status(),
            StatusCode::NO_CONTENT,
            "{name}"
        );
        assert_eq!(
            c.transcript(&id).await["messages"][1]["status"],
            "sent",
            "{name}"
        );
        c.webhook.call(callback("failed", Some("63016"))).await;
        c.webhook.call(callback("delivered", None)).await;
        let message = &c.transcript(&id).await["messages"][1];
        assert_eq!(message["status"], "failed", "{name}");
        assert_eq!(message["error_code"], "63016", "{name}");
        assert!(
            message["error_message"]
                .as_str()
                .unwrap()
                .contains("24-hour window"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_status_that_arrives_before_the_reply_is_recorded_is_kept() {
    for (name, store) in stores().await {
        let c = channel(store.clone()).await;
        let sid = new_sid();
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        // Twilio calls back before send-reply has written the sid.
        let early = StatusCallback {
            message_sid: MessageSid::parse(&sid).unwrap(),
            status: MessageStatus::Delivered,
            error_code: None,
            error_message: None,
        };
        store
            .apply_status(&early, crate::helpers::t0())
            .await
            .unwrap();
        // A lower early status after it changes nothing.
        let lower = StatusCallback {
            status: MessageStatus::Sent,
            ..early.clone()
        };
        assert_eq!(
            store
                .apply_status(&lower, crate::helpers::t0())
                .await
                .unwrap(),
            whatsapp_channel::ports::StatusApplied::Ignored,
            "{name}"
        );
        assert!(
            store.message(&early.message_sid).await.unwrap().is_none(),
            "{name}"
        );
        c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        assert_eq!(
            c.transcript(&id).await["messages"][1]["status"],
            "delivered",
            "{name}"
        );
    }
}
