//! Agents' routing profiles: `PUT /agents/{agentId}` (administrators) sets capacity and the
//! numbers an agent serves; `GET /agents/{agentId}` (any agent) shows the profile, presence,
//! active conversations and load.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use whatsapp_channel::app::profiles::{
    InvalidProfile, agent_view, agent_views, parse_profile, put_profile,
};
use whatsapp_channel::domain::AgentId;
use whatsapp_channel::http::{ApiError, body_bytes, json};

use crate::desk::is_admin;
use crate::{AgentApi, Answer};

/// The agent a path names (URL-decoded): 400 when it cannot be an agent id.
fn path_agent(raw: &str) -> Result<AgentId, ApiError> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    AgentId::parse(&decoded).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_agent",
            "The agent id must be 1-128 characters, without '#' or control characters.",
        )
    })
}

/// `GET /agents/{agentId}`: any agent.
pub(crate) async fn get(state: &AgentApi, raw_id: &str) -> Answer {
    let agent = path_agent(raw_id)?;
    let view = agent_view(
        state.store.as_ref(),
        state.clock.as_ref(),
        state.default_capacity,
        &agent,
    )
    .await?;
    Ok(json(StatusCode::OK, &view))
}

/// `PUT /agents/{agentId}` `{"capacity", "numbers"?}`: administrators; 201 when the agent had
/// no profile, else 200.
pub(crate) async fn put(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    caller: &AgentId,
) -> Answer {
    if !is_admin(state, request) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only administrators may change an agent's profile.",
        ));
    }
    let agent = path_agent(raw_id)?;
    let profile = parse_profile(body_bytes(request)).map_err(|e| match e {
        InvalidProfile::Malformed => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Send {\"capacity\": 1-20, \"numbers\": [\"whatsapp:+E164\", …]}.",
        ),
        InvalidProfile::Invalid(reason) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_profile",
            format!("{}.", reason.reason),
        )
        .with("field", reason.what),
    })?;
    let (record, new) = put_profile(
        state.store.as_ref(),
        state.clock.as_ref(),
        &agent,
        &profile,
        caller,
    )
    .await?;
    tracing::info!(agent_id = %agent, by = %caller, capacity = record.capacity, numbers = record.numbers.len(), "agent profile set");
    let status = whatsapp_channel::http::created_or_ok(new);
    Ok(json(
        status,
        &json!({
            "agent_id": record.agent_id,
            "capacity": record.capacity,
            "numbers": record.numbers,
            "updated_by": record.updated_by,
            "updated_at": record.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }),
    ))
}

/// `GET /agents`: the agents available now (to hand a conversation to), each with their
/// capacity and load.
pub(crate) async fn list(state: &AgentApi) -> Answer {
    let mut available = state.store.available_agents().await?;
    available.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
    let ids: Vec<String> = available.iter().map(|a| a.agent_id.clone()).collect();
    let views = agent_views(
        state.store.as_ref(),
        state.clock.as_ref(),
        state.default_capacity,
        &ids,
    )
    .await?;
    let agents: Vec<_> = available
        .into_iter()
        .zip(views)
        .map(|(a, view)| {
            json!({
                "agent_id": a.agent_id,
                "status": "available",
                "available_since": a.available_since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "capacity": view.capacity,
                "load": view.load,
            })
        })
        .collect();
    Ok(json(StatusCode::OK, &json!({ "agents": agents })))
}
