//! The records webhook against a stub CRM (`wiremock`): the signed request, the one retry with
//! the same idempotency key, refusals, answers that are not records, and a secret that never
//! shows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};
use whatsapp_channel::adapters::records_webhook::{
    IDEMPOTENCY_HEADER, RecordsWebhookConfigError, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    idempotency_key, signature,
};
use whatsapp_channel::adapters::{HttpRecordsWebhook, InMemoryRecordsWebhook, verify_signature};
use whatsapp_channel::ports::{CreateRecord, CreatedRecord, RecordsWebhook, RecordsWebhookError};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "whsec-test-5f1d2c9e8b7a";
const HOOK: &str = "/hooks/records";

fn request() -> CreateRecord {
    CreateRecord {
        conversation_id: "01a20a57-f1b0-7342-9a4c-552c53ee9bf3".into(),
        customer: "whatsapp:+447700900123".into(),
        business_number: "whatsapp:+14155238886".into(),
        system: "crm".into(),
        title: "Card charged twice".into(),
        summary: Some("Refunded the second charge".into()),
    }
}

fn webhook(server: &MockServer) -> HttpRecordsWebhook {
    HttpRecordsWebhook::new(&format!("{}{HOOK}", server.uri()), SECRET.into()).unwrap()
}

fn created() -> ResponseTemplate {
    ResponseTemplate::new(201)
        .set_body_json(json!({"id": "CASE-42", "url": "https://crm.example.com/cases/42"}))
}

fn unavailable() -> ResponseTemplate {
    ResponseTemplate::new(503).set_body_json(json!({"message": "maintenance"}))
}

/// A CRM answering every request with `answer`.
async fn crm_answering(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

fn header(request: &Request, name: &str) -> String {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn unix_now() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(seconds).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn the_request_is_signed_json_with_its_headers_and_the_answer_becomes_the_record() {
    let server = crm_answering(created()).await;

    let record = webhook(&server).create(&request()).await.unwrap();

    assert_eq!(
        record,
        CreatedRecord {
            id: "CASE-42".into(),
            url: Some("https://crm.example.com/cases/42".into()),
        }
    );
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert_eq!(header(sent, "content-type"), "application/json");
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(
        body,
        json!({
            "event": "record.create",
            "conversation_id": "01a20a57-f1b0-7342-9a4c-552c53ee9bf3",
            "customer": "whatsapp:+447700900123",
            "business_number": "whatsapp:+14155238886",
            "system": "crm",
            "title": "Card charged twice",
            "summary": "Refunded the second charge",
        })
    );
    let title_hash = hex(&Sha256::digest(b"Card charged twice"));
    assert_eq!(
        header(sent, IDEMPOTENCY_HEADER),
        format!(
            "01a20a57-f1b0-7342-9a4c-552c53ee9bf3:crm:{}",
            &title_hash[..16]
        )
    );
    // The signature, recomputed here: HMAC-SHA256 of "{timestamp}.{body}".
    let timestamp = header(sent, TIMESTAMP_HEADER);
    let sent_at: i64 = timestamp.parse().unwrap();
    assert!((sent_at - unix_now()).abs() <= 5, "{timestamp}");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&sent.body);
    let expected = format!("v1={}", hex(&mac.finalize().into_bytes()));
    let signature_header = header(sent, SIGNATURE_HEADER);
    assert_eq!(signature_header, expected);
    assert!(verify_signature(
        SECRET,
        &timestamp,
        &sent.body,
        &signature_header,
        unix_now()
    ));
    assert!(!String::from_utf8_lossy(&sent.body).contains(SECRET));
}

#[tokio::test]
async fn a_503_then_a_201_is_retried_once_with_the_same_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK))
        .respond_with(unavailable())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(HOOK))
        .respond_with(created())
        .with_priority(2)
        .mount(&server)
        .await;

    let record = webhook(&server).create(&request()).await.unwrap();

    assert_eq!(record.id, "CASE-42");
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2, "one 503, then the record");
    assert_eq!(
        header(&sent[0], IDEMPOTENCY_HEADER),
        header(&sent[1], IDEMPOTENCY_HEADER)
    );
    assert_eq!(
        header(&sent[1], IDEMPOTENCY_HEADER),
        idempotency_key(&request())
    );
    assert_eq!(
        sent[0].body, sent[1].body,
        "the retry posts the same record"
    );
    for attempt in &sent {
        assert!(verify_signature(
            SECRET,
            &header(attempt, TIMESTAMP_HEADER),
            &attempt.body,
            &header(attempt, SIGNATURE_HEADER),
            unix_now()
        ));
    }
}

