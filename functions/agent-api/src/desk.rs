//! The desk's routes around a conversation: its notes and events, transfer, an administrator's
//! close, and quick replies.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use whatsapp_channel::app::desk::conversation_with_desk;
use whatsapp_channel::app::desk::notes::{InvalidNote, NoteAnswer, add_note, parse_note};
use whatsapp_channel::app::desk::quick_replies::{self, InvalidQuickReply};
use whatsapp_channel::app::desk::transfer::{
    Caller, InvalidTransfer, TransferAnswer, parse_transfer, transfer_conversation,
};
use whatsapp_channel::domain::AgentId;
use whatsapp_channel::http::{ApiError, agent_groups, body_bytes, empty, json};

use crate::{AgentApi, Answer, conversation_id, no_conversation};

pub(crate) fn is_admin(state: &AgentApi, request: &Request) -> bool {
    agent_groups(request).contains(&state.admin_group)
}

/// `GET /conversations/{id}`: messages, notes and system events.
pub(crate) async fn get(state: &AgentApi, raw_id: &str) -> Answer {
    let id = conversation_id(raw_id)?;
    let conversation = conversation_with_desk(state.store.as_ref(), state.clock.as_ref(), &id)
        .await?
        .ok_or_else(no_conversation)?;
    Ok(json(StatusCode::OK, &conversation))
}

/// The optional `Idempotency-Key`: 1–255 visible ASCII characters.
pub(crate) fn idempotency_key(request: &Request) -> Result<Option<&str>, ApiError> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1-255 visible ASCII characters.",
            )
        })
}

/// `POST /conversations/{id}/notes` `{"body"}`: any agent; never reaches Twilio.
pub(crate) async fn note(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    let key = idempotency_key(request)?;
    let body = parse_note(body_bytes(request)).map_err(|e| match e {
        InvalidNote::Malformed => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Send {\"body\": \"the note\"}.",
        ),
        InvalidNote::Blank => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_note",
            "A note must not be blank.",
        ),
        InvalidNote::TooLong => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "note_too_long",
            "A note is at most 4,000 characters.",
        )
        .with(
            "max_chars",
            whatsapp_channel::app::desk::notes::MAX_NOTE_CHARS,
        ),
    })?;
    match add_note(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        agent,
        body,
        key,
    )
    .await?
    {
        NoteAnswer::Added(note, true) => Ok(json(StatusCode::CREATED, &note)),
        NoteAnswer::Added(note, false) => Ok(json(StatusCode::OK, &note)),
        NoteAnswer::NotFound => Err(no_conversation()),
    }
}

/// `POST /conversations/{id}/transfer` `{"agent_id"}`: the assigned agent or an administrator.
pub(crate) async fn transfer(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    let target = parse_transfer(body_bytes(request)).map_err(|e| match e {
        InvalidTransfer::Malformed => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Send {\"agent_id\": \"the agent to hand the conversation to\"}.",
        ),
        InvalidTransfer::BadAgent => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_agent",
            "agent_id must be an agent id (1-128 characters, no '#').",
        ),
    })?;
    let caller = Caller {
        agent: agent.clone(),
        admin: is_admin(state, request),
    };
    match transfer_conversation(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        &caller,
        &target,
    )
    .await?
    {
        TransferAnswer::Done(view) => {
            tracing::info!(conversation_id = %id, agent_id = %agent, to = %target.as_str(), "conversation transferred");
            Ok(json(StatusCode::OK, &view))
        }
        TransferAnswer::Forbidden => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Only the assigned agent or an administrator may transfer this conversation.",
        )),
        TransferAnswer::NotAccepted => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_accepted",
            "Nobody has accepted this conversation yet.",
        )),
        TransferAnswer::Closed => Err(ApiError::conversation_closed()),
        TransferAnswer::NotFound => Err(no_conversation()),
    }
}

fn quick_reply_error(e: InvalidQuickReply) -> ApiError {
    match e {
        InvalidQuickReply::BadId => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_id",
            "A quick reply's id is 1-64 letters, digits, '-' or '_'.",
        ),
        InvalidQuickReply::Malformed => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Send {\"title\": \"…\", \"body\": \"…\"}.",
        ),
        InvalidQuickReply::Invalid => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_quick_reply",
            "title must be 1-100 characters and body 1-1,600, neither blank.",
        ),
    }
}

fn admins_only(state: &AgentApi, request: &Request) -> Result<(), ApiError> {
    if is_admin(state, request) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only administrators may change quick replies.",
        ))
    }
}

/// `GET /quick-replies`: every agent.
pub(crate) async fn list_quick_replies(state: &AgentApi) -> Answer {
    let all = quick_replies::list(state.store.as_ref()).await?;
    Ok(json(StatusCode::OK, &json!({ "quick_replies": all })))
}

/// `PUT /quick-replies/{id}` `{"title", "body"}`: administrators.
pub(crate) async fn put_quick_reply(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    admins_only(state, request)?;
    let id = quick_replies::parse_id(raw_id).map_err(quick_reply_error)?;
    let content =
        quick_replies::parse_quick_reply(body_bytes(request)).map_err(quick_reply_error)?;
    let (reply, new) = quick_replies::put(
        state.store.as_ref(),
        state.clock.as_ref(),
        id,
        content,
        agent,
    )
    .await?;
    let status = whatsapp_channel::http::created_or_ok(new);
    Ok(json(status, &reply))
}

/// `DELETE /quick-replies/{id}`: administrators; 204 also when it was already gone (a retry).
pub(crate) async fn delete_quick_reply(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
) -> Answer {
    admins_only(state, request)?;
    let id = quick_replies::parse_id(raw_id).map_err(quick_reply_error)?;
    state.store.delete_quick_reply(&id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /conversations/{id}/close` by an administrator whom the assigned agent's rule refused:
/// a request nobody accepted, or a conversation another agent holds.
pub(crate) async fn close_as_admin(state: &AgentApi, raw_id: &str, admin: &AgentId) -> Answer {
    let id = conversation_id(raw_id)?;
    let view = whatsapp_channel::app::desk::close::close_as_admin(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        admin,
    )
    .await?
    .ok_or_else(no_conversation)?;
    tracing::info!(conversation_id = %id, agent_id = %admin, "conversation closed by an administrator");
    hold_for_wrap_up(state, &id).await?;
    Ok(json(StatusCode::OK, &view))
}

/// Right after a close: the agent's wrap-up hold (`WRAP_UP_SECONDS`), so routing offers them
/// nothing new in the moment before the stream brings the close to notify-agent.
pub(crate) async fn hold_for_wrap_up(
    state: &AgentApi,
    id: &whatsapp_channel::domain::ConversationId,
) -> Result<(), ApiError> {
    whatsapp_channel::app::outcomes::hold_for_wrap_up(state.store.as_ref(), id, state.wrap_up)
        .await?;
    Ok(())
}
