use std::sync::Arc;

use lambda_runtime::{Error, run, service_fn};
use whatsapp_channel::adapters::{
    ApiGatewayLivePoster, DynamoChannelStore, SnsAgentNotifier, SystemClock, dynamodb,
};
use whatsapp_channel::app::live::PushingNotifier;
use whatsapp_channel::config;
use whatsapp_channel::ports::AgentNotifier;
use window_deadlines::{WindowDeadlines, function_handler};

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let sdk = config::aws().await;
    let store = Arc::new(DynamoChannelStore::new(
        dynamodb::client(&sdk),
        config::required("TABLE_NAME")?,
    ));
    let sns: Arc<dyn AgentNotifier> = Arc::new(SnsAgentNotifier::new(
        SnsAgentNotifier::client(&sdk),
        config::required("AGENT_NOTIFICATIONS_TOPIC_ARN")?,
    ));
    // Warnings reach the consoles too when the live channel is deployed.
    let notifier: Arc<dyn AgentNotifier> = match config::optional("LIVE_ENDPOINT") {
        Some(endpoint) => Arc::new(PushingNotifier {
            inner: sns,
            connections: store.clone(),
            poster: Arc::new(ApiGatewayLivePoster::new(&sdk, &endpoint)),
        }),
        None => sns,
    };
    let state = WindowDeadlines::new(
        store,
        notifier,
        Arc::new(SystemClock::default()),
        config::window_warnings()?,
    );
    run(service_fn(|event| function_handler(&state, event))).await
}
