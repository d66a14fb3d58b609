//! `ERASE_AT_TWILIO=on`: the eraser's `DELETE …/Messages/{Sid}.json` against a wiremock Twilio,
//! each request checked against the `DeleteMessage` operation of Twilio's OpenAPI spec
//! (tests/fixtures/twilio-delete-message.json); 204 is deleted, 404 already gone, anything
//! else a failure the erasure counts, never a credential sent elsewhere.

use whatsapp_channel::adapters::TwilioMessageEraser;
use whatsapp_channel::app::privacy::erasure::TwilioEraser;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::openapi::TwilioOperation;
use super::{ACCOUNT_SID, FROM, config};

const SID: &str = "SM0123456789abcdef0123456789abcdef";

async fn twilio(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_message_is_deleted_with_twilios_delete_message_request() {
    let server = twilio(204).await;
    let eraser = TwilioMessageEraser::new(config(&server.uri())).unwrap();
    assert_eq!(eraser.delete_message(FROM, SID).await, Ok(true));
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let operation = TwilioOperation::delete_message();
    if let Err(problems) = operation.check(&received[0]) {
        panic!(
            "the request does not match DeleteMessage:\n  {}",
            problems.join("\n  ")
        );
    }
    assert_eq!(
        received[0].url.path(),
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{SID}.json")
    );
}

#[tokio::test]
async fn a_message_twilio_no_longer_has_counts_as_gone_and_an_error_as_a_failure() {
    let gone = twilio(404).await;
    let eraser = TwilioMessageEraser::new(config(&gone.uri())).unwrap();
    assert_eq!(eraser.delete_message(FROM, SID).await, Ok(false));
    let down = twilio(500).await;
    let eraser = TwilioMessageEraser::new(config(&down.uri())).unwrap();
    let refused = eraser.delete_message(FROM, SID).await.unwrap_err();
    assert!(refused.contains("500"), "{refused}");
}

#[tokio::test]
async fn an_id_that_is_no_twilio_sid_is_never_sent() {
    let server = twilio(204).await;
    let eraser = TwilioMessageEraser::new(config(&server.uri())).unwrap();
    assert!(
        eraser
            .delete_message(FROM, "pending-0190a0b1")
            .await
            .is_err()
    );
    assert!(eraser.delete_message(FROM, "SM../../Calls").await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn the_credentials_go_to_twilio_hosts_only() {
    assert!(TwilioMessageEraser::new(config("https://api.twilio.com")).is_ok());
    assert!(TwilioMessageEraser::new(config("https://evil.example.com")).is_err());
    assert!(TwilioMessageEraser::new(config("http://api.twilio.com")).is_err());
}
