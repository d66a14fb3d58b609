//! The Twilio Messages API adapter against a wiremock Twilio. Every request the mock receives is
//! checked against the `CreateMessage` operation of Twilio's OpenAPI spec
//! (tests/fixtures/twilio-create-message.json).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use whatsapp_channel::adapters::{TwilioConfig, TwilioReplySender};
use whatsapp_channel::domain::MessageStatus;
use whatsapp_channel::ports::{OutboundRequest, ReplyContent, ReplySender, SendError};
use wiremock::http::{HeaderValue, Url};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod support;

use support::openapi::{CreateMessage, FIXTURE, form};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "tok3n-that-must-never-leak-0123456789";
const TO: &str = "whatsapp:+15552229999";
const FROM: &str = "whatsapp:+14155238886";
const STATUS_URL: &str = "https://abc123.execute-api.eu-west-1.amazonaws.com/twilio/status";
const CONTENT_SID: &str = "HX0123456789abcdef0123456789abcdef";
const MEDIA_URL: &str = "https://example.com/media/receipt.jpg";

// ---------------------------------------------------------------------------------------------
// Helpers

fn config(base: &str) -> TwilioConfig {
    TwilioConfig {
        api_base_url: base.to_owned(),
        account_sid: ACCOUNT_SID.to_owned(),
        auth_token: AUTH_TOKEN.to_owned(),
    }
}

fn sender(server: &MockServer) -> TwilioReplySender {
    TwilioReplySender::new(config(&server.uri())).unwrap()
}

fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
}

fn outbound(content: ReplyContent) -> OutboundRequest {
    OutboundRequest {
        to: TO.to_owned(),
        from: FROM.to_owned(),
        content,
        status_callback: STATUS_URL.to_owned(),
        budget: None,
    }
}

fn text(body: &str) -> OutboundRequest {
    outbound(ReplyContent::Text {
        body: body.to_owned(),
    })
}

/// Twilio's 201, with the spec's own example of a created message.
fn created() -> ResponseTemplate {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let example = fixture["responses"]["201"]["content"]["application/json"]["example"].clone();
    assert_eq!(example["status"], "queued");
    ResponseTemplate::new(201).set_body_json(example)
}

fn example_sid() -> String {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    fixture["responses"]["201"]["content"]["application/json"]["example"]["sid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Twilio's error JSON.
fn twilio_error(http_status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(http_status).set_body_json(json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": http_status,
    }))
}

fn too_many_requests() -> ResponseTemplate {
    twilio_error(429, 20429, "Too Many Requests")
}

async fn twilio_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// Every request the mock received, each checked against the CreateMessage schema.
async fn checked_requests(server: &MockServer) -> Vec<Request> {
    let requests = server.received_requests().await.unwrap();
    let schema = CreateMessage::load();
    for (i, request) in requests.iter().enumerate() {
        if let Err(problems) = schema.check(request) {
            panic!(
                "request {i} does not match CreateMessage:\n  {}",
                problems.join("\n  ")
            );
        }
    }
    requests
}

fn param(request: &Request, name: &str) -> Option<String> {
    let values: Vec<String> = form(request)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect();
    assert!(values.len() <= 1, "{name} was sent {} times", values.len());
    values.into_iter().next()
}

fn names(request: &Request) -> Vec<String> {
    let mut names: Vec<String> = form(request).into_iter().map(|(n, _)| n).collect();
    names.sort();
    names
}

fn assert_no_token(error: &SendError) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(AUTH_TOKEN), "the token leaked: {shown}");
}

// ---------------------------------------------------------------------------------------------
// What is posted

#[tokio::test]
async fn a_text_reply_posts_to_from_body_and_status_callback_and_returns_the_sid_with_status_queued()
 {
    let server = twilio_answering(created()).await;

    let sent = sender(&server)
        .send(&text("Your order ships today ✓ & 100% on time"))
        .await
        .unwrap();

    assert_eq!(sent.sid, example_sid());
    assert_eq!(sent.status, MessageStatus::Queued);
    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.url.path(), messages_path());
    assert_eq!(names(request), ["Body", "From", "StatusCallback", "To"]);
    assert_eq!(param(request, "To").as_deref(), Some(TO));
    assert_eq!(param(request, "From").as_deref(), Some(FROM));
    assert_eq!(
        param(request, "Body").as_deref(),
        Some("Your order ships today ✓ & 100% on time")
    );
    assert_eq!(
        param(request, "StatusCallback").as_deref(),
        Some(STATUS_URL)
    );
}

