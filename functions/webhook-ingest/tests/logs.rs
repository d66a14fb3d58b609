//! webhook-ingest's logs: JSON, and never a customer's words, place, name or number, the token
//! or a signature. Alone in its test binary: a scoped log capture must not race other tests
//! for the same log callsites.

mod support;

use lambda_http::tracing::subscriber::filter::LevelFilter;
use serde_json::Value;
use support::measured;
use webhook_ingest::function_handler;
use whatsapp_channel::logging::testing::{
    assert_clean, capture, event_params, event_secrets, event_signature, personal_values,
};
use whatsapp_channel::testing::{event, webhook_request};

const WEBHOOK_EVENTS: &[&str] = &[
    "webhook-ingest.inbound-text",
    "webhook-ingest.inbound-media",
    "webhook-ingest.inbound-location",
    "webhook-ingest.inbound-button",
    "webhook-ingest.inbound-bad-signature",
    "webhook-ingest.status-delivered",
    "webhook-ingest.status-failed-63016",
];

#[tokio::test]
async fn even_at_trace_level_every_event_is_logged_as_json_without_personal_data_or_secrets() {
    let (state, _metrics) = measured();
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let mut forbidden = event_secrets();
    for name in WEBHOOK_EVENTS {
        function_handler(&state, event(name)).await.unwrap();
        forbidden.extend(personal_values(&event_params(name)));
        forbidden.extend(event_signature(name));
    }
    // An unsigned request is logged too.
    function_handler(
        &state,
        webhook_request("/twilio/inbound", b"Body=Zo%C3%AB", None),
    )
    .await
    .unwrap();
    assert!(forbidden.iter().any(|v| v.contains("Trafalgar")));
    assert!(forbidden.iter().any(|v| v == "700900123"));
    assert_clean(&logs, &forbidden);

    let lines: Vec<Value> = logs
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let inbound = lines
        .iter()
        .find(|l| l["message"] == "inbound message")
        .expect("an inbound message line");
    assert_eq!(inbound["message_sid"], "SM0000000000000000000000000000a001");
    assert!(
        inbound["conversation_id"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(inbound["customer"], "+44…123");
    assert_eq!(inbound["level"], "INFO");
}
