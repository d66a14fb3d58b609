//! `LOG_TIMINGS=on`: each webhook logs the time of each of its parts as that part ends, which
//! `cargo xtask bench` reads to split a webhook's time. Alone in its test binary, like logs.rs:
//! a scoped log capture must not race other tests for the same callsites.

mod support;

use lambda_http::tracing::subscriber::filter::LevelFilter;
use serde_json::Value;
use support::measured;
use webhook_ingest::function_handler;
use whatsapp_channel::logging::LogSettings;
use whatsapp_channel::logging::testing::capture_with;
use whatsapp_channel::testing::event;

/// The names of the parts that closed, in order, for one event.
async fn parts_of(name: &str, timings: bool) -> Vec<String> {
    let (state, _metrics) = measured();
    let (logs, _guard) = capture_with(LogSettings {
        timings,
        ..LogSettings::json(LevelFilter::INFO)
    });
    function_handler(&state, event(name)).await.unwrap();
    logs.lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["message"] == "close")
        .inspect(|l| assert!(l["time.busy"].is_string(), "{l}"))
        .filter_map(|l| l["span"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// One test, so that the two captures never run at once on the same callsites.
#[tokio::test]
async fn with_log_timings_a_message_logs_the_time_of_each_part_and_without_it_none() {
    assert_eq!(
        parts_of("webhook-ingest.inbound-text", true).await,
        ["verify", "parse", "store", "report"]
    );
    assert_eq!(
        parts_of("webhook-ingest.status-delivered", true).await,
        ["verify", "parse", "store", "report"]
    );
    // A refused signature ends in the check.
    assert_eq!(
        parts_of("webhook-ingest.inbound-bad-signature", true).await,
        ["verify"]
    );
    assert!(
        parts_of("webhook-ingest.inbound-text", false)
            .await
            .is_empty()
    );
}
