//! local-api: every HTTP route of the channel on one local port, over the very handlers the
//! Lambda functions run. Each HTTP request becomes the API Gateway (HTTP API, payload 2.0) event
//! Lambda would receive, so a handler cannot tell the difference.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use agent_api::AgentApi;
use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
};
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Request};
use tokio::net::TcpListener;
use webhook_ingest::WebhookIngest;
use whatsapp_channel::adapters::{DynamoSessionStore, InMemorySessionStore, SystemClock, dynamodb};
use whatsapp_channel::config::{self, WebhookConfig};
use whatsapp_channel::ports::{Clock, SessionStore};

pub mod send;

/// API Gateway's payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Twilio's test credentials for a local run: not a secret, printed at start.
pub const LOCAL_AUTH_TOKEN: &str = "local-auth-token-not-a-secret";
pub const LOCAL_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// Twilio's WhatsApp sandbox number.
pub const LOCAL_WHATSAPP_FROM: &str = "whatsapp:+14155238886";

/// The handlers' state, built once, as each function's `main` builds it.
pub struct LocalApi {
    pub webhook: WebhookIngest,
    pub agents: AgentApi,
    pub clock: Arc<SystemClock>,
}

/// The store local-api runs on.
pub enum StoreChoice {
    Embedded,
    DynamoDb { table: String },
}

impl StoreChoice {
    pub fn from_env() -> Self {
        match config::optional("TABLE_NAME") {
            Some(table) => Self::DynamoDb { table },
            None => Self::Embedded,
        }
    }
}

/// Twilio settings from the environment, or local defaults for the given port.
pub fn webhook_config(port: u16) -> (WebhookConfig, Vec<String>) {
    let mut defaulted = Vec::new();
    let mut var = |name: &'static str, default: String| {
        config::optional(name).unwrap_or_else(|| {
            defaulted.push(format!("{name}={default}"));
            default
        })
    };
    let config = WebhookConfig {
        auth_token: var("TWILIO_AUTH_TOKEN", LOCAL_AUTH_TOKEN.into()),
        inbound_url: var(
            "TWILIO_INBOUND_URL",
            format!("http://127.0.0.1:{port}/twilio/inbound"),
        ),
        status_url: var(
            "TWILIO_STATUS_URL",
            format!("http://127.0.0.1:{port}/twilio/status"),
        ),
    };
    (config, defaulted)
}

/// Builds the store: the embedded one, or DynamoDB (table created if missing).
pub async fn store(choice: &StoreChoice) -> Result<Arc<dyn SessionStore>, lambda_http::Error> {
    Ok(match choice {
        StoreChoice::Embedded => Arc::new(InMemorySessionStore::new()),
        StoreChoice::DynamoDb { table } => {
            let sdk = config::aws().await;
            let store = DynamoSessionStore::new(dynamodb::client(&sdk), table.clone());
            if store.create_table_if_missing().await? {
                tracing::info!(table, "created the table");
            }
            Arc::new(store)
        }
    })
}

impl LocalApi {
    pub fn new(
        webhook: &WebhookConfig,
        store: Arc<dyn SessionStore>,
        clock: Arc<SystemClock>,
    ) -> Self {
        let as_clock: Arc<dyn Clock> = clock.clone();
        Self {
            webhook: WebhookIngest::new(webhook, store.clone(), as_clock.clone()),
            agents: AgentApi::new(store, as_clock),
            clock,
        }
    }

    /// One request through the handler that owns its route.
    pub async fn dispatch(&self, request: Request) -> lambda_http::Response<Body> {
        let result = if request.uri().path().starts_with("/twilio/") {
            webhook_ingest::function_handler(&self.webhook, request).await
        } else {
            agent_api::function_handler(&self.agents, request).await
        };
        result.unwrap_or_else(|e| {
            tracing::error!(error = %e, "handler failed");
            whatsapp_channel::http::error(
                lambda_http::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The handler failed.",
            )
        })
    }
}

/// The API Gateway event for an HTTP request. `X-Agent-Id` becomes the JWT authorizer's `sub`
/// claim, as the HTTP API's authorizer would set it, and is not passed on as a header.
pub fn to_lambda_request(parts: hyper::http::request::Parts, body: &[u8]) -> Request {
    let mut headers = parts.headers;
    let agent = headers
        .remove("x-agent-id")
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .filter(|v| !v.is_empty());

    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some("$default".into());
    context.stage = Some("$default".into());
    context.http.method = parts.method.clone();
    context.http.path = Some(parts.uri.path().to_owned());
    if let Some(agent) = agent {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims.insert("sub".into(), agent);
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        context.authorizer = Some(authorizer);
    }

    let mut event = ApiGatewayV2httpRequest::default();
    event.version = Some("2.0".into());
    event.route_key = Some("$default".into());
    event.raw_path = Some(parts.uri.path().to_owned());
    event.raw_query_string = Some(parts.uri.query().unwrap_or_default().to_owned());
    event.headers = headers;
    event.request_context = context;
    if !body.is_empty() {
        // HTTP APIs hand form bodies to Lambda base64-encoded.
        event.body = Some(base64::engine::general_purpose::STANDARD.encode(body));
        event.is_base64_encoded = true;
    }
    LambdaRequest::ApiGatewayV2(event).into()
}

fn to_hyper(response: lambda_http::Response<Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

async fn handle(
    api: Arc<LocalApi>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(to_hyper(whatsapp_channel::http::error(
                lambda_http::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The body is larger than API Gateway accepts.",
            )));
        }
    };
    let response = api.dispatch(to_lambda_request(parts, &bytes)).await;
    tracing::info!(%method, path, status = response.status().as_u16(), "request");
    Ok(to_hyper(response))
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    api: Arc<LocalApi>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer): (_, SocketAddr) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = &mut shutdown => return Ok(()),
        };
        let api = api.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(api.clone(), request));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
}
