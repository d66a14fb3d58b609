//! agent-api: the agents' side. Read routes: the queue and a conversation's transcript.

use std::sync::Arc;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use serde_json::json;
use whatsapp_channel::app;
use whatsapp_channel::app::agents::{Accepted, Closed, accept_conversation, close_conversation};
use whatsapp_channel::domain::ConversationId;
use whatsapp_channel::domain::{Presence, WhatsAppAddress, valid_agent_id};
use whatsapp_channel::http::body_bytes;
use whatsapp_channel::http::{agent_id, error, json, path_segments, unauthenticated};
use whatsapp_channel::ports::{ChannelStore, Clock, Contact, StoreError};

/// Conversations listed when the caller gives no `limit`, and the most it may ask for.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 500;

/// Everything the handler needs, built once per cold start.
pub struct AgentApi {
    store: Arc<dyn ChannelStore>,
    clock: Arc<dyn Clock>,
}

impl AgentApi {
    pub fn new(store: Arc<dyn ChannelStore>, clock: Arc<dyn Clock>) -> Self {
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
        return Ok(unauthenticated());
    };
    let segments = path_segments(&request);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (request.method(), segments.as_slice()) {
        (&Method::GET, ["conversations"]) => list(state, &request).await,
        (&Method::GET, ["conversations", id]) => get(state, id).await,
        (&Method::POST, ["conversations", id, "accept"]) => accept(state, id, &agent).await,
        (&Method::POST, ["conversations", id, "close"]) => close(state, id, &agent).await,
        (&Method::PUT, ["agents", id, "presence"]) => presence(state, &request, id, &agent).await,
        (&Method::PUT, ["contacts", address]) => contact(state, &request, address).await,
        (_, ["agents", _, "presence"] | ["contacts", _]) => Ok(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This route takes PUT.",
        )),
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

async fn presence(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    caller: &str,
) -> Result<Response<Body>, Error> {
    let id = percent_encoding::percent_decode_str(raw_id).decode_utf8_lossy();
    if id != caller || !valid_agent_id(&id) {
        return Ok(error(
            StatusCode::FORBIDDEN,
            "not_your_presence",
            "Agents set their own presence only.",
        ));
    }
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(body_bytes(request)) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Send {\"status\": \"available\"|\"busy\"|\"do_not_disturb\"|\"away\"|\"offline\"}.",
        ));
    };
    let Some(status) = body["status"]
        .as_str()
        .and_then(|s| s.parse::<Presence>().ok())
    else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "invalid_status",
            "status must be one of available, busy, do_not_disturb, away, offline.",
        ));
    };
    let now = state.clock.now();
    match state.store.set_presence(&id, status, now).await {
        Ok(()) => Ok(json(
            StatusCode::OK,
            &json!({
                "agent_id": id,
                "status": status.as_str(),
                "updated_at": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            }),
        )),
        Err(e) => Ok(unavailable(&e)),
    }
}

async fn contact(
    state: &AgentApi,
    request: &Request,
    raw_address: &str,
) -> Result<Response<Body>, Error> {
    let decoded = percent_encoding::percent_decode_str(raw_address).decode_utf8_lossy();
    let Ok(address) = WhatsAppAddress::parse(&decoded) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "invalid_address",
            "The address must be a URL-encoded whatsapp:+E164 number, e.g. whatsapp%3A%2B447700900123.",
        ));
    };
    let Ok(serde_json::Value::Object(mut fields)) =
        serde_json::from_slice::<serde_json::Value>(body_bytes(request))
    else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Send a JSON object with name, contact_id and any summary fields.",
        ));
    };
    let text = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    };
    let (Some(name), Some(contact_id)) = (
        text(fields.remove("name")),
        text(fields.remove("contact_id")),
    ) else {
        return Ok(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_contact",
            "name and contact_id are required, non-empty strings.",
        ));
    };
    fields.remove("address");
    let contact = Contact {
        address: address.as_str().to_owned(),
        name,
        contact_id,
        summary: fields,
    };
    match state.store.put_contact(&contact).await {
        Ok(created) => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json(status, &contact))
        }
        Err(e) => Ok(unavailable(&e)),
    }
}
