//! agent-api's logs over the in-memory store: never a customer's data.
//! Alone in its test binary: a scoped log capture must not race other tests for the same
//! log callsites.

mod support;

use agent_api::function_handler;
use lambda_http::tracing::subscriber::filter::LevelFilter;
use support::{WORDS, harness};
use whatsapp_channel::logging::testing::{assert_clean, capture};
use whatsapp_channel::testing::event;

#[tokio::test]
async fn even_at_trace_level_the_agents_routes_log_no_customer_data() {
    let (logs, _guard) = capture(LevelFilter::TRACE);
    let h = harness();
    let id = h.requested().await;
    function_handler(&h.api, event("agent-api.put-contact"))
        .await
        .unwrap();
    for name in [
        "agent-api.list-conversations",
        "agent-api.list-requested",
        "agent-api.get-conversation",
        "agent-api.accept-conversation",
        "agent-api.close-conversation",
        "agent-api.set-presence",
    ] {
        h.call(name, &id).await;
    }
    let forbidden: Vec<String> = [
        WORDS,
        "Zoë O'Brien",
        "C-1042",
        "447700900123",
        "700900123",
        "Test Customer",
    ]
    .map(str::to_owned)
    .to_vec();
    assert_clean(&logs, &forbidden);
    let accepted = logs
        .lines()
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["message"] == "conversation accepted")
        .expect("an accept line");
    assert_eq!(accepted["conversation_id"], id.as_str());
}
