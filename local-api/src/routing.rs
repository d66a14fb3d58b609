//! Routing of requests: each HTTP request becomes the API Gateway event Lambda would receive,
//! and goes to the handler that owns its route; the answer goes back as HTTP.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

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

use crate::wiring::LocalApi;
use crate::{clock, live, openapi, twilio_stub};

/// API Gateway's payload limit.
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

impl LocalApi {
    /// One request through the handler that owns its route.
    pub async fn dispatch(&self, request: Request) -> lambda_http::Response<Body> {
        let path = request.uri().path().to_owned();
        if path == "/local/clock" && request.method() == lambda_http::http::Method::POST {
            let moved = clock::advance(
                &self.clock,
                &self.deadline_kick,
                whatsapp_channel::http::body_bytes(&request),
            );
            // The routing timers look at the moved clock at once too.
            self.timers.kick.notify_one();
            return moved;
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
        {
            return stub.serve(
                request.method(),
                &path,
                request.uri().query(),
                header("authorization"),
                header("host"),
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
    // A token's `auth_time`: `X-Agent-Auth-Time` (epoch seconds), else this process's start, so
    // that each run of local-api is one sign-in per agent in the audit log.
    let auth_time = take("x-agent-auth-time").unwrap_or_else(|| started().to_string());
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
        jwt.claims.insert("auth_time".into(), auth_time);
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
    let websocket = request.uri().path() == "/ws" && request.method() == hyper::Method::GET;
    let header = |name| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{fffd}"))
    };
    let host = header(hyper::header::HOST).map(str::to_owned);
    let origin = header(hyper::header::ORIGIN);
    if let Err((status, code, message)) = api.guard.check(host.as_deref(), origin, websocket) {
        tracing::warn!(path = request.uri().path(), code, "request refused");
        return Ok(to_hyper(whatsapp_channel::http::error(
            status, code, message,
        )));
    }
    if websocket {
        let live = live::Live {
            hub: api.live.clone(),
            connections: api.store.clone(),
            clock: api.clock.clone(),
            admin_group: api.admin_group.clone(),
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
    clock::stamp_date(&mut response, &api.clock);
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

/// When this process started, in epoch seconds.
fn started() -> i64 {
    static STARTED: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *STARTED.get_or_init(|| chrono::Utc::now().timestamp())
}
