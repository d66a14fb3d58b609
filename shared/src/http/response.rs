//! Responses: JSON bodies, the error body every refusal carries, and empty answers.

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
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

/// A PUT's status: 201 when it made the resource, 200 when it replaced one.
pub fn created_or_ok(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
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
