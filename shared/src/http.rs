//! The HTTP edge shared by the functions: JSON bodies, the caller's identity, and the one place
//! where the use cases' refusals and outcomes become status codes and error bodies
//! ([`ApiError`], [`reply_response`]).

use lambda_http::http::{StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::app::agents::{InvalidContact, InvalidPresence};
use crate::app::reply::{
    InvalidReply, ReplyOutcome, ReplyRefused, WINDOW_EXPIRED_MESSAGE, expired_at_text,
};
use crate::domain::AgentId;
use crate::ports::{StoreError, StoredResponse};

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

/// A refusal or failure as its HTTP answer: `{"error": code, "message": …, extra fields…}`.
/// Handlers return it with `?`; the `From` impls below are the one mapping of each use case's
/// refusals to status codes.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Further fields of the body, after `error` and `message`.
    pub extra: Vec<(&'static str, Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    /// The same error with one more body field.
    pub fn with(mut self, name: &'static str, value: impl Serialize) -> Self {
        self.extra
            .push((name, serde_json::to_value(value).unwrap_or_default()));
        self
    }

    pub fn not_found(message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn no_route() -> Self {
        Self::not_found("No such route.")
    }

    pub fn method_not_allowed(message: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            message,
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "The request carries no agent identity.",
        )
    }

    /// The body's JSON value.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("error".into(), self.code.into());
        body.insert("message".into(), self.message.clone().into());
        for (name, value) in &self.extra {
            body.insert((*name).into(), value.clone());
        }
        Value::Object(body)
    }
}

impl From<ApiError> for Response<Body> {
    fn from(e: ApiError) -> Self {
        json(e.status, &e.body())
    }
}

/// The store did not answer: 503, try again.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %crate::logging::chain(&e), "store request failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "The conversation store did not answer; try again.",
        )
    }
}

impl From<InvalidReply> for ApiError {
    fn from(e: InvalidReply) -> Self {
        match e {
            InvalidReply::Malformed(reason) => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("The body is not a JSON reply: {reason}"),
            ),
            InvalidReply::Unsendable(reason) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_reply", reason)
            }
        }
    }
}

impl From<ReplyRefused> for ApiError {
    fn from(reason: ReplyRefused) -> Self {
        let message = reason.to_string();
        match reason {
            ReplyRefused::NotFound => Self::not_found(&message),
            ReplyRefused::NotAccepted => Self::new(
                StatusCode::CONFLICT,
                "not_accepted",
                "Accept the conversation before replying.",
            ),
            ReplyRefused::NotAssigned => Self::new(
                StatusCode::FORBIDDEN,
                "not_assigned",
                "Another agent is assigned to this conversation.",
            ),
            ReplyRefused::Closed => Self::conversation_closed(),
            ReplyRefused::WindowExpired { expired_at, .. } => Self::new(
                StatusCode::CONFLICT,
                "window_expired",
                WINDOW_EXPIRED_MESSAGE,
            )
            .with("window_expired_at", expired_at_text(expired_at)),
            ReplyRefused::KeyReused => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            ),
            ReplyRefused::InProgress => Self::new(
                StatusCode::CONFLICT,
                "request_in_progress",
                "A request with this Idempotency-Key is still being sent; retry shortly.",
            ),
            ReplyRefused::Store(e) => e.into(),
        }
    }
}

impl ApiError {
    pub fn conversation_closed() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "conversation_closed",
            "The conversation is closed.",
        )
    }
}

impl From<InvalidPresence> for ApiError {
    fn from(e: InvalidPresence) -> Self {
        match e {
            InvalidPresence::Malformed => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "Send {\"status\": \"available\"|\"busy\"|\"do_not_disturb\"|\"away\"|\"offline\"}.",
            ),
            InvalidPresence::UnknownStatus => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_status",
                "status must be one of available, busy, do_not_disturb, away, offline.",
            ),
        }
    }
}

impl From<InvalidContact> for ApiError {
    fn from(e: InvalidContact) -> Self {
        match e {
            InvalidContact::Malformed => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "Send a JSON object with name, contact_id and any summary fields.",
            ),
            InvalidContact::Incomplete => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_contact",
                "name and contact_id are required, non-empty strings.",
            ),
            InvalidContact::Unstorable(reason) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_contact", reason)
            }
            InvalidContact::TooLarge => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "contact_too_large",
                "A contact's name is at most 200 characters, its contact_id 128, and its other fields 4 KB of JSON.",
            ),
        }
    }
}

/// A reply's outcome as send-reply's answer, which its idempotency key keeps for retries.
pub fn reply_response(outcome: &ReplyOutcome) -> StoredResponse {
    let (status, body) = match outcome {
        ReplyOutcome::Sent(message) => (
            StatusCode::CREATED,
            serde_json::to_value(message).unwrap_or_default(),
        ),
        ReplyOutcome::Rejected {
            twilio_status,
            code,
            message,
            about_recipient,
            message_id,
        } => (
            if *about_recipient {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::BAD_GATEWAY
            },
            json!({
                "error": "twilio_rejected",
                "message": format!("Twilio refused the message: {message}"),
                "twilio_code": code,
                "twilio_status": twilio_status,
                "message_id": message_id,
            }),
        ),
        ReplyOutcome::RateLimited { message_id } => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({
                "error": "twilio_rate_limited",
                "message": "Twilio is rate limiting the account; the message was not sent. Try again shortly.",
                "twilio_code": 20429,
                "message_id": message_id,
            }),
        ),
        ReplyOutcome::Unreachable { message_id } => (
            StatusCode::GATEWAY_TIMEOUT,
            json!({
                "error": "twilio_unreachable",
                "message": "Twilio did not answer; the message may have been sent and is not retried.",
                "message_id": message_id,
            }),
        ),
        ReplyOutcome::NotRecorded => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "store_unavailable", "message": "The reply's outcome could not be recorded; check the transcript before sending again."}),
        ),
    };
    StoredResponse {
        status: status.as_u16(),
        body: body.to_string(),
    }
}

impl From<crate::app::deferred::DeferRefused> for ApiError {
    fn from(reason: crate::app::deferred::DeferRefused) -> Self {
        use crate::app::deferred::DeferRefused as R;
        match reason {
            R::NotFound => Self::not_found("No such conversation."),
            R::NoSuchReply => Self::not_found("No such reply in this conversation."),
            R::NotAccepted => Self::new(
                StatusCode::CONFLICT,
                "not_accepted",
                "Accept the conversation before replying.",
            ),
            R::NotAssigned => Self::new(
                StatusCode::FORBIDDEN,
                "not_assigned",
                "Another agent is assigned to this conversation.",
            ),
            R::Closed => Self::conversation_closed(),
            R::WindowOpen => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "window_open",
                "The 24-hour window is open: send the reply now. defer is for a closed window.",
            ),
            R::Template => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_reply",
                "A template can be sent at any time: send it without defer.",
            ),
            R::KeyReused => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            ),
            R::NotDeferred => Self::new(
                StatusCode::CONFLICT,
                "not_deferred",
                "This reply is no longer deferred: it was sent, cancelled or expired.",
            ),
            R::Store(e) => e.into(),
        }
    }
}
