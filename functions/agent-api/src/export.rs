//! `GET /conversations/{id}/export?format=json|html`: the whole conversation for the record,
//! for its assigned agent or an administrator. JSON as a download; HTML as a printable page that
//! runs nothing and loads nothing.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use whatsapp_channel::app::export::{self as transcript, to_html, to_json};
use whatsapp_channel::domain::AgentId;
use whatsapp_channel::http::{ApiError, with_body};

use crate::{AgentApi, Answer, conversation_id, no_conversation};

/// What `?format=` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Html,
}

impl Format {
    fn of(request: &Request) -> Result<Self, ApiError> {
        match request
            .query_string_parameters_ref()
            .and_then(|q| q.first("format"))
        {
            None => Ok(Self::Json),
            Some(f) if f.eq_ignore_ascii_case("json") => Ok(Self::Json),
            Some(f) if f.eq_ignore_ascii_case("html") => Ok(Self::Html),
            Some(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_format",
                "format must be json or html.",
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Html => "html",
        }
    }
}

/// The largest export body answered: a Lambda function's response carries at most 6 MB
/// (6,291,456 bytes) with its headers and the body escaped into API Gateway's JSON envelope, so
/// this leaves room for both.
pub const MAX_EXPORT_BYTES: usize = 5 * 1024 * 1024;

/// An export over [`MAX_EXPORT_BYTES`]: a clear refusal rather than the opaque 502 API Gateway
/// would answer for a response Lambda cannot return.
fn too_large(bytes: usize, format: Format) -> ApiError {
    let other = match format {
        Format::Json => "",
        Format::Html => " The JSON export is smaller; try format=json.",
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "export_too_large",
        format!(
            "This export would be {:.1} MB, over the {} MB a response may carry.{other}",
            bytes as f64 / 1_048_576.0,
            MAX_EXPORT_BYTES / 1_048_576
        ),
    )
}

/// `GET /conversations/{id}/export`: the assigned agent or an administrator; 403 `not_assigned`
/// for anyone else.
pub(crate) async fn export(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    let format = Format::of(request)?;
    let id = conversation_id(raw_id)?;
    let mut export = transcript::export(state.store.as_ref(), state.clock.as_ref(), &id)
        .await?
        .ok_or_else(no_conversation)?;
    let assigned =
        export.conversation.conversation.assigned_agent.as_deref() == Some(agent.as_str());
    if !assigned && !crate::desk::is_admin(state, request) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Only the assigned agent or an administrator may export this conversation.",
        ));
    }
    if let Some(origin) = origin(request) {
        export.link_from(&origin);
    }
    tracing::info!(conversation_id = %id, agent_id = %agent, format = format.as_str(), "conversation exported");
    let mut response = match format {
        Format::Json => {
            let body = to_json(&export).to_string();
            if body.len() > MAX_EXPORT_BYTES {
                return Err(too_large(body.len(), format));
            }
            let mut response = with_body(StatusCode::OK, "application/json", body);
            disposition(&mut response, "attachment", &id, "json");
            response
        }
        Format::Html => {
            let page = to_html(&export);
            if page.len() > MAX_EXPORT_BYTES {
                return Err(too_large(page.len(), format));
            }
            let mut response = with_body(StatusCode::OK, "text/html; charset=utf-8", page);
            disposition(&mut response, "inline", &id, "html");
            let headers = response.headers_mut();
            // The page has inline style only: nothing may run, and nothing is fetched but our own.
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
                ),
            );
            response
        }
    };
    let headers = response.headers_mut();
    // A transcript is the customer's words: nobody else's cache keeps it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// `Content-Disposition: {kind}; filename="conversation-{id}.{extension}"` (the id is a UUID).
fn disposition(
    response: &mut Response<Body>,
    kind: &str,
    id: &whatsapp_channel::domain::ConversationId,
    extension: &str,
) {
    let value = format!(
        "{kind}; filename=\"conversation-{}.{extension}\"",
        id.as_str()
    );
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
}

/// The API's origin as the caller reached it (`https://{Host}`, with a named stage's prefix),
/// for absolute attachment links; `None` without a plausible `Host`, and links stay relative.
pub(crate) fn origin(request: &Request) -> Option<String> {
    let host = request.headers().get(header::HOST)?.to_str().ok()?.trim();
    let plausible = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !plausible {
        return None;
    }
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    let loopback = matches!(name, "localhost" | "127.0.0.1" | "[::1]");
    let scheme = request
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|p| matches!(*p, "http" | "https"))
        .unwrap_or(if loopback { "http" } else { "https" });
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .stage
            .as_deref()
            .filter(|s| *s != "$default" && !s.is_empty())
            .filter(|s| {
                s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .map(|s| format!("/{s}"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    Some(format!("{scheme}://{host}{stage}"))
}
