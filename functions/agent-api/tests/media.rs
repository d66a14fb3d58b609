//! agent-api's media routes driven by `events/agent-api.open-media.json` and
//! `events/agent-api.upload-media.json`, on the in-memory media store and a Twilio twin that
//! counts its fetches (the real fetcher is tested against wiremock and moto in tests/).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use agent_api::{AgentApi, function_handler};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use whatsapp_channel::adapters::{InMemoryChannelStore, InMemoryMediaStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::{ConversationId, InboundMessage, ReplyContent};
use whatsapp_channel::ports::{FetchError, MediaFetcher, MediaFile, MessageRecord, SessionStore};
use whatsapp_channel::testing::{
    body_json, event_for_conversation, event_text, inbound_params, t0,
};

const CUSTOMER: &str = "whatsapp:+447700900123";
/// The MessageSid of `events/agent-api.open-media.json`.
const SID: &str = "MM0000000000000000000000000000a002";
const PUBLIC_URL: &str = "http://127.0.0.1:3000";

#[derive(Default)]
struct TwilioTwin {
    fetches: AtomicUsize,
}

#[async_trait::async_trait]
impl MediaFetcher for TwilioTwin {
    async fn fetch(&self, url: &str) -> Result<MediaFile, FetchError> {
        if !url.starts_with("https://api.twilio.com/") {
            return Err(FetchError::NotTwilio);
        }
        self.fetches.fetch_add(1, Ordering::SeqCst);
        Ok(MediaFile {
            content_type: "image/jpeg".into(),
            bytes: b"a photo".to_vec(),
        })
    }
}

struct Harness {
    store: Arc<InMemoryChannelStore>,
    media: Arc<InMemoryMediaStore>,
    twilio: Arc<TwilioTwin>,
    api: AgentApi,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let media = Arc::new(InMemoryMediaStore::new());
    let twilio = Arc::new(TwilioTwin::default());
    let api = AgentApi::new(store.clone(), Arc::new(ManualClock::at(t0()))).with_media(
        media.clone(),
        twilio.clone(),
        PUBLIC_URL,
    );
    Harness {
        store,
        media,
        twilio,
        api,
    }
}

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.api, request).await.unwrap()
    }

    /// The customer's image message; returns its conversation id.
    async fn customer_sends_image(&self, media_url: &str) -> String {
        let mut params = inbound_params(SID, CUSTOMER, "");
        params.retain(|(name, _)| name != "NumMedia");
        for (name, value) in [
            ("NumMedia", "1"),
            ("MediaUrl0", media_url),
            ("MediaContentType0", "image/jpeg"),
        ] {
            params.push((name.into(), value.into()));
        }
        let message = InboundMessage::from_params(params).unwrap();
        receive_inbound(self.store.as_ref(), &ManualClock::at(t0()), &message)
            .await
            .unwrap()
            .conversation_id
            .as_str()
            .to_owned()
    }
}

fn binary(response: &Response<Body>) -> Vec<u8> {
    match response.body() {
        Body::Binary(bytes) => bytes.clone(),
        Body::Text(text) => text.clone().into_bytes(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn an_inbound_attachment_is_fetched_once_and_served_with_its_type() {
    let h = harness();
    let id = h
        .customer_sends_image(&format!(
            "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/{SID}/Media/ME1"
        ))
        .await;
    for _ in 0..2 {
        let opened = h
            .call(event_for_conversation("agent-api.open-media", &id))
            .await;
        assert_eq!(opened.status(), StatusCode::OK);
        assert_eq!(opened.headers()["content-type"], "image/jpeg");
        assert_eq!(opened.headers()["x-content-type-options"], "nosniff");
        assert!(
            opened.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert_eq!(binary(&opened), b"a photo");
    }
    assert_eq!(h.twilio.fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_media_url_off_twilio_is_refused_and_unknown_attachments_are_404() {
    let h = harness();
    let id = h
        .customer_sends_image("https://evil.example.com/m.jpg")
        .await;
    let refused = h
        .call(event_for_conversation("agent-api.open-media", &id))
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(body_json(&refused)["error"], "media_url_not_twilio");
    assert_eq!(h.twilio.fetches.load(Ordering::SeqCst), 0);

    let second = event_text("agent-api.open-media")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &id)
        .replace("/media/0", "/media/1");
    let missing = h
        .call(lambda_http::request::from_str(&second).unwrap())
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // The event's own conversation id is not this message's.
    let elsewhere = h
        .call(lambda_http::request::from_str(&event_text("agent-api.open-media")).unwrap())
        .await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_agents_own_attachment_does_not_open_through_the_customers_route() {
    let h = harness();
    let id = h.customer_sends_image("https://api.twilio.com/x").await;
    let conversation = ConversationId::parse(&id).unwrap();
    let reply = MessageRecord::outbound(
        "MM0000000000000000000000000000b001".into(),
        &conversation,
        "agent-alice",
        &ReplyContent::Media {
            url: "https://api.twilio.com/2010-04-01/x".into(),
            caption: None,
        },
        t0(),
    );
    h.store.put_message(&reply).await.unwrap();
    let text = event_text("agent-api.open-media")
        .replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &id)
        .replace(SID, "MM0000000000000000000000000000b001");
    let refused = h.call(lambda_http::request::from_str(&text).unwrap()).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(h.twilio.fetches.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_assigned_agents_upload_is_stored_and_shared() {
    let h = harness();
    let id = h.customer_sends_image("https://api.twilio.com/x").await;
    let upload = || event_for_conversation("agent-api.upload-media", &id);
    // Nobody accepted it yet: nobody may attach.
    assert_eq!(h.call(upload()).await.status(), StatusCode::FORBIDDEN);
    let accept = event_for_conversation("agent-api.accept-conversation", &id);
    assert_eq!(h.call(accept).await.status(), StatusCode::OK);

    let uploaded = h.call(upload()).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let url = body_json(&uploaded)["media_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = url.strip_prefix(&format!("{PUBLIC_URL}/media/")).unwrap();
    assert!(key.starts_with(&format!("uploads/{id}/")), "{key}");
    let file = h.media.get(key).unwrap();
    assert_eq!(file.content_type, "image/png");
    assert!(file.bytes.starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn without_media_configured_the_routes_answer_503() {
    let api = AgentApi::new(
        Arc::new(InMemoryChannelStore::new()),
        Arc::new(ManualClock::at(t0())),
    );
    for name in ["agent-api.open-media", "agent-api.upload-media"] {
        let response = function_handler(&api, whatsapp_channel::testing::event(name))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{name}");
        assert_eq!(body_json(&response)["error"], "media_unavailable");
    }
}
