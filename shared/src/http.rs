//! The HTTP edge shared by the functions: JSON bodies, error bodies, the caller's identity.

use lambda_http::http::{StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;

/// Every error body: `{"error": "<machine code>", "message": "<human text>"}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub error: &'a str,
    pub message: &'a str,
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(text) => with_body(status, "application/json", text),
        Err(e) => {
            tracing::error!(error = %e, "response did not serialise");
            with_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "application/json",
                r#"{"error":"internal","message":"The response could not be written."}"#.into(),
            )
        }
    }
}

pub fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(
        status,
        &ErrorBody {
            error: code,
            message,
        },
    )
}

pub fn with_body(status: StatusCode, content_type: &str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

pub fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
}

/// The raw request body, whatever form API Gateway delivered it in.
pub fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// The calling agent: the `sub` claim of the HTTP API's JWT authorizer. Handlers never read a
/// header for this; `local-api` fills the same claims from `X-Agent-Id`.
pub fn agent_id(request: &Request) -> Option<String> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()?
            .claims
            .get("sub")
            .filter(|sub| !sub.is_empty())
            .cloned(),
        _ => None,
    }
}

/// The request path without an API Gateway stage prefix, e.g. `/conversations/abc`.
pub fn route_path(request: &Request) -> String {
    let raw = request.raw_http_path();
    let path = if raw.is_empty() {
        request.uri().path()
    } else {
        raw
    };
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => match context.stage.as_deref() {
            Some(stage) if stage != "$default" => path
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(stage))
                .filter(|p| p.starts_with('/'))
                .unwrap_or(path)
                .to_owned(),
            _ => path.to_owned(),
        },
        _ => path.to_owned(),
    }
}

/// 401 for a request without an agent identity (no authorizer claims).
pub fn unauthenticated() -> Response<Body> {
    error(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "The request carries no agent identity.",
    )
}

/// The route path's segments, `/conversations/abc/accept` → `["conversations", "abc", "accept"]`.
pub fn path_segments(request: &Request) -> Vec<String> {
    route_path(request)
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}
