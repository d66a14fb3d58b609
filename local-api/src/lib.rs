//! local-api: every HTTP route of the channel on one local port, over the very handlers the
//! Lambda functions run. Each HTTP request becomes the API Gateway (HTTP API, payload 2.0) event
//! Lambda would receive, so a handler cannot tell the difference.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use agent_api::AgentApi;
use agent_console::ConsoleConfig;
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
use notify_agent::{Deferred, NotifyAgent};
use send_reply::SendReply;
use tokio::net::TcpListener;
use twilio_stub::TwilioStub;
use webhook_ingest::WebhookIngest;
use whatsapp_channel::adapters::{
    DynamoChannelStore, InMemoryChannelStore, InMemoryMediaStore, SnsAgentNotifier, StdoutNotifier,
    SystemClock, TwilioConfig, TwilioMediaFetcher, TwilioReplySender, dynamodb,
};
use whatsapp_channel::app::live::PushingNotifier;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::config::{self, ConfigError, WebhookConfig};
use whatsapp_channel::domain::{Senders, WhatsAppAddress};
use whatsapp_channel::ports::{AgentNotifier, ChannelStore, Clock, MediaStore, ReplySender};
use window_deadlines::WindowDeadlines;

pub mod live;
pub mod load;
pub mod media;
pub mod openapi;
pub mod send;
pub mod stream;
pub mod twilio_stub;

/// The product's HTTP routes, as template.yaml declares them.
pub const ROUTES: [&str; 25] = [
    "GET /",
    "GET /console/{proxy+}",
    "POST /twilio/inbound",
    "POST /twilio/status",
    "GET /conversations",
    "GET /conversations/{conversationId}",
    "POST /conversations/{conversationId}/accept",
    "POST /conversations/{conversationId}/close",
    "POST /conversations/{conversationId}/messages",
    "DELETE /conversations/{conversationId}/messages/{messageId}",
    "GET /conversations/{conversationId}/messages/{messageId}/media/{index}",
    "POST /conversations/{conversationId}/media",
    "GET /media/{key+}",
    "HEAD /media/{key+}",
    "PUT /agents/{agentId}/presence",
    "PUT /contacts/{address}",
    "GET /agents",
    "POST /conversations/{conversationId}/notes",
    "POST /conversations/{conversationId}/transfer",
    "GET /quick-replies",
    "PUT /quick-replies/{id}",
    "DELETE /quick-replies/{id}",
    "GET /customers/{address}",
    "GET /search",
    "POST /conversations",
];

/// API Gateway's payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Twilio's test credentials for a local run: not a secret, printed at start.
pub const LOCAL_AUTH_TOKEN: &str = "local-auth-token-not-a-secret";
pub const LOCAL_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// Twilio's WhatsApp sandbox number.
pub const LOCAL_WHATSAPP_FROM: &str = "whatsapp:+14155238886";

fn local_sender() -> WhatsAppAddress {
    WhatsAppAddress::parse(LOCAL_WHATSAPP_FROM).expect("the sandbox number is a WhatsApp address")
}

/// The most one `POST /local/clock` moves the clock: 366 days.
pub const MAX_CLOCK_ADVANCE_SECONDS: i64 = 366 * 24 * 3600;

/// The handlers' state, built once, as each function's `main` builds it.
pub struct LocalApi {
    pub webhook: WebhookIngest,
    pub agents: AgentApi,
    pub replies: SendReply,
    /// The agent console, in local sign-in mode.
    pub console: ConsoleConfig,
    /// `GET /ws`: the agents' open live sockets.
    pub live: Arc<live::LiveHub>,
    /// The store behind every route (`GET /ws` records connections in it).
    pub store: Arc<dyn ChannelStore>,
    pub clock: Arc<SystemClock>,
    /// Twilio (or the stub), for deferred replies sent from the stream as in AWS.
    pub sender: Arc<dyn ReplySender>,
    pub reply_settings: ReplySettings,
    /// Wakes the window-warnings run when `POST /local/clock` moves the clock.
    pub deadline_kick: Arc<tokio::sync::Notify>,
    /// Present when no Twilio account is configured: local-api answers for Twilio itself.
    pub twilio_stub: Option<TwilioStub>,
    /// Twilio's media side and this local-api's public URL, kept for [`Self::with_media_store`].
    media_fetcher: Arc<TwilioMediaFetcher>,
    public_url: String,
}