#[tokio::test]
async fn a_400_is_not_retried_and_is_refused_with_the_crms_message() {
    let server = crm_answering(
        ResponseTemplate::new(400).set_body_json(json!({"message": "unknown system"})),
    )
    .await;

    let error = webhook(&server).create(&request()).await.unwrap_err();

    assert_eq!(
        error,
        RecordsWebhookError::Refused {
            status: 400,
            message: "unknown system".into()
        }
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn two_503s_give_an_error_after_exactly_two_requests() {
    let server = crm_answering(unavailable()).await;

    let error = webhook(&server).create(&request()).await.unwrap_err();

    assert_eq!(
        error,
        RecordsWebhookError::Refused {
            status: 503,
            message: "maintenance".into()
        }
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_crm_that_does_not_answer_in_time_is_tried_twice_then_unreachable() {
    let server = crm_answering(created().set_delay(Duration::from_secs(2))).await;
    let hook = HttpRecordsWebhook::with_timeouts(
        &format!("{}{HOOK}", server.uri()),
        SECRET.into(),
        Duration::from_millis(500),
        Duration::from_millis(200),
    )
    .unwrap();

    let error = hook.create(&request()).await.unwrap_err();

    assert!(
        matches!(&error, RecordsWebhookError::Unreachable(why) if why.contains("no answer in time")),
        "{error}"
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    // Bind then drop: a loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook =
        HttpRecordsWebhook::new(&format!("http://127.0.0.1:{port}{HOOK}"), SECRET.into()).unwrap();

    let error = hook.create(&request()).await.unwrap_err();

    assert!(
        matches!(&error, RecordsWebhookError::Unreachable(why) if why.contains("could not connect")),
        "{error}"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = crm_answering(
        ResponseTemplate::new(307).insert_header("location", "https://elsewhere.example.com/"),
    )
    .await;

    let error = webhook(&server).create(&request()).await.unwrap_err();

    assert!(
        matches!(error, RecordsWebhookError::Refused { status: 307, .. }),
        "{error}"
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn an_answer_that_is_not_a_record_is_an_invalid_answer() {
    for answer in [
        ResponseTemplate::new(200).set_body_string("<html>OK</html>"),
        ResponseTemplate::new(201).set_body_json(json!({"url": "https://crm.example.com/1"})),
        ResponseTemplate::new(201).set_body_json(json!({"id": "CASE 42"})),
        ResponseTemplate::new(204),
    ] {
        let server = crm_answering(answer).await;

        let error = webhook(&server).create(&request()).await.unwrap_err();

        assert!(
            matches!(error, RecordsWebhookError::InvalidAnswer(_)),
            "{error}"
        );
        assert_eq!(requests(&server).await.len(), 1, "a 2xx is never retried");
    }
}

#[tokio::test]
async fn a_link_that_is_not_https_is_dropped_and_the_record_kept() {
    let server = crm_answering(
        ResponseTemplate::new(201)
            .set_body_json(json!({"id": "CASE-7", "url": "http://crm.example.com/7"})),
    )
    .await;

    let record = webhook(&server).create(&request()).await.unwrap();

    assert_eq!(
        record,
        CreatedRecord {
            id: "CASE-7".into(),
            url: None
        }
    );
}

#[test]
fn only_https_urls_or_loopback_http_urls_with_a_secret_are_accepted() {
    let refused = |url: &str, secret: &str| HttpRecordsWebhook::new(url, secret.into()).err();
    assert!(matches!(
        refused("http://crm.example.com/hook", SECRET),
        Some(RecordsWebhookConfigError::InsecureScheme { .. })
    ));
    assert!(matches!(
        refused("http://localhost@crm.example.com/hook", SECRET),
        Some(RecordsWebhookConfigError::UnexpectedUrlParts)
    ));
    assert!(matches!(
        refused("ftp://crm.example.com/hook", SECRET),
        Some(RecordsWebhookConfigError::InsecureScheme { .. })
    ));
    assert!(matches!(
        refused("not a url", SECRET),
        Some(RecordsWebhookConfigError::InvalidUrl)
    ));
    assert!(matches!(
        refused("https://crm.example.com/hook", ""),
        Some(RecordsWebhookConfigError::EmptySecret)
    ));
    for accepted in [
        "https://crm.example.com/hooks/records?tenant=7",
        "http://127.0.0.1:8080/hook",
        "http://localhost:8080/hook",
        "http://[::1]:8080/hook",
    ] {
        assert!(refused(accepted, SECRET).is_none(), "{accepted}");
    }
}

#[tokio::test]
async fn the_secret_shows_in_no_debug_output_and_no_error() {
    let hook = HttpRecordsWebhook::new("https://crm.example.com/hook", SECRET.into()).unwrap();
    let debug = format!("{hook:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("crm.example.com"), "{debug}");

    // A CRM that echoes the secret back does not get it into the error.
    let server = crm_answering(
        ResponseTemplate::new(401)
            .set_body_json(json!({"message": format!("bad secret {SECRET}")})),
    )
    .await;
    let error = webhook(&server).create(&request()).await.unwrap_err();
    assert!(!error.to_string().contains(SECRET), "{error}");
    assert!(!format!("{error:?}").contains(SECRET), "{error:?}");
}

#[test]
fn a_signature_verifies_only_for_its_secret_body_and_a_recent_timestamp() {
    let body = br#"{"event":"record.create"}"#;
    let now = 1_795_428_000;
    let timestamp = now.to_string();
    let signed = signature(SECRET, &timestamp, body);
    // The vector docs/api.md gives integrators (computed there with Python's hmac).
    assert_eq!(
        signed,
        "v1=8f816aee0b3fd4d8b3efce06c67a60d7403557d42aeb7cebc7051fe9783534ef"
    );
    assert!(
        signed.starts_with("v1=") && signed.len() == 3 + 64,
        "{signed}"
    );

    assert!(verify_signature(SECRET, &timestamp, body, &signed, now));
    assert!(verify_signature(
        SECRET,
        &timestamp,
        body,
        &signed,
        now + 300
    ));
    assert!(verify_signature(
        SECRET,
        &timestamp,
        body,
        &signed,
        now - 300
    ));
    // Secret rotation: any one of several `v1=` values.
    let rotated = format!("v1={}, {signed}", "0".repeat(64));
    assert!(verify_signature(SECRET, &timestamp, body, &rotated, now));

    assert!(!verify_signature("another", &timestamp, body, &signed, now));
    assert!(!verify_signature(SECRET, &timestamp, b"{}", &signed, now));
    assert!(!verify_signature(
        SECRET,
        &timestamp,
        body,
        &signed,
        now + 301
    ));
    // A replay with a fresh timestamp: the signature covers the old one.
    let fresh = (now + 600).to_string();
    assert!(!verify_signature(SECRET, &fresh, body, &signed, now + 600));
    assert!(!verify_signature(SECRET, "soon", body, &signed, now));
    assert!(!verify_signature(SECRET, &timestamp, body, "v1=zz", now));
    assert!(!verify_signature(SECRET, &timestamp, body, "", now));
    assert!(!verify_signature(
        "",
        &timestamp,
        body,
        &signature("", &timestamp, body),
        now
    ));
}

#[tokio::test]
async fn the_in_memory_twin_keeps_each_request_and_answers_a_record() {
    let twin = InMemoryRecordsWebhook::new();
    let record = twin.create(&request()).await.unwrap();
    assert_eq!(record.id, "REC-1");
    assert_eq!(twin.requests(), vec![request()]);

    let failing = InMemoryRecordsWebhook::failing(RecordsWebhookError::Unreachable("down".into()));
    assert!(failing.create(&request()).await.is_err());
}
