//! [`ApiError`]: a refusal or failure as its HTTP answer, and the store's failure as 503.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use super::response::json;
use crate::ports::StoreError;

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

    pub fn conversation_closed() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "conversation_closed",
            "The conversation is closed.",
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
