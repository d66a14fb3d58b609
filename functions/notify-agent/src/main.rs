use std::sync::Arc;

use lambda_runtime::{Error, run, service_fn};
use notify_agent::{NotifyAgent, function_handler};
use whatsapp_channel::adapters::{
    ApiGatewayLivePoster, DynamoChannelStore, SnsAgentNotifier, SystemClock, dynamodb,
};
use whatsapp_channel::app::live::PushingNotifier;
use whatsapp_channel::config;
use whatsapp_channel::metrics::Metrics;
use whatsapp_channel::ports::AgentNotifier;

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
    // With the live channel deployed, every notification is also pushed to the agents' consoles.
    let notifier: Arc<dyn AgentNotifier> = match config::optional("LIVE_ENDPOINT") {
        Some(endpoint) => Arc::new(PushingNotifier {
            inner: sns,
            connections: store.clone(),
            poster: Arc::new(ApiGatewayLivePoster::new(&sdk, &endpoint)),
        }),
        None => sns,
    };
    let state = NotifyAgent::new(store, notifier, Arc::new(SystemClock::default()))
        .with_metrics(Metrics::lambda("notify-agent"));
    run(service_fn(|event| function_handler(&state, event))).await
}
