use std::sync::Arc;

use lambda_runtime::{Error, run, service_fn};
use live_connections::{LiveConnections, function_handler};
use whatsapp_channel::adapters::SystemClock;
use whatsapp_channel::config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let sdk = config::aws().await;
    let store = whatsapp_channel::wiring::warmed_store(&sdk, "AGENT#").await?;
    let state = LiveConnections::new(Arc::new(store), Arc::new(SystemClock::default()))
        .with_admin_group(
            whatsapp_channel::config::optional("ADMIN_GROUP")
                .unwrap_or_else(|| whatsapp_channel::http::DEFAULT_ADMIN_GROUP.into()),
        );
    run(service_fn(|event| function_handler(&state, event))).await
}
