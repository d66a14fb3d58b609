//! The webhook-ingest Lambda binary itself, as Lambda runs it: a tiny Lambda Runtime API
//! emulator hands it the `events/` requests, the binary stores them on DynamoDB Local, and its
//! stdout is read as CloudWatch would read it: EMF documents and JSON log lines.
//!
//! It lives here rather than in `tests/` because only this package's tests get the freshly
//! built binary (`CARGO_BIN_EXE_webhook-ingest`). Like the integration tests, it fails (never
//! skips) when DynamoDB Local is not running.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::{Credentials, Region};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use whatsapp_channel::adapters::DynamoChannelStore;
use whatsapp_channel::logging::testing::{
    event_params, event_secrets, event_signature, personal_values,
};
use whatsapp_channel::metrics::metric_names;
use whatsapp_channel::testing::{event_text, events_webhook_config};

fn dynamodb_endpoint() -> String {
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

/// A fresh table on DynamoDB Local, as template.yaml and local-api create it.
async fn fresh_table(endpoint: &str) -> String {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(endpoint)
        .load()
        .await;
    let table = format!("runtime-{}", uuid::Uuid::now_v7().simple());
    let store = DynamoChannelStore::new(aws_sdk_dynamodb::Client::new(&sdk), table.clone());
    assert!(store.create_table_if_missing().await.unwrap());
    table
}

/// What the emulator hands out and what it is answered.
#[derive(Default)]
struct Invocations {
    pending: Mutex<VecDeque<(String, String)>>,
}

const PREFIX: &str = "/2018-06-01/runtime";

async fn runtime_api(
    invocations: Arc<Invocations>,
    answers: mpsc::UnboundedSender<(String, String, String)>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .unwrap_or_default();
    if method == Method::GET && path == format!("{PREFIX}/invocation/next") {
        let next = invocations.pending.lock().unwrap().pop_front();
        let Some((id, event)) = next else {
            // No more events: the function waits, as it would between invocations.
            match std::future::pending::<Infallible>().await {}
        };
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        let response = Response::builder()
            .header("Lambda-Runtime-Aws-Request-Id", &id)
            .header("Lambda-Runtime-Deadline-Ms", deadline.to_string())
            .header(
                "Lambda-Runtime-Invoked-Function-Arn",
                "arn:aws:lambda:us-east-1:123456789012:function:webhook-ingest-test",
            )
            .header(
                "Lambda-Runtime-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793",
            )
            .body(Full::new(Bytes::from(event)))
            .unwrap();
        return Ok(response);
    }
    // `…/invocation/{id}/response`, `…/invocation/{id}/error`, `…/init/error`.
    let parts: Vec<&str> = path.trim_start_matches(PREFIX).split('/').collect();
    let (id, kind) = match parts.as_slice() {
        ["", "invocation", id, kind] => ((*id).to_owned(), (*kind).to_owned()),
        ["", "init", "error"] => (String::new(), "init-error".to_owned()),
        _ => (String::new(), format!("unexpected {method} {path}")),
    };
    let _ = answers.send((id, kind, body));
    Ok(Response::builder()
        .status(202)
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap())
}

/// Serves the Runtime API on a free loopback port until the test ends.
async fn start_runtime_api(
    events: Vec<(String, String)>,
) -> (String, mpsc::UnboundedReceiver<(String, String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let invocations = Arc::new(Invocations {
        pending: Mutex::new(events.into()),
    });
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let invocations = invocations.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    runtime_api(invocations.clone(), sender.clone(), request)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (address, receiver)
}

/// Reads a pipe to its end while the process runs, so a full pipe never blocks it.
fn read_all<R>(pipe: Option<R>) -> tokio::task::JoinHandle<String>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text).await;
        }
        text
    })
}

