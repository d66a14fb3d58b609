//! WhatsApp's own touches: the template picker's list (`GET /templates`) and the typing
//! indicator with read receipts (`POST /conversations/{id}/typing`).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use whatsapp_channel::app::typing::Actor;
use whatsapp_channel::domain::AgentId;
use whatsapp_channel::http::{ApiError, empty, json};

use crate::{AgentApi, Answer, conversation_id};

fn no_twilio() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "templates_unavailable",
        "This deployment has no Twilio account configured.",
    )
}

/// `GET /templates`: the account's approved WhatsApp templates, for every agent.
pub(crate) async fn templates(state: &AgentApi) -> Answer {
    let templates = state.templates.as_ref().ok_or_else(no_twilio)?;
    let approved = templates.approved().await?;
    Ok(json(StatusCode::OK, &json!({ "templates": *approved })))
}

/// `POST /conversations/{id}/typing`: 204 whether Twilio was asked or a call less than 20 s old
/// stands for this one.
pub(crate) async fn typing(
    state: &AgentApi,
    _request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    let typing = state.typing.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "typing_unavailable",
            "This deployment has no Twilio account configured.",
        )
    })?;
    let outcome = typing
        .acknowledge(
            state.store.as_ref(),
            state.clock.as_ref(),
            &id,
            Actor::Agent(agent.as_str()),
        )
        .await??;
    tracing::debug!(conversation_id = %id, ?outcome, "typing");
    Ok(empty(StatusCode::NO_CONTENT))
}