/// Twilio's REST side: a real account from the environment, or the local stub.
pub struct TwilioSide {
    pub config: TwilioConfig,
    /// True when `config` points at local-api's own stub.
    pub stubbed: bool,
}

/// The Twilio account from `TWILIO_ACCOUNT_SID` (+ token, `TWILIO_API_BASE_URL`), or the local
/// stub on this port when no account is configured.
pub fn twilio_side(port: u16, webhook: &WebhookConfig) -> TwilioSide {
    match config::optional("TWILIO_ACCOUNT_SID") {
        Some(account_sid) => TwilioSide {
            config: TwilioConfig {
                api_base_url: config::optional("TWILIO_API_BASE_URL")
                    .unwrap_or_else(|| "https://api.twilio.com".into()),
                account_sid,
                auth_token: webhook.auth_token.clone(),
            },
            stubbed: false,
        },
        None => TwilioSide {
            config: TwilioConfig {
                api_base_url: format!("http://127.0.0.1:{port}{}", twilio_stub::PREFIX),
                account_sid: LOCAL_ACCOUNT_SID.into(),
                auth_token: webhook.auth_token.clone(),
            },
            stubbed: true,
        },
    }
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
pub fn webhook_config(port: u16) -> Result<(WebhookConfig, Vec<String>), ConfigError> {
    let mut defaulted = Vec::new();
    let mut var = |name: &'static str, default: String| {
        config::optional(name).unwrap_or_else(|| {
            defaulted.push(format!("{name}={default}"));
            default
        })
    };
    let mut config = WebhookConfig {
        auth_token: var("TWILIO_AUTH_TOKEN", LOCAL_AUTH_TOKEN.into()),
        inbound_url: var(
            "TWILIO_INBOUND_URL",
            format!("http://127.0.0.1:{port}/twilio/inbound"),
        ),
        status_url: var(
            "TWILIO_STATUS_URL",
            format!("http://127.0.0.1:{port}/twilio/status"),
        ),
        senders: Senders::from(local_sender()),
    };
    match config::senders() {
        Ok(senders) => config.senders = senders,
        Err(ConfigError::Missing(_)) => {
            defaulted.push(format!("WHATSAPP_SENDERS={LOCAL_WHATSAPP_FROM}"))
        }
        Err(e) => return Err(e),
    }
    Ok((config, defaulted))
}

/// The store behind every route, and what its stream comes from.
pub struct Backing {
    pub store: Arc<dyn ChannelStore>,
    embedded: Option<Arc<InMemoryChannelStore>>,
    dynamodb: Option<(aws_config::SdkConfig, String)>,
}

/// Builds the store: the embedded one, or DynamoDB (table created if missing).
pub async fn store(choice: &StoreChoice) -> Result<Backing, lambda_http::Error> {
    Ok(match choice {
        StoreChoice::Embedded => {
            let memory = Arc::new(InMemoryChannelStore::new());
            Backing {
                store: memory.clone(),
                embedded: Some(memory),
                dynamodb: None,
            }
        }
        StoreChoice::DynamoDb { table } => {
            let sdk = config::aws().await;
            let store = DynamoChannelStore::new(dynamodb::client(&sdk), table.clone());
            if store.create_table_if_missing().await? {
                tracing::info!(table, "created the table");
            }
            Backing {
                store: Arc::new(store),
                embedded: None,
                dynamodb: Some((sdk, table.clone())),
            }
        }
    })
}

/// SNS when `AGENT_NOTIFICATIONS_TOPIC_ARN` is set (`AWS_ENDPOINT_URL_SNS` for an emulator),
/// else JSON lines on stdout.
pub async fn notifier() -> Arc<dyn AgentNotifier> {
    match config::optional("AGENT_NOTIFICATIONS_TOPIC_ARN") {
        Some(topic) => {
            let sdk = config::aws().await;
            Arc::new(SnsAgentNotifier::new(SnsAgentNotifier::client(&sdk), topic))
        }
        None => Arc::new(StdoutNotifier::new()),
    }
}

