//! webhook-ingest's handler on the in-memory store, driven by the `events/` fixtures.

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use webhook_ingest::{EMPTY_TWIML, WebhookIngest, content_type, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::domain::{ConversationId, MessageSid, MessageStatus};
use whatsapp_channel::ports::{
    ConversationStore, Direction, MessageRecord, ReplyContent, SessionStore,
};
use whatsapp_channel::testing::{
    body_text, encode, event, events_webhook_config, inbound_params, new_sid, params,
    signed_request, t0, webhook_request,
};

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    state: WebhookIngest,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let state = WebhookIngest::new(&events_webhook_config(), store.clone(), clock.clone());
    Harness {
        store,
        clock,
        state,
    }
}

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.state, request).await.unwrap()
    }

    async fn stored(&self, sid: &str) -> Option<MessageRecord> {
        self.store
            .message(&MessageSid::parse(sid).unwrap())
            .await
            .unwrap()
    }
}

fn error_code(response: &Response<Body>) -> String {
    let body: serde_json::Value = serde_json::from_str(&body_text(response)).unwrap();
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    body["error"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_signed_text_message_is_stored_and_answered_with_empty_twiml() {
    let h = harness();
    let response = h.call(event("webhook-ingest.inbound-text")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), Some("text/xml"));
    assert_eq!(body_text(&response), EMPTY_TWIML);
    let stored = h
        .stored("SM0000000000000000000000000000a001")
        .await
        .unwrap();
    assert_eq!(
        stored.body.as_deref(),
        Some("Hi! Order #1234 – where is it? 😕")
    );
    assert_eq!(stored.direction, Direction::Inbound);
    assert_eq!(stored.created_at, t0());
    assert!(
        stored
            .params
            .iter()
            .any(|(n, v)| n == "ProfileName" && v == "Zoë O'Brien")
    );
    assert_eq!(h.store.conversation_count(), 1);
}

#[tokio::test]
async fn a_media_message_keeps_its_url_type_and_caption() {
    let h = harness();
    assert_eq!(
        h.call(event("webhook-ingest.inbound-media")).await.status(),
        StatusCode::OK
    );
    let stored = h
        .stored("MM0000000000000000000000000000a002")
        .await
        .unwrap();
    assert_eq!(stored.body.as_deref(), Some("The box arrived damaged"));
    assert_eq!(stored.media.len(), 1);
    assert_eq!(stored.media[0].content_type.as_deref(), Some("image/jpeg"));
    assert!(
        stored.media[0]
            .url
            .starts_with("https://api.twilio.com/2010-04-01/Accounts/AC")
    );
}

#[tokio::test]
async fn a_shared_location_is_stored_with_its_coordinates() {
    let h = harness();
    assert_eq!(
        h.call(event("webhook-ingest.inbound-location"))
            .await
            .status(),
        StatusCode::OK
    );
    let location = h
        .stored("SM0000000000000000000000000000a003")
        .await
        .unwrap()
        .location
        .unwrap();
    assert_eq!((location.latitude, location.longitude), (51.5072, -0.1276));
    assert_eq!(location.label.as_deref(), Some("Trafalgar Square"));
}

#[tokio::test]
async fn a_button_reply_is_stored_with_its_payload_and_the_message_it_answers() {
    let h = harness();
    assert_eq!(
        h.call(event("webhook-ingest.inbound-button"))
            .await
            .status(),
        StatusCode::OK
    );
    let stored = h
        .stored("SM0000000000000000000000000000a004")
        .await
        .unwrap();
    assert_eq!(
        stored.button.unwrap().payload.as_deref(),
        Some("track:1234")
    );
    assert_eq!(
        stored.replied_to.as_deref(),
        Some("SM0000000000000000000000000000b001")
    );
}

#[tokio::test]
async fn a_badly_signed_event_is_refused_with_403_and_nothing_is_stored() {
    let h = harness();
    let response = h.call(event("webhook-ingest.inbound-bad-signature")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(&response), "invalid_signature");
    assert_eq!(h.store.message_count(), 0);
    assert_eq!(h.store.conversation_count(), 0);
}

#[tokio::test]
async fn a_signed_message_to_a_number_that_is_not_a_sender_is_refused_and_nothing_is_stored() {
    let h = harness();
    let response = h.call(event("webhook-ingest.inbound-unknown-sender")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&response), "unknown_sender");
    assert_eq!(h.store.message_count(), 0);
    assert_eq!(h.store.conversation_count(), 0);
}

#[tokio::test]
async fn a_message_to_the_second_sender_opens_a_conversation_on_that_number() {
    let h = harness();
    let mut message = inbound_params(&new_sid(), "whatsapp:+447700900123", "Hello");
    for (name, value) in &mut message {
        if name == "To" {
            *value = "whatsapp:+14155238887".into();
        }
    }
    let response = h
        .call(signed_request(
            &events_webhook_config(),
            "/twilio/inbound",
            &message,
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let conversations = h.store.list_conversations(10).await.unwrap();
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].business, "whatsapp:+14155238887");
}

