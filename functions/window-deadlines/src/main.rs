use std::sync::Arc;

use lambda_runtime::{Error, run, service_fn};
use whatsapp_channel::adapters::SystemClock;
use whatsapp_channel::config;
use window_deadlines::{WindowDeadlines, function_handler};

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let sdk = config::aws().await;
    let store = Arc::new(whatsapp_channel::wiring::warmed_store(&sdk, "DUE#").await?);
    let notifier = whatsapp_channel::wiring::agent_notifier(&sdk, store.clone())?;
    let state = WindowDeadlines::new(
        store,
        notifier,
        Arc::new(SystemClock::default()),
        config::window_warnings()?,
    )
    .with_routing_mode(config::routing()?.mode);
    run(service_fn(|event| function_handler(&state, event))).await
}
