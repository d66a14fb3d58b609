//! send-reply's metrics (EMF), on the in-memory store with Twilio twins.

mod support;

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use support::{RefusingTwilio, harness};
use whatsapp_channel::testing::RecordingSender;

#[tokio::test]
async fn a_sent_reply_counts_per_business_number_with_twilio_s_latency() {
    let h = harness(Arc::new(RecordingSender::default())).await;
    assert_eq!(h.reply("send-reply.reply-text").await, StatusCode::CREATED);
    let sent = h.sink.named("RepliesSent");
    assert_eq!(sent.len(), 1, "{:?}", h.sink.lines());
    assert_eq!(sent[0]["BusinessNumber"], "+14155238886");
    let latency = h.sink.named("TwilioLatency");
    assert_eq!(latency.len(), 1);
    assert_eq!(
        latency[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
        "Milliseconds"
    );
    assert!(h.sink.named("TemplatesSent").is_empty());
}

#[tokio::test]
async fn a_template_counts_as_a_template_not_a_reply() {
    let h = harness(Arc::new(RecordingSender::default())).await;
    assert_eq!(
        h.reply("send-reply.reply-template").await,
        StatusCode::CREATED
    );
    assert_eq!(h.sink.named("TemplatesSent").len(), 1);
    assert!(h.sink.named("RepliesSent").is_empty());
}

#[tokio::test]
async fn a_reply_after_the_window_closed_counts_as_a_window_refusal_and_calls_no_twilio() {
    let h = harness(Arc::new(RecordingSender::default())).await;
    h.clock.advance(TimeDelta::hours(24));
    assert_eq!(h.reply("send-reply.reply-text").await, StatusCode::CONFLICT);
    let refusals = h.sink.named("WindowRefusals");
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["BusinessNumber"], "+14155238886");
    assert!(h.sink.named("TwilioLatency").is_empty());
}

#[tokio::test]
async fn twilio_s_refusal_counts_as_a_twilio_error_with_its_code() {
    let h = harness(Arc::new(RefusingTwilio)).await;
    assert_eq!(
        h.reply("send-reply.reply-text").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let errors = h.sink.named("TwilioErrors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["ErrorCode"], "21211");
    assert_eq!(errors[0]["BusinessNumber"], "+14155238886");
    assert!(h.sink.named("RepliesSent").is_empty());
}
