//! The one mapping of each use case's refusals to status codes and error bodies, and a reply's
//! outcome as send-reply's answer.

use lambda_http::http::StatusCode;
use serde_json::json;

use super::error::ApiError;
use crate::app::agents::{InvalidContact, InvalidPresence};
use crate::app::reply::{
    InvalidReply, ReplyOutcome, ReplyRefused, WINDOW_EXPIRED_MESSAGE, expired_at_text,
};
use crate::ports::StoredResponse;

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

impl From<crate::app::templates::NotApproved> for ApiError {
    fn from(e: crate::app::templates::NotApproved) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "template_not_approved",
            format!(
                "{} is not among this account's approved WhatsApp templates: pick one from GET /templates.",
                e.0
            ),
        )
    }
}

impl From<crate::ports::CatalogError> for ApiError {
    fn from(e: crate::ports::CatalogError) -> Self {
        let code = match &e {
            crate::ports::CatalogError::Rejected { code, .. } => *code,
            crate::ports::CatalogError::Unreachable(_) => None,
        };
        Self::new(
            StatusCode::BAD_GATEWAY,
            "twilio_unavailable",
            format!("The templates could not be read from Twilio: {e}"),
        )
        .with("twilio_code", code)
    }
}

impl From<crate::app::typing::TypingRefusal> for ApiError {
    fn from(refusal: crate::app::typing::TypingRefusal) -> Self {
        use crate::app::typing::TypingRefusal;
        match refusal {
            TypingRefusal::NotFound => Self::not_found("No such conversation."),
            TypingRefusal::NotAssigned => Self::new(
                StatusCode::FORBIDDEN,
                "not_assigned",
                "Only the conversation's assigned agent shows typing and marks messages read.",
            ),
            TypingRefusal::WindowExpired => Self::new(
                StatusCode::CONFLICT,
                "window_expired",
                WINDOW_EXPIRED_MESSAGE,
            ),
            TypingRefusal::NothingToAcknowledge => Self::new(
                StatusCode::CONFLICT,
                "nothing_to_acknowledge",
                "The customer has not written in this conversation: there is no message to mark read.",
            ),
            TypingRefusal::Twilio { code, message, .. } => Self::new(
                StatusCode::BAD_GATEWAY,
                "twilio_refused",
                format!("Twilio did not show the typing indicator: {message}"),
            )
            .with("twilio_code", code),
        }
    }
}
