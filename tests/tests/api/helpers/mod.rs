pub(crate) mod agent;
pub(crate) mod local;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use webhook_ingest::WebhookIngest;
use whatsapp_channel::adapters::{DynamoChannelStore, InMemoryChannelStore, ManualClock};
use whatsapp_channel::config::WebhookConfig;
use whatsapp_channel::ports::ChannelStore;
pub use whatsapp_channel::testing::{body_json, t0};
use whatsapp_channel::testing::{events_webhook_config, inbound_params, signed_request};

/// DynamoDB Local's endpoint. Tests that need it fail without it, in CI and out.
pub fn dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|_| {
            panic!(
                "DynamoDB Local is not running: run `cargo xtask test`, or `cargo xtask emulators` \
                 and export the variables it prints (CI={})",
                std::env::var("CI").unwrap_or_default()
            )
        })
}

/// Counts the DynamoDB requests sent, by operation (`x-amz-target`).
#[derive(Debug, Default, Clone)]
pub struct RequestCounter(Arc<Mutex<Vec<String>>>);

impl RequestCounter {
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or("?")
            .trim_start_matches("DynamoDB_20120810.")
            .to_owned();
        self.0.lock().unwrap().push(target);
        Ok(())
    }
}

pub struct Dynamo {
    pub client: Client,
    pub store: Arc<DynamoChannelStore>,
    pub requests: RequestCounter,
}

/// A fresh table on DynamoDB Local, created as local-api creates it.
pub async fn dynamo() -> Dynamo {
    let endpoint = dynamodb_endpoint();
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(endpoint)
        .load()
        .await;
    let requests = RequestCounter::default();
    let conf = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(requests.clone())
        .build();
    let client = Client::from_conf(conf);
    let table = format!("test-{}", uuid::Uuid::now_v7().simple());
    let store = DynamoChannelStore::new(client.clone(), table);
    assert!(store.create_table_if_missing().await.unwrap());
    requests.take();
    Dynamo {
        client,
        store: Arc::new(store),
        requests,
    }
}

impl Dynamo {
    /// Every item in the table, for "nothing was stored" checks.
    pub async fn items(&self) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let out = self
            .client
            .scan()
            .table_name(self.store.table())
            .send()
            .await
            .unwrap();
        out.items.unwrap_or_default()
    }
}

/// Both stores behind the same port: DynamoDB Local and the in-memory twin.
pub async fn stores() -> Vec<(&'static str, Arc<dyn ChannelStore>)> {
    vec![
        ("dynamodb", dynamo().await.store as Arc<dyn ChannelStore>),
        ("memory", Arc::new(InMemoryChannelStore::new())),
    ]
}

/// webhook-ingest over a store, with a clock the test moves.
pub struct Webhook {
    pub state: Arc<WebhookIngest>,
    pub clock: Arc<ManualClock>,
    pub config: WebhookConfig,
}

impl Webhook {
    pub fn new(store: Arc<dyn ChannelStore>) -> Self {
        let clock = Arc::new(ManualClock::at(t0()));
        let config = events_webhook_config();
        Self {
            state: Arc::new(WebhookIngest::new(&config, store, clock.clone())),
            clock,
            config,
        }
    }

    pub async fn call(&self, request: Request) -> Response<Body> {
        webhook_ingest::function_handler(&self.state, request)
            .await
            .unwrap()
    }

    /// A signed text message from `customer`.
    pub async fn text(&self, sid: &str, customer: &str, body: &str) -> StatusCode {
        let request = signed_request(
            &self.config,
            "/twilio/inbound",
            &inbound_params(sid, customer, body),
        );
        self.call(request).await.status()
    }

    /// A signed text message from `customer` to the business number `business`.
    pub async fn text_to(
        &self,
        sid: &str,
        customer: &str,
        business: &str,
        body: &str,
    ) -> StatusCode {
        let mut params = inbound_params(sid, customer, body);
        for (name, value) in &mut params {
            if name == "To" {
                *value = business.to_owned();
            }
        }
        let request = signed_request(&self.config, "/twilio/inbound", &params);
        self.call(request).await.status()
    }
}

/// Six agent texts of about a megabyte each in conversation `id`, from `after_ms` on: its export
/// passes the 5 MiB a response may carry.
pub async fn grow_past_the_export_limit(store: &dyn ChannelStore, id: &str, after_ms: i64) {
    for i in 0..6 {
        let record: whatsapp_channel::ports::MessageRecord =
            serde_json::from_value(serde_json::json!({
                "id": whatsapp_channel::testing::new_sid(),
                "conversation_id": id,
                "direction": "outbound",
                "status": "delivered",
                "created_at": after_ms + 1 + i,
                "agent_id": "alice",
                "body": "word ".repeat(200_000),
            }))
            .unwrap();
        store.put_message(&record).await.unwrap();
    }
}

/// Every `.rs` file under `dir`, recursively (a module may be a folder), in path order: for the
/// tests that read the adapters' and functions' sources.
pub fn rust_sources(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
