//! Media routes: `GET /conversations/{conversationId}/messages/{messageId}/media/{index}` (an
//! inbound attachment, through us), `POST /conversations/{conversationId}/media` (an agent's
//! attachment for a reply) and `GET`/`HEAD /media/{key+}` (that attachment's public address,
//! which Twilio fetches: it sends HEAD and GET, and an S3 URL presigned for GET answers 403 to
//! HEAD).

use std::sync::Arc;

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use whatsapp_channel::app::media::{
    InboundFile, MediaRefused, UploadRefused, open_inbound_media, shared_upload, upload_media,
};
use whatsapp_channel::domain::{
    AD_MEDIA, ConversationId, MAX_INBOUND_MEDIA_BYTES, MAX_UPLOAD_BYTES, MessageSid, UPLOAD_TYPES,
    export_time,
};
use whatsapp_channel::http::{ApiError, agent_id, json, path_segments};
use whatsapp_channel::ports::{
    FetchError, MediaAccess, MediaFetcher, MediaFile, MediaStore, OPEN_LINK_VALIDITY,
};

use crate::{AgentApi, Answer};

/// Where media are kept and how inbound attachments are fetched from Twilio.
pub struct MediaSide {
    pub store: Arc<dyn MediaStore>,
    pub fetcher: Arc<dyn MediaFetcher>,
    /// The API as Twilio reaches it, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`.
    pub public_url: String,
}

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "media_unavailable",
        "Media are not configured (MEDIA_BUCKET and the Twilio account).",
    )
}

pub(crate) fn store_unavailable(e: &dyn std::error::Error) -> ApiError {
    tracing::error!(error = %e, "media store request failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "media_store_unavailable",
        "The media store did not answer; try again.",
    )
}

/// `POST /conversations/{conversationId}/media`, taking the request (and its body) by value.
pub fn is_upload(request: &Request) -> bool {
    request.method() == Method::POST
        && matches!(
            path_segments(request).as_slice(),
            [c, _, m] if c == "conversations" && m == "media"
        )
}

/// A file as the answer: the bytes locally, a redirect to a short-lived copy in AWS.
pub fn media_response(access: MediaAccess) -> Response<Body> {
    let mut response = match access {
        MediaAccess::Redirect(url) => {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = StatusCode::FOUND;
            if let Ok(value) = url.parse() {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        MediaAccess::Bytes(MediaFile {
            content_type,
            bytes,
        }) => {
            let mut response = Response::new(Body::Binary(bytes));
            if let Ok(value) = content_type.parse() {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
        }
    };
    let headers = response.headers_mut();
    // The address behind a redirect expires, and a customer's file is nobody else's.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // A customer's file served from our origin must never run as a page of ours.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn refused(e: MediaRefused) -> ApiError {
    match e {
        MediaRefused::NotFound(message) => ApiError::not_found(message),
        MediaRefused::Fetch(FetchError::NotTwilio) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "media_url_not_twilio",
            "The attachment's address is not on Twilio's API origin, so it is not fetched.",
        ),
        MediaRefused::Fetch(FetchError::Refused { status }) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "twilio_media_refused",
            format!("Twilio refused the attachment (HTTP {status})."),
        )
        .with("twilio_status", status),
        MediaRefused::Fetch(FetchError::Unreachable(reason)) => {
            tracing::warn!(reason, "Twilio media unreachable");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "twilio_media_unreachable",
                "Twilio did not deliver the attachment; try again.",
            )
        }
        MediaRefused::Fetch(FetchError::TooLarge { limit }) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "media_too_large",
            "The attachment is larger than WhatsApp allows.",
        )
        .with("max_bytes", limit.min(MAX_INBOUND_MEDIA_BYTES)),
        MediaRefused::Store(e) => e.into(),
        MediaRefused::Media(e) => store_unavailable(&e),
    }
}

/// Whether the caller asked for the address rather than a redirect (`Accept: application/json`):
/// the console then loads the short-lived address itself, with no credentials and no CORS.
fn wants_address(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.trim().starts_with("application/json"))
}