#[tokio::test]
async fn a_twilio_retry_of_the_same_message_stores_it_once() {
    let h = harness();
    for _ in 0..3 {
        assert_eq!(
            h.call(event("webhook-ingest.inbound-text")).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(h.store.message_count(), 1);
    assert_eq!(h.store.conversation_count(), 1);
}

#[tokio::test]
async fn a_signed_form_without_from_to_or_message_sid_is_refused_with_400_and_nothing_is_stored() {
    let h = harness();
    let config = events_webhook_config();
    for missing in ["From", "To", "MessageSid"] {
        let form: Vec<_> = inbound_params(
            "SM0000000000000000000000000000d001",
            "whatsapp:+447700900123",
            "hi",
        )
        .into_iter()
        .filter(|(n, _)| n != missing)
        .collect();
        let response = h
            .call(signed_request(&config, "/twilio/inbound", &form))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "without {missing}"
        );
        assert_eq!(error_code(&response), "malformed_form");
    }
    assert_eq!(h.store.message_count(), 0);
}

#[tokio::test]
async fn a_request_signed_for_another_body_is_refused_whatever_its_body() {
    let h = harness();
    let config = events_webhook_config();
    let good = inbound_params(
        "SM0000000000000000000000000000d002",
        "whatsapp:+447700900123",
        "hi",
    );
    let signature = whatsapp_channel::twilio::RequestValidator::new(config.auth_token.clone())
        .compute_signature(&config.inbound_url, &good);
    // The same signature over a changed body, and over a body that is not even a form.
    for body in [
        &b"MessageSid=SM0000000000000000000000000000d002&From=whatsapp%3A%2B447700900124"[..],
        b"%zz",
        b"",
    ] {
        let response = h
            .call(webhook_request("/twilio/inbound", body, Some(&signature)))
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(h.store.message_count(), 0);
}

#[tokio::test]
async fn a_message_signed_for_the_status_url_is_refused_on_the_inbound_url() {
    let h = harness();
    let config = events_webhook_config();
    let form = inbound_params(
        "SM0000000000000000000000000000d003",
        "whatsapp:+447700900123",
        "hi",
    );
    let signature = whatsapp_channel::twilio::RequestValidator::new(config.auth_token.clone())
        .compute_signature(&config.status_url, &form);
    let body = encode(&form);
    let response = h
        .call(webhook_request(
            "/twilio/inbound",
            body.as_bytes(),
            Some(&signature),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_follow_up_inside_the_window_joins_the_same_conversation() {
    let h = harness();
    let config = events_webhook_config();
    let customer = "whatsapp:+447700900123";
    h.call(signed_request(
        &config,
        "/twilio/inbound",
        &inbound_params(&new_sid(), customer, "one"),
    ))
    .await;
    h.clock.advance(TimeDelta::hours(23));
    h.call(signed_request(
        &config,
        "/twilio/inbound",
        &inbound_params(&new_sid(), customer, "two"),
    ))
    .await;
    assert_eq!(h.store.conversation_count(), 1);
    assert_eq!(h.store.message_count(), 2);
}

#[tokio::test]
async fn a_message_after_the_window_closed_starts_a_new_conversation() {
    let h = harness();
    let config = events_webhook_config();
    let customer = "whatsapp:+447700900123";
    h.call(signed_request(
        &config,
        "/twilio/inbound",
        &inbound_params(&new_sid(), customer, "one"),
    ))
    .await;
    h.clock
        .advance(TimeDelta::hours(24) + TimeDelta::seconds(1));
    h.call(signed_request(
        &config,
        "/twilio/inbound",
        &inbound_params(&new_sid(), customer, "two"),
    ))
    .await;
    assert_eq!(h.store.conversation_count(), 2);
}

async fn seed_outbound(h: &Harness, sid: &str, status: MessageStatus) {
    let mut record = MessageRecord::outbound(
        sid.into(),
        &ConversationId::generate(),
        "agent-1",
        &ReplyContent::Text {
            body: "Your order ships today".into(),
        },
        t0(),
    );
    record.status = status;
    h.store.put_message(&record).await.unwrap();
}

#[tokio::test]
async fn a_delivered_callback_moves_a_sent_message_to_delivered_with_204() {
    let h = harness();
    seed_outbound(
        &h,
        "SM0000000000000000000000000000c001",
        MessageStatus::Sent,
    )
    .await;
    let response = h.call(event("webhook-ingest.status-delivered")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        h.stored("SM0000000000000000000000000000c001")
            .await
            .unwrap()
            .status,
        MessageStatus::Delivered
    );
}

#[tokio::test]
async fn a_late_delivered_callback_never_moves_a_read_message_back() {
    let h = harness();
    seed_outbound(
        &h,
        "SM0000000000000000000000000000c001",
        MessageStatus::Read,
    )
    .await;
    assert_eq!(
        h.call(event("webhook-ingest.status-delivered"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.stored("SM0000000000000000000000000000c001")
            .await
            .unwrap()
            .status,
        MessageStatus::Read
    );
}

#[tokio::test]
async fn a_failed_callback_records_twilio_error_63016() {
    let h = harness();
    seed_outbound(
        &h,
        "SM0000000000000000000000000000c002",
        MessageStatus::Queued,
    )
    .await;
    assert_eq!(
        h.call(event("webhook-ingest.status-failed-63016"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let stored = h
        .stored("SM0000000000000000000000000000c002")
        .await
        .unwrap();
    assert_eq!(stored.status, MessageStatus::Failed);
    assert_eq!(stored.error_code.as_deref(), Some("63016"));
}

#[tokio::test]
async fn a_callback_for_a_message_not_yet_recorded_is_acknowledged_and_adds_no_message() {
    let h = harness();
    assert_eq!(
        h.call(event("webhook-ingest.status-delivered"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.store.message_count(), 0);
}

#[tokio::test]
async fn a_signed_callback_without_a_status_is_refused_with_400() {
    let h = harness();
    let config = events_webhook_config();
    let form = params(&[
        ("MessageSid", "SM0000000000000000000000000000c001"),
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ]);
    let response = h
        .call(signed_request(&config, "/twilio/status", &form))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_badly_signed_status_callback_is_refused_and_changes_nothing() {
    let h = harness();
    seed_outbound(
        &h,
        "SM0000000000000000000000000000c001",
        MessageStatus::Sent,
    )
    .await;
    let form = params(&[
        ("MessageSid", "SM0000000000000000000000000000c001"),
        ("MessageStatus", "read"),
    ]);
    let response = h
        .call(webhook_request(
            "/twilio/status",
            encode(&form).as_bytes(),
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        h.stored("SM0000000000000000000000000000c001")
            .await
            .unwrap()
            .status,
        MessageStatus::Sent
    );
}

#[tokio::test]
async fn unknown_routes_are_404_and_other_methods_are_405() {
    let h = harness();
    let mut request = event("webhook-ingest.inbound-text");
    *request.method_mut() = lambda_http::http::Method::GET;
    assert_eq!(
        h.call(request).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    let response = h
        .call(webhook_request("/twilio/elsewhere", b"", None))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_quoted_reply_and_a_forwarded_message_keep_what_whatsapp_said_about_them() {
    let h = harness();
    for name in [
        "webhook-ingest.inbound-text",
        "webhook-ingest.inbound-quoted-reply",
        "webhook-ingest.inbound-forwarded",
    ] {
        assert_eq!(h.call(event(name)).await.status(), StatusCode::OK, "{name}");
    }
    let quoted = h
        .stored("SM0000000000000000000000000000a0b1")
        .await
        .unwrap();
    assert_eq!(
        quoted.replied_to.as_deref(),
        Some("SM0000000000000000000000000000a001")
    );
    let view = whatsapp_channel::app::get_conversation(
        h.store.as_ref(),
        h.clock.as_ref(),
        &ConversationId::parse(&quoted.conversation_id).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let messages = view.messages.unwrap();
    let reply = messages
        .iter()
        .find(|m| m.id == "SM0000000000000000000000000000a0b1")
        .unwrap();
    let quote = reply.reply_to.as_ref().unwrap();
    assert_eq!(quote.id, "SM0000000000000000000000000000a001");
    assert_eq!(
        quote.direction,
        Some(whatsapp_channel::ports::Direction::Inbound)
    );
    assert!(
        quote
            .preview
            .as_deref()
            .is_some_and(|p| p.starts_with("Hi! Order #1234"))
    );
    let forwarded = messages
        .iter()
        .find(|m| m.id == "SM0000000000000000000000000000a0f1")
        .unwrap();
    assert!(forwarded.forwarded && forwarded.frequently_forwarded);
}

#[tokio::test]
async fn a_first_message_from_an_ad_keeps_the_ad_on_its_conversation() {
    let h = harness();
    let response = h.call(event("webhook-ingest.inbound-ad-referral")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored = h
        .stored("SM0000000000000000000000000000a0c1")
        .await
        .unwrap();
    let view = whatsapp_channel::app::get_conversation(
        h.store.as_ref(),
        h.clock.as_ref(),
        &ConversationId::parse(&stored.conversation_id).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let ad = view.ad.expect("the conversation shows the ad");
    assert_eq!(ad.headline.as_deref(), Some("Winter boots, 30% off"));
    assert_eq!(ad.source_url.as_deref(), Some("https://fb.me/abc123"));
}
