//! A small HTTP proxy in front of DynamoDB Local that answers chosen operations with the errors
//! DynamoDB gives under faults (throttling, internal errors), and forwards everything else.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use whatsapp_channel::adapters::DynamoChannelStore;

use crate::helpers::dynamodb_endpoint;

/// What DynamoDB answers instead of doing the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 400 `ProvisionedThroughputExceededException`: the SDK retries it.
    Throttle,
    /// 500 `InternalServerError`: the SDK retries it too, then gives up.
    ServerError,
}

#[derive(Debug)]
struct Rule {
    operation: &'static str,
    fault: Fault,
    remaining: usize,
}

/// The proxy's rules, shared with the test that sets them.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<Rule>>>,
    injected: Arc<Mutex<Vec<String>>>,
}

impl Faults {
    /// The next `times` requests of `operation` (`PutItem`, `UpdateItem`, …) get `fault`.
    pub fn fail(&self, operation: &'static str, fault: Fault, times: usize) {
        self.rules.lock().unwrap().push(Rule {
            operation,
            fault,
            remaining: times,
        });
    }

    /// Every rule removed: DynamoDB is healthy again.
    pub fn heal(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// The operations answered with a fault so far.
    pub fn injected(&self) -> Vec<String> {
        self.injected.lock().unwrap().clone()
    }

    fn take(&self, operation: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules
            .iter_mut()
            .find(|r| r.operation == operation && r.remaining > 0)?;
        rule.remaining -= 1;
        self.injected.lock().unwrap().push(operation.to_owned());
        Some(rule.fault)
    }
}

fn fault_response(fault: Fault) -> Response<Full<Bytes>> {
    let (status, kind, message) = match fault {
        Fault::Throttle => (
            400,
            "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded.",
        ),
        Fault::ServerError => (500, "InternalServerError", "Internal server error"),
    };
    let body = serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
        "message": message,
    });
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

async fn forward(
    request: Request<Incoming>,
    upstream: Arc<str>,
    http: reqwest::Client,
    faults: Faults,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("DynamoDB_20120810.")
        .to_owned();
    if let Some(fault) = faults.take(&operation) {
        return Ok(fault_response(fault));
    }
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut outbound = http.request(parts.method, format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            outbound = outbound.header(name, value);
        }
    }
    let answer = match outbound.body(body).send().await {
        Ok(answer) => answer,
        Err(e) => {
            return Ok(Response::builder()
                .status(502)
                .body(Full::new(Bytes::from(e.to_string())))
                .unwrap());
        }
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    Ok(response.body(Full::new(bytes)).unwrap())
}

/// Starts the proxy on a loopback port; it runs until the test's runtime ends.
pub async fn start(faults: Faults) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream: Arc<str> = dynamodb_endpoint().trim_end_matches('/').into();
    let http = reqwest::Client::new();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (upstream, http, faults) = (upstream.clone(), http.clone(), faults.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    forward(request, upstream.clone(), http.clone(), faults.clone())
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A store on a fresh DynamoDB Local table, reached through a fault proxy. The SDK keeps its
/// standard retry mode (3 attempts), with short back-offs so that the tests stay quick.
pub struct FaultyDynamo {
    pub store: Arc<DynamoChannelStore>,
    pub faults: Faults,
}

pub async fn faulty_dynamo() -> FaultyDynamo {
    let faults = Faults::default();
    let addr = start(faults.clone()).await;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(format!("http://{addr}"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .load()
        .await;
    let client = Client::new(&sdk);
    let table = format!("faults-{}", uuid::Uuid::now_v7().simple());
    let store = DynamoChannelStore::new(client, table);
    assert!(store.create_table_if_missing().await.unwrap());
    FaultyDynamo {
        store: Arc::new(store),
        faults,
    }
}