/// Plays the event source mapping: the store's stream into notify-agent's handler, whose
/// notifications go to `notifier` and to the agents' live sockets (`GET /ws`).
pub async fn start_notifications(
    backing: &Backing,
    notifier: Arc<dyn AgentNotifier>,
    api: &LocalApi,
) -> Result<(), lambda_http::Error> {
    let notifier: Arc<dyn AgentNotifier> = Arc::new(PushingNotifier {
        inner: notifier,
        connections: backing.store.clone(),
        poster: api.live.clone(),
    });
    let warnings = config::window_warnings()?;
    let state = Arc::new(
        NotifyAgent::new(backing.store.clone(), notifier.clone(), api.clock.clone())
            .with_warnings(warnings.clone())
            .with_deferred(Deferred {
                sender: api.sender.clone(),
                settings: api.reply_settings.clone(),
                max_wait: config::deferred_max_wait()?,
            }),
    );
    if let Some(memory) = &backing.embedded {
        stream::spawn_embedded(memory.clone(), state, api.clock.clone());
    } else if let Some((sdk, table)) = &backing.dynamodb {
        stream::spawn_dynamodb(sdk, table, state).await?;
    }
    let deadlines =
        WindowDeadlines::new(backing.store.clone(), notifier, api.clock.clone(), warnings);
    tokio::spawn(run_deadlines(deadlines, api.deadline_kick.clone()));
    Ok(())
}

/// Plays the every-minute schedule on local-api's own clock: every few seconds, and at once
/// after `POST /local/clock` moves the clock.
async fn run_deadlines(deadlines: WindowDeadlines, kick: Arc<tokio::sync::Notify>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = kick.notified() => {}
        }
        // Errors are logged by the handler; the next run catches up.
        let _ = window_deadlines::run_once(&deadlines).await;
    }
}

impl LocalApi {
    pub fn new(
        webhook: &WebhookConfig,
        twilio: &TwilioSide,
        store: Arc<dyn ChannelStore>,
        clock: Arc<SystemClock>,
    ) -> Result<Self, lambda_http::Error> {
        let sessions: Arc<dyn ChannelStore> = store.clone();
        let as_clock: Arc<dyn Clock> = clock.clone();
        let sender: Arc<dyn ReplySender> = Arc::new(TwilioReplySender::new(twilio.config.clone())?);
        let media_fetcher = Arc::new(TwilioMediaFetcher::new(&twilio.config)?);
        let public_url = media::public_url(&webhook.inbound_url);
        let local_media: Arc<dyn MediaStore> = Arc::new(InMemoryMediaStore::new());
        let settings = ReplySettings {
            status_callback: webhook.status_url.clone(),
        };
        let admin_group = config::optional("ADMIN_GROUP")
            .unwrap_or_else(|| whatsapp_channel::http::DEFAULT_ADMIN_GROUP.into());
        Ok(Self {
            webhook: WebhookIngest::new(webhook, sessions.clone(), as_clock.clone()),
            agents: AgentApi::new(store.clone(), as_clock.clone())
                .with_admin_group(admin_group.clone())
                .with_media(local_media, media_fetcher.clone(), public_url.clone())
                .with_sender(sender.clone(), settings.clone(), webhook.senders.clone()),
            replies: SendReply::new(store.clone(), sender.clone(), as_clock, settings.clone())
                .with_admin_group(admin_group),
            sender,
            reply_settings: settings,
            console: ConsoleConfig::Local,
            live: live::LiveHub::new(),
            store,
            clock,
            deadline_kick: Arc::new(tokio::sync::Notify::new()),
            twilio_stub: twilio.stubbed.then(|| TwilioStub {
                account_sid: twilio.config.account_sid.clone(),
                auth_token: twilio.config.auth_token.clone(),
            }),
            media_fetcher,
            public_url,
        })
    }

    /// Media in a bucket (`MEDIA_BUCKET`) instead of this process's memory.
    pub fn with_media_store(mut self, store: Arc<dyn MediaStore>) -> Self {
        self.agents =
            self.agents
                .with_media(store, self.media_fetcher.clone(), self.public_url.clone());
        self
    }

