use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use webhook_ingest::{WebhookIngest, function_handler};
use whatsapp_channel::adapters::{DynamoChannelStore, SystemClock};
use whatsapp_channel::config::{self, WebhookConfig};
use whatsapp_channel::metrics::Metrics;
use whatsapp_channel::wiring::warm_dynamodb;

/// One thread: Lambda runs one invocation at a time, and at 256 MB a function has a fraction of
/// a vCPU. The multi-threaded runtime handed each DynamoDB answer from the I/O driver to another
/// worker thread; on a busy machine that wake-up waited for a core (docs/performance.md).
#[tokio::main(flavor = "current_thread")]
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
