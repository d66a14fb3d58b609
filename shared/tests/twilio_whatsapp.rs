//! Twilio's Content API (the approved templates) and typing indicator (typing and read receipts)
//! against a wiremock Twilio: the requests' shape (path, form, HTTP Basic), paging, Twilio's
//! refusals, and the indicator switched off in the instance after the beta's 404.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use whatsapp_channel::adapters::{
    InMemoryChannelStore, ManualClock, TwilioConfig, TwilioContentCatalog, TwilioTypingIndicator,
};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::typing::{Actor, Typing, TypingOutcome, TypingRefusal};
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::ports::{
    CatalogError, ConversationStore, IndicatorError, TemplateCatalog, TypingIndicator,
};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "tok3n-that-must-never-leak-0123456789";

fn config(base: &str) -> TwilioConfig {
    TwilioConfig {
        api_base_url: base.to_owned(),
        account_sid: ACCOUNT_SID.to_owned(),
        auth_token: AUTH_TOKEN.to_owned(),
    }
}

fn new_sid() -> String {
    format!("SM{}", uuid::Uuid::now_v7().simple())
}

fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .to_utc()
}

/// A customer's text as Twilio posts it.
fn inbound(sid: &str, from: &str, body: &str) -> InboundMessage {
    let params = [
        ("MessageSid", sid),
        ("SmsMessageSid", sid),
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("From", from),
        ("To", "whatsapp:+14155238886"),
        ("Body", body),
        ("NumMedia", "0"),
        ("MessageType", "text"),
        ("WaId", from.trim_start_matches("whatsapp:+")),
    ];
    InboundMessage::from_params(
        params
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
    )
    .unwrap()
}

fn basic() -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    )
}

fn content(sid: &str, name: &str, status: &str) -> serde_json::Value {
    json!({
        "sid": sid,
        "friendly_name": name,
        "language": "en",
        "variables": {"1": "Ana"},
        "types": {"twilio/text": {"body": format!("{name} {{{{1}}}}")}},
        "approval_requests": {"type": "whatsapp", "status": status, "category": "UTILITY"}
    })
}

#[tokio::test]
async fn the_catalog_reads_every_page_with_basic_credentials_and_keeps_the_approved() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/v1/ContentAndApprovals?PageSize=500&Page=1&PageToken=PT1",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/v1/ContentAndApprovals"))
        .and(query_param("Page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "contents": [content("HX00000000000000000000000000000003", "third", "approved")],
            "meta": {"next_page_url": null}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/ContentAndApprovals"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "contents": [
                content("HX00000000000000000000000000000001", "first", "approved"),
                content("HX00000000000000000000000000000002", "second", "rejected"),
            ],
            "meta": {"next_page_url": next}
        })))
        .mount(&server)
        .await;
    let catalog = TwilioContentCatalog::new(&config(&server.uri())).unwrap();
    let templates = catalog.approved().await.unwrap();
    let names: Vec<&str> = templates.iter().map(|t| t.friendly_name.as_str()).collect();
    assert_eq!(names, ["first", "third"]);
    assert_eq!(templates[0].body, "first {{1}}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].url.query(), Some("PageSize=500"));
    for request in &requests {
        assert_eq!(request.headers["authorization"], basic().as_str());
    }
}

#[tokio::test]
async fn a_next_page_on_another_host_is_refused_and_never_gets_the_credentials() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "contents": [],
            "meta": {"next_page_url": format!("{}/v1/ContentAndApprovals?Page=1", elsewhere.uri())}
        })))
        .mount(&server)
        .await;
    let catalog = TwilioContentCatalog::new(&config(&server.uri())).unwrap();
    let error = catalog.approved().await.unwrap_err();
    assert!(matches!(error, CatalogError::Unreachable(_)), "{error:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn twilios_refusal_of_the_content_list_keeps_its_code_and_never_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": 20003, "message": "Authenticate", "status": 401})),
        )
        .mount(&server)
        .await;
    let catalog = TwilioContentCatalog::new(&config(&server.uri())).unwrap();
    let error = catalog.approved().await.unwrap_err();
    assert_eq!(
        error,
        CatalogError::Rejected {
            http_status: 401,
            code: Some(20003),
            message: "Authenticate".into()
        }
    );
    assert!(!format!("{error:?}").contains(AUTH_TOKEN));
}

#[tokio::test]
async fn the_typing_indicator_posts_message_id_and_channel_whatsapp_with_basic_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/Indicators/Typing.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(&server)
        .await;
    let sid = new_sid();
    TwilioTypingIndicator::new(&config(&server.uri()))
        .unwrap()
        .indicate(&sid)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.headers["authorization"], basic().as_str());
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body).into_owned().collect();
    assert_eq!(
        form,
        [
            ("messageId".to_owned(), sid),
            ("channel".to_owned(), "whatsapp".to_owned())
        ]
    );
}

#[test]
fn the_typing_indicator_sends_credentials_only_to_twilio_hosts() {
    for base in [
        "https://messaging.example.com",
        "http://messaging.twilio.com",
    ] {
        assert!(TwilioTypingIndicator::new(&config(base)).is_err(), "{base}");
    }
    assert!(TwilioTypingIndicator::new(&config("https://messaging.twilio.com")).is_ok());
    assert!(TwilioContentCatalog::new(&config("https://content.twilio.com")).is_ok());
    assert!(TwilioContentCatalog::new(&config("https://content.twilio.com.evil.net")).is_err());
}

#[tokio::test]
async fn after_the_betas_404_the_indicator_is_off_in_the_instance_and_nothing_else_breaks() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"code": 20404, "message": "The requested resource was not found", "status": 404}),
        ))
        .mount(&server)
        .await;
    let indicator = TwilioTypingIndicator::new(&config(&server.uri())).unwrap();
    assert!(matches!(
        indicator.indicate(&new_sid()).await,
        Err(IndicatorError::Rejected {
            http_status: 404,
            code: Some(20404),
            ..
        })
    ));

    let store = InMemoryChannelStore::new();
    let clock = ManualClock::at(t0());
    let message = inbound(&new_sid(), "whatsapp:+447700900123", "Hi");
    let id = receive_inbound(&store, &clock, &message)
        .await
        .unwrap()
        .conversation_id;
    store.accept(&id, "alice", true, t0()).await.unwrap();
    let typing = Typing::new(Arc::new(indicator));
    let first = typing
        .acknowledge(&store, &clock, &id, Actor::Agent("alice"))
        .await
        .unwrap();
    assert!(
        matches!(
            &first,
            Err(TypingRefusal::Twilio {
                http_status: Some(404),
                code: Some(20404),
                ..
            })
        ),
        "{first:?}"
    );
    // 30 s later the 20 s limit has passed, but the indicator stays off: Twilio is not asked.
    clock.advance(chrono::TimeDelta::seconds(30));
    let second = typing
        .acknowledge(&store, &clock, &id, Actor::Agent("alice"))
        .await
        .unwrap();
    assert_eq!(second, Ok(TypingOutcome::SwitchedOff));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