    /// `POST /local/clock` `{"advance_seconds": N}`: moves this process's clock forward, to see
    /// a window close without waiting a day. Local only; no Lambda has it.
    fn advance_clock(&self, body: &[u8]) -> lambda_http::Response<Body> {
        use lambda_http::http::StatusCode;
        let seconds = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["advance_seconds"].as_i64())
            .filter(|s| (0..=MAX_CLOCK_ADVANCE_SECONDS).contains(s));
        let Some(seconds) = seconds else {
            return whatsapp_channel::http::error(
                StatusCode::BAD_REQUEST,
                "invalid_clock",
                "Send {\"advance_seconds\": N} with N from 0 to 31622400 (366 days).",
            );
        };
        self.clock.advance(chrono::TimeDelta::seconds(seconds));
        self.deadline_kick.notify_one();
        let now = whatsapp_channel::ports::Clock::now(self.clock.as_ref());
        whatsapp_channel::http::json(
            StatusCode::OK,
            &serde_json::json!({ "now": now.to_rfc3339() }),
        )
    }

    /// One request through the handler that owns its route.
    pub async fn dispatch(&self, request: Request) -> lambda_http::Response<Body> {
        let path = request.uri().path().to_owned();
        if path == "/local/clock" && request.method() == lambda_http::http::Method::POST {
            return self.advance_clock(whatsapp_channel::http::body_bytes(&request));
        }
        // The API's contract (local-api only, like /local/clock): no Lambda serves it.
        if path == "/openapi.json" && request.method() == lambda_http::http::Method::GET {
            return whatsapp_channel::http::json(
                lambda_http::http::StatusCode::OK,
                &openapi::document(),
            );
        }
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        if path.starts_with(twilio_stub::CDN_PREFIX) {
            return twilio_stub::cdn_file(header("authorization"));
        }
        if let Some(stub) = &self.twilio_stub
            && path.starts_with(twilio_stub::PREFIX)
            && request.method() == lambda_http::http::Method::GET
        {
            let authorization = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            return stub.media(&path, authorization, header("host"));
        }
        if let Some(stub) = &self.twilio_stub
            && path.starts_with(twilio_stub::PREFIX)
        {
            let authorization = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            return stub.create_message(
                &path,
                authorization,
                whatsapp_channel::http::body_bytes(&request),
            );
        }
        if is_console_path(&path) {
            return agent_console::function_handler(&self.console, &request);
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let result = if path.starts_with("/twilio/") {
            webhook_ingest::function_handler(&self.webhook, request).await
        } else if matches!(
            segments.as_slice(),
            ["conversations", _, "messages"] | ["conversations", _, "messages", _]
        ) {
            send_reply::function_handler(&self.replies, request).await
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

/// `GET /` and `GET /console/…`: the agent console, served without an agent identity (the page
/// is public; every API call it makes carries one).
fn is_console_path(path: &str) -> bool {
    path == "/" || path == "/console" || path.starts_with("/console/")
}

/// The API Gateway event for an HTTP request. `X-Agent-Id` becomes the JWT authorizer's `sub`
/// claim and `X-Agent-Groups` (comma-separated) its `cognito:groups` claim, in the form the HTTP
/// API's authorizer gives a list claim (`[admins ops]`); neither is passed on as a header.
pub fn to_lambda_request(parts: hyper::http::request::Parts, body: &[u8]) -> Request {
    let mut headers = parts.headers;
    let mut take = |name: &str| {
        headers
            .remove(name)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .filter(|v| !v.trim().is_empty())
    };
    let agent = take("x-agent-id");
    let groups = take("x-agent-groups").map(|raw| {
        let names: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .collect();
        format!("[{}]", names.join(" "))
    });

    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some("$default".into());
    context.stage = Some("$default".into());
    context.http.method = parts.method.clone();
    context.http.path = Some(parts.uri.path().to_owned());
    if let Some(agent) = agent {
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims.insert("sub".into(), agent);
        if let Some(groups) = groups {
            jwt.claims.insert("cognito:groups".into(), groups);
        }
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
    if request.uri().path() == "/ws" && request.method() == hyper::Method::GET {
        let live = live::Live {
            hub: api.live.clone(),
            connections: api.store.clone(),
            clock: api.clock.clone(),
        };
        return Ok(live::upgrade(live, request));
    }
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
    let mut response = api.dispatch(to_lambda_request(parts, &bytes)).await;
    tracing::info!(%method, path, status = response.status().as_u16(), "request");
    // The Date header tells the console the server's time; locally that is this process's
    // clock, which `POST /local/clock` moves, so the console's countdown follows it.
    let now = whatsapp_channel::ports::Clock::now(api.clock.as_ref());
    if let Ok(date) = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string().parse() {
        response
            .headers_mut()
            .insert(lambda_http::http::header::DATE, date);
    }
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
                .with_upgrades()
                .await
            {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
}