/// `GET /conversations/{conversationId}/messages/{messageId}/media/{index}`.
pub async fn open(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    raw_message: &str,
    raw_index: &str,
) -> Answer {
    let media = state.media.as_ref().ok_or_else(unavailable)?;
    let no_media = || ApiError::not_found("No such attachment.");
    let id = ConversationId::parse(raw_id).map_err(|_| no_media())?;
    let message = MessageSid::parse(raw_message).map_err(|_| no_media())?;
    let which = if raw_index == AD_MEDIA {
        InboundFile::AdMedia
    } else {
        raw_index
            .parse::<usize>()
            .ok()
            .filter(|i| *i < 10)
            .map(InboundFile::Attachment)
            .ok_or_else(no_media)?
    };
    let access = open_inbound_media(
        state.store.as_ref(),
        media.store.as_ref(),
        media.fetcher.as_ref(),
        &id,
        &message,
        which,
    )
    .await
    .map_err(refused)?;
    Ok(match access {
        MediaAccess::Redirect(url) if wants_address(request) => {
            let mut response = json(StatusCode::OK, &json!({ "url": url }));
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        access => media_response(access),
    })
}

fn upload_refused(e: UploadRefused) -> ApiError {
    match e {
        UploadRefused::NotFound => ApiError::not_found("No such conversation."),
        UploadRefused::NotAssigned => ApiError::new(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Only the assigned agent may attach files to this conversation.",
        ),
        UploadRefused::UnsupportedType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "WhatsApp does not take this type of file. Send an image (JPEG, PNG), audio, video (MP4, 3GPP), a PDF, an office document or plain text.",
        )
        .with("allowed", UPLOAD_TYPES),
        UploadRefused::Empty => {
            ApiError::new(StatusCode::BAD_REQUEST, "empty_media", "The file is empty.")
        }
        UploadRefused::TooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "media_too_large",
            "An attachment is at most 4 MiB.",
        )
        .with("max_bytes", MAX_UPLOAD_BYTES),
        UploadRefused::Store(e) => e.into(),
        UploadRefused::Media(e) => store_unavailable(&e),
    }
}

/// `POST /conversations/{conversationId}/media`: the raw file, typed by `Content-Type`.
pub async fn upload(state: &AgentApi, request: Request) -> Answer {
    let agent = agent_id(&request).ok_or_else(ApiError::unauthenticated)?;
    let media = state.media.as_ref().ok_or_else(unavailable)?;
    let segments = path_segments(&request);
    let id = segments
        .get(1)
        .and_then(|raw| ConversationId::parse(raw).ok())
        .ok_or_else(|| ApiError::not_found("No such conversation."))?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = match request.into_body() {
        Body::Binary(bytes) => bytes,
        Body::Text(text) => text.into_bytes(),
        _ => Vec::new(),
    };
    let key = upload_media(
        state.store.as_ref(),
        media.store.as_ref(),
        &id,
        &agent,
        content_type.as_deref(),
        bytes,
        state.clock.now(),
    )
    .await
    .map_err(upload_refused)?;
    let url = format!("{}/media/{key}", media.public_url);
    Ok(json(StatusCode::CREATED, &json!({ "media_url": url })))
}

/// `GET`/`HEAD /media/{key+}`: no agent identity, the address itself is the capability.
pub fn is_shared(request: &Request) -> bool {
    (request.method() == Method::GET || request.method() == Method::HEAD)
        && path_segments(request).first().is_some_and(|s| s == "media")
}

/// An export at the address its 303 gave, while that is valid (as long as a presigned GET),
/// from a store that opens files as bytes (local-api's in-memory store): a bucket's exports are
/// only ever reached through their presigned GETs, so nothing of the bucket's is served here.
async fn shared_export(
    store: &dyn MediaStore,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<MediaFile>, whatsapp_channel::ports::MediaStoreError> {
    let Some(made) = export_time(key) else {
        return Ok(None);
    };
    let validity = chrono::TimeDelta::from_std(OPEN_LINK_VALIDITY).unwrap_or_default();
    if now < made || now - made >= validity {
        return Ok(None);
    }
    Ok(match store.open(key).await? {
        Some(MediaAccess::Bytes(file)) => Some(file),
        _ => None,
    })
}

/// An agent's upload at its public address, while that is valid (6 hours); 404 otherwise;
/// or an export kept in a local store ([`shared_export`]).
pub async fn shared(state: &AgentApi, request: &Request) -> Answer {
    let media = state.media.as_ref().ok_or_else(unavailable)?;
    let segments = path_segments(request);
    let key = segments.get(1..).unwrap_or_default().join("/");
    let gone = || ApiError::not_found("No such file, or its address has expired.");
    let file = if key.starts_with("exports/") {
        shared_export(media.store.as_ref(), &key, state.clock.now())
            .await
            .map_err(|e| store_unavailable(&e))?
            .ok_or_else(gone)?
    } else {
        shared_upload(media.store.as_ref(), &key, state.clock.now())
            .await
            .map_err(|e| store_unavailable(&e))?
            .ok_or_else(gone)?
    };
    let mut response = media_response(MediaAccess::Bytes(file));
    if request.method() == Method::HEAD {
        let length = match response.body() {
            Body::Binary(bytes) => bytes.len(),
            _ => 0,
        };
        *response.body_mut() = Body::Empty;
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}