/// `events/webhook-ingest.inbound-text.json` without its signature header.
fn unsigned_event() -> String {
    let mut event: Value =
        serde_json::from_str(&event_text("webhook-ingest.inbound-text")).unwrap();
    event["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-twilio-signature");
    event.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_binary_prints_emf_metrics_and_json_logs_without_personal_data() {
    let endpoint = dynamodb_endpoint();
    let table = fresh_table(&endpoint).await;
    let config = events_webhook_config();
    let events = vec![
        (
            "req-first".to_owned(),
            event_text("webhook-ingest.inbound-text"),
        ),
        (
            "req-retry".to_owned(),
            event_text("webhook-ingest.inbound-text"),
        ),
        (
            "req-bad-signature".to_owned(),
            event_text("webhook-ingest.inbound-bad-signature"),
        ),
        ("req-unsigned".to_owned(), unsigned_event()),
    ];
    let expected = events.len();
    let (runtime_address, mut answers) = start_runtime_api(events).await;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_webhook-ingest"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &runtime_address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "webhook-ingest-test")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/webhook-ingest-test",
        )
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/11/23/[$LATEST]0123456789abcdef",
        )
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
        .env("TABLE_NAME", &table)
        .env("TWILIO_AUTH_TOKEN", &config.auth_token)
        .env("TWILIO_INBOUND_URL", &config.inbound_url)
        .env("TWILIO_STATUS_URL", &config.status_url)
        .env("WHATSAPP_SENDERS", config.senders.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());

    let mut responses = Vec::new();
    while responses.len() < expected {
        match tokio::time::timeout(Duration::from_secs(30), answers.recv()).await {
            Ok(Some(answer)) => responses.push(answer),
            _ => break,
        }
    }
    child.start_kill().unwrap();
    let _ = child.wait().await;
    let stdout = stdout.await.unwrap();
    let stderr = stderr.await.unwrap();
    assert_eq!(
        responses.len(),
        expected,
        "the binary answered {responses:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );

    // Twilio's answers: the message and its retry 200, the forged and unsigned ones 403.
    let statuses: Vec<(String, String, i64)> = responses
        .iter()
        .map(|(id, kind, body)| {
            let body: Value = serde_json::from_str(body).unwrap_or_default();
            (
                id.clone(),
                kind.clone(),
                body["statusCode"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("req-first".into(), "response".into(), 200),
            ("req-retry".into(), "response".into(), 200),
            ("req-bad-signature".into(), "response".into(), 403),
            ("req-unsigned".into(), "response".into(), 403),
        ],
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );

    // Every stdout line is JSON: EMF documents and log events.
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}\n{stdout}"))
        })
        .collect();
    let emf: Vec<&Value> = lines.iter().filter(|l| l.get("_aws").is_some()).collect();
    let with = |name: &str| -> Vec<&Value> {
        emf.iter()
            .copied()
            .filter(|d| metric_names(d).iter().any(|n| n == name))
            .collect()
    };
    for doc in &emf {
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "WhatsAppChannel"
        );
        assert_eq!(doc["Function"], "webhook-ingest-test");
    }
    let inbound = with("InboundMessages");
    assert_eq!(inbound.len(), 1, "{stdout}");
    assert_eq!(inbound[0]["BusinessNumber"], "+14155238886");
    assert_eq!(inbound[0]["InboundMessages"], 1.0);
    assert_eq!(with("DuplicateDeliveries").len(), 1, "{stdout}");
    assert_eq!(with("NewConversations").len(), 1, "{stdout}");
    let signature_failures = with("SignatureFailures");
    assert_eq!(signature_failures.len(), 2, "{stdout}");
    assert_eq!(signature_failures[0]["BusinessNumber"], "+14155238886");
    assert!(signature_failures[1].get("BusinessNumber").is_none());

    // The logs: JSON, at DEBUG, one line per message with the request id, conversation id and
    // message SID; no text, full number, name, token or signature anywhere in the output.
    let logs: Vec<&Value> = lines.iter().filter(|l| l.get("_aws").is_none()).collect();
    assert!(logs.iter().all(|l| l["level"].is_string()), "{stdout}");
    assert!(
        logs.iter().any(|l| l["level"] == "DEBUG"),
        "no DEBUG line: {stdout}"
    );
    let stored = logs
        .iter()
        .find(|l| l["message"] == "inbound message")
        .unwrap_or_else(|| panic!("no inbound message line: {stdout}"));
    assert_eq!(stored["span"]["requestId"], "req-first");
    assert_eq!(stored["message_sid"], "SM0000000000000000000000000000a001");
    assert!(
        stored["conversation_id"]
            .as_str()
            .is_some_and(|c| c.len() == 36)
    );
    let mut forbidden = event_secrets();
    for name in [
        "webhook-ingest.inbound-text",
        "webhook-ingest.inbound-bad-signature",
    ] {
        forbidden.extend(personal_values(&event_params(name)));
        forbidden.extend(event_signature(name));
    }
    assert!(forbidden.contains(&"Hi! Order #1234 – where is it? 😕".to_owned()));
    assert!(forbidden.contains(&config.auth_token));
    for value in &forbidden {
        assert!(
            !stdout.contains(value.as_str()),
            "stdout contains {value:?}:\n{stdout}"
        );
        assert!(
            !stderr.contains(value.as_str()),
            "stderr contains {value:?}:\n{stderr}"
        );
    }
}
