//! What a request says: its body, its path, and who is calling (the HTTP API's JWT authorizer's
//! claims; handlers never read a header for this).

use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use super::error::ApiError;
use crate::domain::AgentId;

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
pub fn agent_id(request: &Request) -> Option<AgentId> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()?
            .claims
            .get("sub")
            .filter(|sub| !sub.is_empty())
            .map(AgentId::from_claim),
        _ => None,
    }
}

/// The group that may change shared data (contacts, later quick replies) when `ADMIN_GROUP` is
/// not set.
pub const DEFAULT_ADMIN_GROUP: &str = "admins";

/// The caller's groups: the JWT's `cognito:groups` claim, which the HTTP API's authorizer hands
/// over as one string, `[admins ops]` (a JSON-looking `["admins","ops"]` is read too).
pub fn agent_groups(request: &Request) -> Vec<String> {
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return Vec::new();
    };
    let Some(raw) = context
        .authorizer
        .as_ref()
        .and_then(|a| a.jwt.as_ref())
        .and_then(|jwt| jwt.claims.get("cognito:groups"))
    else {
        return Vec::new();
    };
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([' ', ','])
        .map(|g| g.trim().trim_matches('"'))
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

/// 403 `forbidden` unless the caller is in `admin_group`.
pub fn require_admin(request: &Request, admin_group: &str) -> Result<(), ApiError> {
    if agent_groups(request).iter().any(|g| g == admin_group) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only administrators may change the customer directory.",
        ))
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
    ApiError::unauthenticated().into()
}

/// The route path's segments, `/conversations/abc/accept` → `["conversations", "abc", "accept"]`.
pub fn path_segments(request: &Request) -> Vec<String> {
    route_path(request)
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}
