//! agent-api's metrics (EMF), over the in-memory store.

mod support;

use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use support::harness;

#[tokio::test]
async fn an_accept_counts_with_how_long_the_customer_waited_and_a_repeated_accept_does_not() {
    let h = harness();
    let id = h.requested().await;
    h.clock.advance(TimeDelta::seconds(90));
    assert_eq!(
        h.call("agent-api.accept-conversation", &id).await,
        StatusCode::OK
    );
    assert_eq!(
        h.call("agent-api.accept-conversation", &id).await,
        StatusCode::OK
    );
    let accepts = h.sink.named("Accepts");
    assert_eq!(accepts.len(), 1, "{:?}", h.sink.lines());
    assert_eq!(accepts[0]["BusinessNumber"], "+14155238886");
    let waits = h.sink.named("TimeToAccept");
    assert_eq!(waits.len(), 1);
    assert_eq!(waits[0]["TimeToAccept"], 90_000.0);
    assert_eq!(
        waits[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
        "Milliseconds"
    );
}

#[tokio::test]
async fn an_inserted_suggestion_counts_suggestions_used() {
    let h = harness();
    let id = h.requested().await;
    assert!(h.sink.named("SuggestionsUsed").is_empty());
    assert_eq!(
        h.call("agent-api.suggestion-used", &id).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.sink.named("SuggestionsUsed").len(),
        1,
        "{:?}",
        h.sink.lines()
    );
}
