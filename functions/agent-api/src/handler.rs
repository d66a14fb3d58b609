//! agent-api: the agents' side. Read routes: the queue and a conversation's transcript.

use std::sync::Arc;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use serde_json::json;
use whatsapp_channel::app;
use whatsapp_channel::app::agents::{Accepted, Closed, accept_conversation, close_conversation};
use whatsapp_channel::domain::ConversationId;
use whatsapp_channel::http::{agent_id, error, json, route_path};
use whatsapp_channel::ports::{Clock, SessionStore, StoreError};

/// Conversations listed when the caller gives no `limit`, and the most it may ask for.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 500;

/// Everything the handler needs, built once per cold start.
pub struct AgentApi {
    store: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
}

impl AgentApi {
    pub fn new(store: Arc<dyn SessionStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }
}

fn unavailable(e: &StoreError) -> Response<Body> {
    tracing::error!(error = ?e, "store request failed");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        "The conversation store did not answer; try again.",
    )
}

fn not_found() -> Response<Body> {
    error(StatusCode::NOT_FOUND, "not_found", "No such conversation.")
}

pub async fn function_handler(state: &AgentApi, request: Request) -> Result<Response<Body>, Error> {
    let Some(agent) = agent_id(&request) else {
        return Ok(error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "The request carries no agent identity.",
        ));
    };
    let path = route_path(&request);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (request.method(), segments.as_slice()) {
        (&Method::GET, ["conversations"]) => list(state, &request).await,
        (&Method::GET, ["conversations", id]) => get(state, id).await,
        (&Method::POST, ["conversations", id, "accept"]) => accept(state, id, &agent).await,
        (&Method::POST, ["conversations", id, "close"]) => close(state, id, &agent).await,
        (
            _,
            ["conversations"] | ["conversations", _] | ["conversations", _, "accept" | "close"],
        ) => Ok(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This route does not take that method.",
        )),
        _ => Ok(error(StatusCode::NOT_FOUND, "not_found", "No such route.")),
    }
}

async fn list(state: &AgentApi, request: &Request) -> Result<Response<Body>, Error> {
    let query = request.query_string_parameters();
    let wanted = query.first("state");
    if let Some(wanted) = wanted
        && !app::STATES.contains(&wanted)
    {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "invalid_state",
            "state must be one of requested, active, closed, expired.",
        ));
    }
    let limit = match query.first("limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "invalid_limit",
                "limit must be a whole number from 1 to 500.",
            ));
        }
    };
    match app::list_conversations(state.store.as_ref(), state.clock.as_ref(), wanted, limit).await {
        Ok(conversations) => Ok(json(
            StatusCode::OK,
            &json!({ "conversations": conversations }),
        )),
        Err(e) => Ok(unavailable(&e)),
    }
}

async fn get(state: &AgentApi, raw_id: &str) -> Result<Response<Body>, Error> {
    let Ok(id) = ConversationId::parse(raw_id) else {
        return Ok(not_found());
    };
    match app::get_conversation(state.store.as_ref(), state.clock.as_ref(), &id).await {
        Ok(Some(conversation)) => Ok(json(StatusCode::OK, &conversation)),
        Ok(None) => Ok(not_found()),
        Err(e) => Ok(unavailable(&e)),
    }
}

async fn accept(state: &AgentApi, raw_id: &str, agent: &str) -> Result<Response<Body>, Error> {
    let Ok(id) = ConversationId::parse(raw_id) else {
        return Ok(not_found());
    };
    match accept_conversation(state.store.as_ref(), state.clock.as_ref(), &id, agent).await {
        Ok(Accepted::Yours(view)) => Ok(json(StatusCode::OK, &view)),
        Ok(Accepted::Taken { by }) => Ok(json(
            StatusCode::CONFLICT,
            &json!({
                "error": "already_accepted",
                "message": "Another agent accepted this conversation first.",
                "assigned_agent": by,
            }),
        )),
        Ok(Accepted::Closed) => Ok(error(
            StatusCode::CONFLICT,
            "conversation_closed",
            "The conversation is closed.",
        )),
        Ok(Accepted::NotFound) => Ok(not_found()),
        Err(e) => Ok(unavailable(&e)),
    }
}

async fn close(state: &AgentApi, raw_id: &str, agent: &str) -> Result<Response<Body>, Error> {
    let Ok(id) = ConversationId::parse(raw_id) else {
        return Ok(not_found());
    };
    match close_conversation(state.store.as_ref(), state.clock.as_ref(), &id, agent).await {
        Ok(Closed::Done(view)) => Ok(json(StatusCode::OK, &view)),
        Ok(Closed::NotAssigned) => Ok(error(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Only the assigned agent may close this conversation.",
        )),
        Ok(Closed::NotAccepted) => Ok(error(
            StatusCode::CONFLICT,
            "not_accepted",
            "Nobody has accepted this conversation yet.",
        )),
        Ok(Closed::NotFound) => Ok(not_found()),
        Err(e) => Ok(unavailable(&e)),
    }
}