#[tokio::test]
async fn a_media_reply_posts_the_media_url_and_the_caption_as_body() {
    let server = twilio_answering(created()).await;

    sender(&server)
        .send(&outbound(ReplyContent::Media {
            url: MEDIA_URL.to_owned(),
            caption: Some("Your receipt".to_owned()),
        }))
        .await
        .unwrap();

    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        names(request),
        ["Body", "From", "MediaUrl", "StatusCallback", "To"]
    );
    assert_eq!(param(request, "MediaUrl").as_deref(), Some(MEDIA_URL));
    assert_eq!(param(request, "Body").as_deref(), Some("Your receipt"));
}

#[tokio::test]
async fn a_media_reply_without_a_caption_posts_no_body() {
    let server = twilio_answering(created()).await;

    sender(&server)
        .send(&outbound(ReplyContent::Media {
            url: MEDIA_URL.to_owned(),
            caption: None,
        }))
        .await
        .unwrap();

    let requests = checked_requests(&server).await;
    assert_eq!(
        names(&requests[0]),
        ["From", "MediaUrl", "StatusCallback", "To"]
    );
}

#[tokio::test]
async fn a_template_posts_content_sid_and_content_variables_as_a_json_string_and_no_body() {
    let server = twilio_answering(created()).await;
    let variables = BTreeMap::from([
        ("1".to_owned(), "12/1".to_owned()),
        ("2".to_owned(), "3pm \"sharp\"".to_owned()),
    ]);

    sender(&server)
        .send(&outbound(ReplyContent::Template {
            content_sid: CONTENT_SID.to_owned(),
            variables,
        }))
        .await
        .unwrap();

    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        names(request),
        [
            "ContentSid",
            "ContentVariables",
            "From",
            "StatusCallback",
            "To"
        ]
    );
    assert_eq!(param(request, "ContentSid").as_deref(), Some(CONTENT_SID));
    assert_eq!(
        param(request, "ContentVariables").as_deref(),
        Some(r#"{"1":"12/1","2":"3pm \"sharp\""}"#)
    );
    assert_eq!(param(request, "Body"), None);
}

#[tokio::test]
async fn each_request_matches_twilios_create_message_schema() {
    let server = twilio_answering(created()).await;
    let sender = sender(&server);
    for content in [
        ReplyContent::Text {
            body: "hello".to_owned(),
        },
        ReplyContent::Media {
            url: MEDIA_URL.to_owned(),
            caption: Some("caption".to_owned()),
        },
        ReplyContent::Template {
            content_sid: CONTENT_SID.to_owned(),
            variables: BTreeMap::from([("1".to_owned(), "Ada".to_owned())]),
        },
        ReplyContent::Template {
            content_sid: CONTENT_SID.to_owned(),
            variables: BTreeMap::new(),
        },
    ] {
        sender.send(&outbound(content)).await.unwrap();
    }

    // checked_requests fails the test on any request the schema refuses.
    assert_eq!(checked_requests(&server).await.len(), 4);
}

#[test]
fn the_schema_checker_refuses_requests_twilio_would_not_accept() {
    let schema = CreateMessage::load();
    let good = || {
        let mut headers = wiremock::http::HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let credentials = STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Basic {credentials}")).unwrap(),
        );
        Request {
            url: Url::parse(&format!("http://127.0.0.1{}", messages_path())).unwrap(),
            method: wiremock::http::Method::POST,
            headers,
            body: form_urlencoded::Serializer::new(String::new())
                .append_pair("To", TO)
                .append_pair("From", FROM)
                .append_pair("StatusCallback", STATUS_URL)
                .append_pair("ContentSid", CONTENT_SID)
                .append_pair("ContentVariables", r#"{"1":"x"}"#)
                .finish()
                .into_bytes(),
        }
    };
    assert_eq!(schema.check(&good()), Ok(()));

    let with_body = |pairs: &[(&str, &str)]| {
        let mut request = good();
        request.body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes();
        request
    };
    let base = [("To", TO), ("From", FROM), ("StatusCallback", STATUS_URL)];
    let bad_bodies: Vec<Vec<(&str, &str)>> = vec![
        [&base[..], &[("Body", "x"), ("Unknown", "x")]].concat(),
        [&base[..], &[("ContentSid", "HXnothex")]].concat(),
        [
            &base[..],
            &[("ContentSid", CONTENT_SID), ("ContentVariables", "[1]")],
        ]
        .concat(),
        [
            &base[..],
            &[("ContentSid", CONTENT_SID), ("ContentVariables", "{1:")],
        ]
        .concat(),
        vec![
            ("To", TO),
            ("From", FROM),
            ("StatusCallback", "not a uri"),
            ("Body", "x"),
        ],
        vec![("From", FROM), ("Body", "x")],
        vec![("To", TO), ("Body", "x")],
        base.to_vec(),
        [&base[..], &[("Body", "x"), ("Body", "y")]].concat(),
        [&base[..], &[("Body", "x"), ("RiskCheck", "maybe")]].concat(),
        [&base[..], &[("Body", "x"), ("To", "15552229999")]].concat(),
    ];
    for body in bad_bodies {
        assert!(
            schema.check(&with_body(&body)).is_err(),
            "accepted {body:?}"
        );
    }

    let mut no_auth = good();
    no_auth.headers.remove("authorization");
    assert!(schema.check(&no_auth).is_err());

    let mut wrong_token = good();
    let credentials = STANDARD.encode(format!("{ACCOUNT_SID}:other"));
    wrong_token.headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Basic {credentials}")).unwrap(),
    );
    assert!(schema.check(&wrong_token).is_err());

    let mut bad_sid = good();
    bad_sid.url = Url::parse("http://127.0.0.1/2010-04-01/Accounts/AC123/Messages.json").unwrap();
    assert!(schema.check(&bad_sid).is_err());

    let mut other_path = good();
    other_path.url = Url::parse(&format!(
        "http://127.0.0.1/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    ))
    .unwrap();
    assert!(schema.check(&other_path).is_err());
}

// ---------------------------------------------------------------------------------------------
// Rate limiting: the only retry

#[tokio::test]
async fn a_429_then_a_201_is_retried_once_and_sends_one_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(too_many_requests())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(created())
        .with_priority(2)
        .mount(&server)
        .await;

    let sent = sender(&server).send(&text("hello")).await.unwrap();

    assert_eq!(sent.sid, example_sid());
    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 2, "one 429, then the one message");
    assert_eq!(
        requests[0].body, requests[1].body,
        "the retry posts the same message"
    );
}

