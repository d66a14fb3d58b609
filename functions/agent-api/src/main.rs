use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::{Error, run, service_fn};
use whatsapp_channel::adapters::{DynamoChannelStore, SystemClock, dynamodb};
use whatsapp_channel::config;
use whatsapp_channel::metrics::Metrics;

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let sdk = config::aws().await;
    let store = DynamoChannelStore::new(dynamodb::client(&sdk), config::required("TABLE_NAME")?);
    let mut state = AgentApi::new(Arc::new(store), Arc::new(SystemClock::default()))
        .with_metrics(Metrics::lambda("agent-api"));
    if let Some(group) = config::optional("ADMIN_GROUP") {
        state = state.with_admin_group(group);
    }
    run(service_fn(|request| function_handler(&state, request))).await
}
