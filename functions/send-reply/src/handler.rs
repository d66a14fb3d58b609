//! send-reply: an agent's reply to a customer through Twilio.

use std::sync::Arc;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use serde_json::json;
use whatsapp_channel::app::reply::{
    InvalidReply, ReplyRefused, ReplyRequest, ReplySettings, WINDOW_EXPIRED_MESSAGE,
    expired_at_text, parse_reply, send_reply,
};
use whatsapp_channel::domain::ConversationId;
use whatsapp_channel::http::{
    agent_id, body_bytes, error, json, path_segments, unauthenticated, with_body,
};
use whatsapp_channel::ports::{Clock, ReplySender, SessionStore};

/// Everything the handler needs, built once per cold start.
pub struct SendReply {
    store: Arc<dyn SessionStore>,
    sender: Arc<dyn ReplySender>,
    clock: Arc<dyn Clock>,
    settings: ReplySettings,
}

impl SendReply {
    pub fn new(
        store: Arc<dyn SessionStore>,
        sender: Arc<dyn ReplySender>,
        clock: Arc<dyn Clock>,
        settings: ReplySettings,
    ) -> Self {
        Self {
            store,
            sender,
            clock,
            settings,
        }
    }
}

/// An `Idempotency-Key` is at most 255 visible ASCII characters; `Err(())` when it is not.
fn idempotency_key(request: &Request) -> Result<Option<String>, ()> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key)
            if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_owned()))
        }
        _ => Err(()),
    }
}

fn refused(reason: ReplyRefused) -> Response<Body> {
    let message = reason.to_string();
    match reason {
        ReplyRefused::NotFound => error(StatusCode::NOT_FOUND, "not_found", &message),
        ReplyRefused::NotAccepted => error(
            StatusCode::CONFLICT,
            "not_accepted",
            "Accept the conversation before replying.",
        ),
        ReplyRefused::NotAssigned => error(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Another agent is assigned to this conversation.",
        ),
        ReplyRefused::Closed => error(
            StatusCode::CONFLICT,
            "conversation_closed",
            "The conversation is closed.",
        ),
        ReplyRefused::WindowExpired { expired_at } => json(
            StatusCode::CONFLICT,
            &json!({
                "error": "window_expired",
                "message": WINDOW_EXPIRED_MESSAGE,
                "window_expired_at": expired_at_text(expired_at),
            }),
        ),
        ReplyRefused::KeyReused => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request.",
        ),
        ReplyRefused::InProgress => error(
            StatusCode::CONFLICT,
            "request_in_progress",
            "A request with this Idempotency-Key is still being sent; retry shortly.",
        ),
        ReplyRefused::Store(e) => {
            tracing::error!(error = ?e, "store request failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "The conversation store did not answer; try again.",
            )
        }
    }
}

pub async fn function_handler(
    state: &SendReply,
    request: Request,
) -> Result<Response<Body>, Error> {
    let Some(agent) = agent_id(&request) else {
        return Ok(unauthenticated());
    };
    let segments = path_segments(&request);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ["conversations", raw_id, "messages"] = segments.as_slice() else {
        return Ok(error(StatusCode::NOT_FOUND, "not_found", "No such route."));
    };
    if request.method() != Method::POST {
        return Ok(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Replies are POST requests.",
        ));
    }
    let Ok(conversation_id) = ConversationId::parse(raw_id) else {
        return Ok(error(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such conversation.",
        ));
    };
    let idempotency_key = match idempotency_key(&request) {
        Ok(key) => key,
        Err(()) => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            ));
        }
    };
    let content = match parse_reply(body_bytes(&request)) {
        Ok(content) => content,
        Err(InvalidReply::Malformed(reason)) => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &format!("The body is not a JSON reply: {reason}"),
            ));
        }
        Err(InvalidReply::Unsendable(reason)) => {
            return Ok(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_reply",
                reason,
            ));
        }
    };
    let reply = ReplyRequest {
        conversation_id,
        agent,
        idempotency_key,
        content,
    };
    match send_reply(
        state.store.as_ref(),
        state.sender.as_ref(),
        state.clock.as_ref(),
        &state.settings,
        &reply,
    )
    .await
    {
        Ok(answer) => {
            let status =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            tracing::info!(conversation_id = %reply.conversation_id, status = answer.status, "reply");
            Ok(with_body(status, "application/json", answer.body))
        }
        Err(reason) => Ok(refused(reason)),
    }
}
