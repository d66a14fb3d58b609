//! `GET /conversations/{id}/export?format=json|html`: the whole conversation for the record,
//! for its assigned agent or an administrator. JSON as a download; HTML as a printable page that
//! runs nothing and loads nothing.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use whatsapp_channel::app::export::{self as transcript, to_html, to_json};
use whatsapp_channel::domain::{AgentId, export_key};
use whatsapp_channel::http::{ApiError, json, with_body};
use whatsapp_channel::ports::{MediaAccess, MediaFile, OPEN_LINK_VALIDITY};

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

/// The largest export answered in the response, measured as Lambda returns it
/// ([`sent_bytes`]): a function's response carries at most 6 MB (6,291,456 bytes) with its
/// status, headers and JSON envelope, so this leaves a margin of 1 MiB for them. A larger
/// export is stored in the media bucket and answered with a 303 to a short-lived link to it.
pub const MAX_EXPORT_BYTES: usize = 5 * 1024 * 1024;

/// What `body` weighs in the response Lambda returns: text goes into the envelope's `body`
/// string JSON-escaped (a quote or a backslash takes two bytes, a control character up to six),
/// binary base64-encoded (4 bytes for every 3).
pub(crate) fn sent_bytes(body: &Body) -> usize {
    match body {
        Body::Empty => 0,
        Body::Text(text) => text
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
                0..=0x1f => 6,
                _ => 1,
            })
            .sum(),
        Body::Binary(bytes) => bytes.len().div_ceil(3) * 4,
        _ => 0,
    }
}

/// An export over [`MAX_EXPORT_BYTES`] with no media bucket to keep it: a clear refusal rather
/// than the opaque 502 API Gateway would answer for a response Lambda cannot return.
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

/// `response` as it is when Lambda can return it; otherwise its body stored under `key` in the
/// media bucket, downloaded as `filename`, and a 303 to a short-lived link to it with
/// `{"url", "expires_at", "bytes"}`. `refuse` is the answer without a bucket.
pub(crate) async fn answer_or_store(
    state: &AgentApi,
    request: &Request,
    response: Response<Body>,
    key: String,
    filename: &str,
    refuse: impl FnOnce(usize) -> ApiError,
) -> Answer {
    let sent = sent_bytes(response.body());
    if sent <= MAX_EXPORT_BYTES {
        return Ok(response);
    }
    let Some(media) = state.media.as_ref() else {
        return Err(refuse(sent));
    };
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let bytes = match response.into_body() {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    let size = bytes.len();
    let file = MediaFile {
        content_type,
        bytes,
    };
    let unavailable = |e| crate::media::store_unavailable(&e);
    media
        .store
        .put_download(&key, file, filename)
        .await
        .map_err(unavailable)?;
    let url = match media.store.open(&key).await.map_err(unavailable)? {
        Some(MediaAccess::Redirect(url)) => url,
        // The in-memory store (local-api): the file at its address here, `GET /media/{key}`.
        Some(MediaAccess::Bytes(_)) => {
            let base = origin(request).unwrap_or_else(|| media.public_url.clone());
            format!("{base}/media/{key}")
        }
        None => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "media_store_unavailable",
                "The export was stored but cannot be found yet; try again.",
            ));
        }
    };
    let validity = chrono::TimeDelta::from_std(OPEN_LINK_VALIDITY).unwrap_or_default();
    let expires_at =
        (state.clock.now() + validity).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tracing::info!(bytes = size, sent, "export stored for download");
    let mut response = json(
        StatusCode::SEE_OTHER,
        &serde_json::json!({ "url": url, "expires_at": expires_at, "bytes": size }),
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&url) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
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
    let now = state.clock.now();
    let key = export_key(&id, format.as_str(), now);
    let filename = format!("conversation-{}.{}", id.as_str(), format.as_str());
    let mut response = match format {
        Format::Json => {
            let body = to_json(&export).to_string();
            let mut response = with_body(StatusCode::OK, "application/json", body);
            disposition(&mut response, "attachment", &id, "json");
            response
        }
        Format::Html => {
            let page = to_html(&export);
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
    answer_or_store(state, request, response, key, &filename, |sent| {
        too_large(sent, format)
    })
    .await
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
