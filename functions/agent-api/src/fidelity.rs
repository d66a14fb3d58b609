//! WhatsApp's own touches: the template picker's list (`GET /templates`) and the typing
//! indicator with read receipts (`POST /conversations/{id}/typing`).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use whatsapp_channel::app::typing::{Actor, TypingOutcome};
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
/// stands for this one; 503 while the indicator is switched off (nothing is marked read).
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
    if outcome == TypingOutcome::SwitchedOff {
        // Nothing was marked read: the console must not say "Seen".
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "typing_unavailable",
            "Twilio's typing indicator (a Public Beta) is not available to this account now; it is tried again within 10 minutes.",
        ));
    }
    Ok(empty(StatusCode::NO_CONTENT))
}