#[tokio::test]
async fn a_429_on_every_attempt_gives_rate_limited_after_three_attempts() {
    let server = twilio_answering(too_many_requests()).await;

    let started = Instant::now();
    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert_eq!(error, SendError::RateLimited);
    assert_eq!(checked_requests(&server).await.len(), 3);
    // Two backoffs of at most 250 ms and 500 ms.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_429_without_a_body_is_rate_limiting_too() {
    let server = twilio_answering(ResponseTemplate::new(429)).await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert_eq!(error, SendError::RateLimited);
    assert_eq!(checked_requests(&server).await.len(), 3);
}

#[tokio::test]
async fn twilio_code_20429_is_retried_like_http_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(twilio_error(503, 20429, "Too Many Requests"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(created())
        .with_priority(2)
        .mount(&server)
        .await;

    sender(&server).send(&text("hello")).await.unwrap();

    assert_eq!(checked_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_header_is_waited_before_the_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(too_many_requests().insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(created())
        .with_priority(2)
        .mount(&server)
        .await;

    let started = Instant::now();
    sender(&server).send(&text("hello")).await.unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(checked_requests(&server).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Errors: never retried

#[tokio::test]
async fn each_twilio_error_code_comes_back_as_rejected_with_its_code_and_message_and_is_not_retried()
 {
    for (code, message) in [
        (21211, "Invalid 'To' Phone Number: whatsapp:+1555222999X"),
        (
            21408,
            "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
        ),
        (21610, "Attempt to send to unsubscribed recipient"),
        (
            21617,
            "The concatenated message body exceeds the 1600 character limit",
        ),
    ] {
        let server = twilio_answering(twilio_error(400, code, message)).await;

        let error = sender(&server).send(&text("hello")).await.unwrap_err();

        assert_eq!(
            error,
            SendError::Rejected {
                http_status: 400,
                code: Some(code),
                message: message.to_owned(),
            }
        );
        assert_no_token(&error);
        assert_eq!(
            checked_requests(&server).await.len(),
            1,
            "code {code} was retried"
        );
    }
}

#[tokio::test]
async fn a_500_with_a_non_json_body_is_rejected_with_no_code() {
    let server = twilio_answering(
        ResponseTemplate::new(500).set_body_string("<html><body>upstream failure</body></html>"),
    )
    .await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    let SendError::Rejected {
        http_status,
        code,
        message,
    } = &error
    else {
        panic!("not Rejected: {error:?}");
    };
    assert_eq!(*http_status, 500);
    assert_eq!(*code, None);
    assert_eq!(message, "HTTP 500 Internal Server Error");
    assert_no_token(&error);
    assert_eq!(checked_requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_the_credentials_stay_with_twilio() {
    let elsewhere = twilio_answering(created()).await;
    let server = twilio_answering(ResponseTemplate::new(307).insert_header(
        "Location",
        format!("{}{}", elsewhere.uri(), messages_path()),
    ))
    .await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert!(
        matches!(
            error,
            SendError::Rejected {
                http_status: 307,
                code: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(checked_requests(&server).await.len(), 1);
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_that_never_answers_in_time_gives_unreachable_and_exactly_one_request() {
    let server = twilio_answering(created().set_delay(Duration::from_secs(5))).await;
    let sender = TwilioReplySender::with_timeouts(
        config(&server.uri()),
        Duration::from_millis(500),
        Duration::from_millis(600),
    )
    .unwrap();

    let started = Instant::now();
    let error = sender.send(&text("hello")).await.unwrap_err();

    assert!(matches!(error, SendError::Unreachable(_)), "{error:?}");
    assert!(
        error.to_string().contains("no answer within 600 ms"),
        "{error}"
    );
    assert_no_token(&error);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        checked_requests(&server).await.len(),
        1,
        "a timeout is never retried"
    );
}

#[tokio::test]
async fn a_refused_connection_gives_unreachable() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sender = TwilioReplySender::new(config(&format!("http://127.0.0.1:{port}"))).unwrap();

    let error = sender.send(&text("hello")).await.unwrap_err();

    assert!(matches!(error, SendError::Unreachable(_)), "{error:?}");
    assert_no_token(&error);
}

#[tokio::test]
async fn an_unknown_status_in_the_answer_is_read_as_queued() {
    let server = twilio_answering(ResponseTemplate::new(201).set_body_json(json!({
        "sid": "SM0123456789abcdef0123456789abcdef",
        "status": "something-new",
    })))
    .await;

    let sent = sender(&server).send(&text("hello")).await.unwrap();

    assert_eq!(sent.sid, "SM0123456789abcdef0123456789abcdef");
    assert_eq!(sent.status, MessageStatus::Queued);
}

#[tokio::test]
async fn an_accepted_answer_without_a_sid_is_unreachable_not_rejected() {
    // Twilio took the message: reporting "nothing was sent" could make someone send it again.
    let server = twilio_answering(ResponseTemplate::new(201).set_body_string("ok")).await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert!(matches!(error, SendError::Unreachable(_)), "{error:?}");
    assert_eq!(checked_requests(&server).await.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Construction: credentials only go to Twilio

#[test]
fn a_non_twilio_host_or_plain_http_to_twilio_is_refused_at_construction() {
    for base in [
        "https://evil.example.com",
        "http://api.twilio.com",
        "https://api.twilio.com.evil.example.com",
        "https://eviltwilio.com",
        "https://api.twilio.com@evil.example.com",
        "https://AC0123456789abcdef0123456789abcdef:secret@api.twilio.com",
        "http://10.0.0.1:8080",
        "ftp://api.twilio.com",
        "not a url",
    ] {
        let refused = TwilioReplySender::new(config(base));
        assert!(refused.is_err(), "{base} was accepted");
        let shown = format!("{:?}", refused.unwrap_err());
        assert!(
            !shown.contains("secret") && !shown.contains(AUTH_TOKEN),
            "{shown}"
        );
    }
}

#[test]
fn https_twilio_and_loopback_hosts_are_accepted() {
    for base in [
        "https://api.twilio.com",
        "https://api.twilio.com/",
        "https://messaging.twilio.com",
        "http://127.0.0.1:4010",
        "http://localhost:4010",
        "http://[::1]:4010",
        "https://127.0.0.1:4010",
    ] {
        assert!(
            TwilioReplySender::new(config(base)).is_ok(),
            "{base} was refused"
        );
    }
}

#[test]
fn an_account_sid_that_is_not_ac_and_32_hex_digits_is_refused() {
    for sid in [
        "",
        "AC123",
        "SK0123456789abcdef0123456789abcdef",
        "AC0123456789abcdef0123456789abcdeZ",
        "AC0123456789abcdef0123456789abcdef00",
    ] {
        let config = TwilioConfig {
            account_sid: sid.to_owned(),
            ..config("https://api.twilio.com")
        };
        assert!(
            TwilioReplySender::new(config).is_err(),
            "{sid:?} was accepted"
        );
    }
}

#[test]
fn an_empty_auth_token_is_refused() {
    let config = TwilioConfig {
        auth_token: String::new(),
        ..config("https://api.twilio.com")
    };
    assert!(TwilioReplySender::new(config).is_err());
}

#[test]
fn the_debug_of_config_and_sender_never_shows_the_token() {
    let config = config("https://api.twilio.com");
    let sender = TwilioReplySender::new(config.clone()).unwrap();

    for shown in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{sender:?}"),
        format!("{sender:#?}"),
    ] {
        assert!(!shown.contains(AUTH_TOKEN), "{shown}");
        assert!(shown.contains(ACCOUNT_SID), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
