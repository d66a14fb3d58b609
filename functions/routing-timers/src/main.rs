use std::sync::Arc;

use lambda_runtime::{Error, run, service_fn};
use routing_timers::{RoutingTimers, function_handler};
use whatsapp_channel::adapters::{SqsTimerQueue, SystemClock};
use whatsapp_channel::config;
use whatsapp_channel::metrics::Metrics;

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let sdk = config::aws().await;
    let store = Arc::new(whatsapp_channel::wiring::warmed_store(&sdk, "CONV#").await?);
    // Timers that come early go back to the queue they came from.
    let timers = Arc::new(SqsTimerQueue::from_sdk(
        &sdk,
        config::required("TIMER_QUEUE_URL")?,
    ));
    let state = RoutingTimers::new(store, timers, Arc::new(SystemClock::default()))
        .with_metrics(Metrics::lambda("routing-timers"));
    run(service_fn(|event| function_handler(&state, event))).await
}
