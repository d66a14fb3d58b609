//! The queue and a request's lifecycle: the list (by state, number, tag or record), accept,
//! reject, close, and the supervisors' board.

use lambda_http::http::StatusCode;
use lambda_http::{Request, RequestExt};
use serde_json::json;
use whatsapp_channel::app;
use whatsapp_channel::app::agents::{
    AcceptAnswer, Acceptance, CloseAnswer, accept_conversation, close_conversation,
};
use whatsapp_channel::app::routing::reject::{RejectAnswer, reject_offer};
use whatsapp_channel::domain::outcomes::RecordRef;
use whatsapp_channel::domain::{AgentId, ViewState, WhatsAppAddress};
use whatsapp_channel::http::{ApiError, agent_id, json};
use whatsapp_channel::metrics::Metric;

use crate::desk;
use crate::{AgentApi, Answer, DEFAULT_LIMIT, MAX_LIMIT, conversation_id, no_conversation};

pub(crate) async fn list(state: &AgentApi, request: &Request) -> Answer {
    let query = request.query_string_parameters();
    let wanted = query
        .first("state")
        .map(str::parse::<ViewState>)
        .transpose()
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_state",
                "state must be one of requested, active, closed, expired.",
            )
        })?;
    let limit = match query.first("limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_limit",
                "limit must be a whole number from 1 to 500.",
            ));
        }
    };
    let number = query
        .first("number")
        .map(WhatsAppAddress::parse)
        .transpose()
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_number",
                "number must be a business sender as whatsapp:+E164, URL-encoded.",
            )
        })?;
    let filter = app::ListFilter {
        state: wanted,
        number,
    };
    // `?tag=` and `?record=SYSTEM:ID` read their index entries instead of the queue.
    let found = match (query.first("tag"), query.first("record")) {
        (Some(tag), _) => Some(state.store.tagged(tag, limit).await?),
        (None, Some(record)) => {
            let (system, id) = RecordRef::parse_query(record).map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_record",
                    "record is SYSTEM:ID, e.g. crm:CASE-42.",
                )
            })?;
            Some(state.store.linked(&system, &id, limit).await?)
        }
        (None, None) => None,
    };
    let mut conversations = match found {
        Some(ids) => {
            app::outcomes::find(state.store.as_ref(), state.clock.as_ref(), ids, &filter).await?
        }
        None => {
            app::list_conversations(state.store.as_ref(), state.clock.as_ref(), &filter, limit)
                .await?
        }
    };
    // Offer mode: a waiting request shows only to the agent it is offered to, and to
    // administrators.
    if state.routing.offers() && !desk::is_admin(state, request) {
        let me = agent_id(request);
        conversations.retain(|c| {
            c.state != ViewState::Requested
                || c.offered_to.as_deref() == me.as_ref().map(AgentId::as_str)
        });
    }
    Ok(json(
        StatusCode::OK,
        &json!({ "conversations": conversations }),
    ))
}

pub(crate) async fn accept(
    state: &AgentApi,
    raw_id: &str,
    agent: &AgentId,
    may_pick: bool,
) -> Answer {
    let id = conversation_id(raw_id)?;
    match accept_conversation(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        agent,
        may_pick,
    )
    .await?
    {
        AcceptAnswer::Yours(view, acceptance) => {
            if let Some(Acceptance { business, waited }) = acceptance {
                let waited_ms = waited.num_milliseconds();
                let metrics = &state.metrics;
                metrics.emit(Metric::count("Accepts").business(&business));
                metrics.emit(Metric::millis("TimeToAccept", waited_ms).business(&business));
                tracing::info!(conversation_id = %id, agent_id = %agent, waited_ms, "conversation accepted");
            }
            Ok(json(StatusCode::OK, &view))
        }
        AcceptAnswer::Taken { by } => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_accepted",
            "Another agent accepted this conversation first.",
        )
        .with("assigned_agent", by)),
        AcceptAnswer::NotOffered => Err(not_offered()),
        AcceptAnswer::ConversationClosed => Err(ApiError::conversation_closed()),
        AcceptAnswer::NotFound => Err(no_conversation()),
    }
}

fn not_offered() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "not_offered",
        "This request is not offered to you: it is offered to another agent, or it moved on.",
    )
}

/// `POST /conversations/{id}/reject`: the offered agent passes; 204, and the request goes to
/// the next agent.
pub(crate) async fn reject(state: &AgentApi, raw_id: &str, agent: &AgentId) -> Answer {
    let id = conversation_id(raw_id)?;
    match reject_offer(state.store.as_ref(), &id, agent, state.clock.now()).await? {
        RejectAnswer::Rejected => {
            tracing::info!(conversation_id = %id, agent_id = %agent, "offer rejected");
            Ok(whatsapp_channel::http::empty(StatusCode::NO_CONTENT))
        }
        RejectAnswer::NotOffered => Err(not_offered()),
        RejectAnswer::NotFound => Err(no_conversation()),
    }
}

/// `GET /board`: administrators only.
pub(crate) async fn board(state: &AgentApi, request: &Request) -> Answer {
    if !desk::is_admin(state, request) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only administrators (supervisors) may read the board.",
        ));
    }
    let board = whatsapp_channel::app::routing::board::board(
        state.store.as_ref(),
        &state.routing,
        state.clock.now(),
    )
    .await?;
    Ok(json(StatusCode::OK, &board))
}

pub(crate) async fn close(state: &AgentApi, raw_id: &str, agent: &AgentId) -> Answer {
    let id = conversation_id(raw_id)?;
    match close_conversation(state.store.as_ref(), state.clock.as_ref(), &id, agent).await? {
        CloseAnswer::Done(view) => {
            crate::desk::hold_for_wrap_up(state, &id).await?;
            Ok(json(StatusCode::OK, &view))
        }
        CloseAnswer::NotAssigned => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Only the assigned agent may close this conversation.",
        )),
        CloseAnswer::NotAccepted => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_accepted",
            "Nobody has accepted this conversation yet.",
        )),
        CloseAnswer::NotFound => Err(no_conversation()),
    }
}
