use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use webhook_ingest::{WebhookIngest, function_handler};
use whatsapp_channel::adapters::{DynamoChannelStore, SystemClock};
use whatsapp_channel::config::{self, WebhookConfig};
use whatsapp_channel::metrics::Metrics;

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    // Built once per cold start; no network here beyond loading the SDK configuration.
    let sdk = config::aws().await;
    let webhook = WebhookConfig::load(&sdk).await?;
    let store = DynamoChannelStore::new(
        whatsapp_channel::adapters::dynamodb::client(&sdk),
        config::required("TABLE_NAME")?,
    );
    let state = WebhookIngest::new(&webhook, Arc::new(store), Arc::new(SystemClock::default()))
        .with_metrics(Metrics::lambda("webhook-ingest"));
    run(service_fn(|request| function_handler(&state, request))).await
}
