use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::{Error, run, service_fn};
use whatsapp_channel::adapters::{DynamoChannelStore, SystemClock, dynamodb};
use whatsapp_channel::config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let sdk = config::aws().await;
    let store = DynamoChannelStore::new(dynamodb::client(&sdk), config::required("TABLE_NAME")?);
    let mut state = AgentApi::new(Arc::new(store), Arc::new(SystemClock::default()));
    if let Some(group) = config::optional("ADMIN_GROUP") {
        state = state.with_admin_group(group);
    }
    run(service_fn(|request| function_handler(&state, request))).await
}
