//! send-reply's logs, on the in-memory store with Twilio twins: never the reply's words or the
//! customer's number. Alone in its test binary: a scoped log capture must not race other tests
//! for the same log callsites.

mod support;

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::tracing::subscriber::filter::LevelFilter;
use support::{RefusingTwilio, harness};
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::testing::RecordingSender;

#[tokio::test]
async fn even_at_trace_level_replies_are_logged_without_their_words_or_the_customer_s_number() {
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let h = harness(Arc::new(RecordingSender::default())).await;
    for event in [
        "send-reply.reply-text",
        "send-reply.reply-media",
        "send-reply.reply-template",
    ] {
        h.reply(event).await;
    }
    h.clock.advance(TimeDelta::hours(24));
    h.reply("send-reply.reply-text").await;
    let refused = harness(Arc::new(RefusingTwilio)).await;
    refused.reply("send-reply.reply-text").await;

    let forbidden: Vec<String> = [
        "Your order #1234 ships today. Anything else?",
        "Your return label",
        "https://cdn.example.com/labels/1234.pdf",
        "Zoë",
        "447700900123",
        "700900123",
        "is not a valid phone number",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_clean(&logs, &forbidden);
    let lines = logs.lines();
    let sent = lines
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["message"] == "reply" && l["status"] == 201)
        .expect("a reply line");
    assert_eq!(sent["conversation_id"], h.conversation.as_str());
    assert!(
        sent["message_sid"]
            .as_str()
            .is_some_and(|s| s.starts_with("SM"))
    );
}
