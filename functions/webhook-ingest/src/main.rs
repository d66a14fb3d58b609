use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use webhook_ingest::{WebhookIngest, function_handler};
use whatsapp_channel::adapters::{DynamoChannelStore, SystemClock};
use whatsapp_channel::config::{self, WebhookConfig};
use whatsapp_channel::metrics::Metrics;
use whatsapp_channel::wiring::warm_dynamodb;

/// The multi-threaded runtime, by measurement (`cargo xtask bench`, docs/performance.md): one
/// thread (`current_thread`) made a warm follow-up about 0.3 ms faster on DynamoDB Local, but
/// init 3–5 ms slower, and the cold start is the figure still short of its goal.
#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    // Built once per cold start: the SDK configuration, the Twilio token, and the DynamoDB
    // connection, opened here rather than by the first customer's message.
    let sdk = config::aws().await;
    let webhook = WebhookConfig::load(&sdk).await?;
    let table = config::required("TABLE_NAME")?;
    let client = whatsapp_channel::adapters::dynamodb::client(&sdk);
    // A session key: template.yaml lets webhook-ingest read `SESSION#*`, `CONV#*` and `MSG#*`.
    warm_dynamodb(&client, &table, "SESSION#").await;
    let store = DynamoChannelStore::new(client, table);
    let state = WebhookIngest::new(&webhook, Arc::new(store), Arc::new(SystemClock::default()))
        .with_metrics(Metrics::lambda("webhook-ingest"));
    run(service_fn(|request| function_handler(&state, request))).await
}
