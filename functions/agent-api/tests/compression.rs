//! agent-api's answers gzipped for clients that accept it: a long conversation comes back
//! gzipped and reads the same, a short answer comes back as it is.

use std::io::Read;
use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use flate2::read::GzDecoder;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::http::MIN_GZIP_BYTES;
use whatsapp_channel::testing::{body_text, event_for_conversation, inbound_params, new_sid, t0};

const CUSTOMER: &str = "whatsapp:+447700900123";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    api: AgentApi,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let api = AgentApi::new(store.clone(), clock.clone());
    Harness { store, clock, api }
}

impl Harness {
    /// A conversation of `count` customer messages (the console bench's text); returns its id.
    async fn conversation_of(&self, count: usize) -> String {
        let mut id = String::new();
        for n in 1..=count {
            let text = format!("Message {n}: {}", "lorem ipsum ".repeat(4));
            let message =
                InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, &text)).unwrap();
            id = receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
                .await
                .unwrap()
                .conversation_id
                .as_str()
                .to_owned();
        }
        id
    }

    async fn get(&self, id: &str, accept_encoding: Option<&str>) -> Response<Body> {
        let mut request: Request = event_for_conversation("agent-api.get-conversation", id);
        if let Some(value) = accept_encoding {
            request.headers_mut().insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        function_handler(&self.api, request).await.unwrap()
    }
}

fn header_of(response: &Response<Body>, name: header::HeaderName) -> Option<&str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

fn gunzip(response: &Response<Body>) -> String {
    let Body::Binary(bytes) = response.body() else {
        panic!(
            "a gzipped body is binary: {:?}",
            header_of(response, header::CONTENT_TYPE)
        );
    };
    let mut text = String::new();
    GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn a_long_conversation_comes_back_gzipped_and_reads_the_same_as_without_gzip() {
    let h = harness();
    let id = h.conversation_of(2_000).await;

    let plain = h.get(&id, None).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.headers().get(header::CONTENT_ENCODING), None);
    let json = body_text(&plain);
    let messages: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(messages["messages"].as_array().map(Vec::len), Some(2_000));

    let gzipped = h.get(&id, Some("gzip, deflate, br")).await;
    assert_eq!(gzipped.status(), StatusCode::OK);
    assert_eq!(header_of(&gzipped, header::CONTENT_ENCODING), Some("gzip"));
    assert_eq!(header_of(&gzipped, header::VARY), Some("Accept-Encoding"));
    assert_eq!(
        header_of(&gzipped, header::CONTENT_TYPE),
        Some("application/json")
    );
    let Body::Binary(bytes) = gzipped.body() else {
        panic!("not binary");
    };
    assert!(
        bytes.len() * 5 < json.len(),
        "{} bytes gzipped from {}",
        bytes.len(),
        json.len()
    );
    assert_eq!(gunzip(&gzipped), json);
}

#[tokio::test]
async fn a_long_conversation_without_gzip_accepted_is_plain_and_says_it_varies() {
    let h = harness();
    let id = h.conversation_of(50).await;
    let refused = h.get(&id, Some("gzip;q=0, br")).await;
    assert_eq!(refused.headers().get(header::CONTENT_ENCODING), None);
    assert!(matches!(refused.body(), Body::Text(_)));
    assert_eq!(header_of(&refused, header::VARY), Some("Accept-Encoding"));
}

#[tokio::test]
async fn a_short_answer_is_not_compressed_even_when_gzip_is_accepted() {
    let h = harness();
    let id = h.conversation_of(1).await;
    let short = h.get(&id, Some("gzip")).await;
    assert_eq!(short.status(), StatusCode::OK);
    assert!(body_text(&short).len() < MIN_GZIP_BYTES);
    assert_eq!(short.headers().get(header::CONTENT_ENCODING), None);
    assert!(matches!(short.body(), Body::Text(_)));

    let missing = h
        .get("01a20a57-f1b0-7342-9a4c-000000000000", Some("gzip"))
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers().get(header::CONTENT_ENCODING), None);
}
