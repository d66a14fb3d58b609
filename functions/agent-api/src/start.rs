//! `POST /conversations`: the business writes first, with an approved template.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use whatsapp_channel::app::desk::start::{
    InvalidStart, StartAnswer, Starting, parse_start, start_conversation,
};
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::{AgentId, Senders};
use whatsapp_channel::http::{ApiError, body_bytes, json, reply_response};
use whatsapp_channel::ports::ReplySender;

use crate::desk::idempotency_key;
use crate::{AgentApi, Answer};

/// What business-started conversations send with.
pub struct Sending {
    pub sender: std::sync::Arc<dyn ReplySender>,
    pub settings: ReplySettings,
    pub senders: Senders,
}

/// `POST /conversations` `{"customer", "number"?, "template"}`: the agent writes first with an
/// approved template; 201 the conversation (assigned to the caller) with `message`, the template
/// as sent.
pub(crate) async fn start(state: &AgentApi, request: &Request, agent: &AgentId) -> Answer {
    let Some(sending) = &state.sending else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "sending_unavailable",
            "This deployment has no Twilio account configured to start conversations.",
        ));
    };
    let key = idempotency_key(request)?.map(str::to_owned);
    let body = parse_start(body_bytes(request)).map_err(|e| match e {
        InvalidStart::Malformed => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Send {\"customer\": \"whatsapp:+E164\", \"number\"?: \"whatsapp:+E164\", \"template\": {\"content_sid\", \"variables\"}}.",
        ),
        InvalidStart::Customer => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_customer",
            "customer must be a whatsapp:+E164 address.",
        ),
        InvalidStart::Number => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_number",
            "number must be one of the business's whatsapp:+E164 senders.",
        ),
        InvalidStart::Template(reason) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_template",
            format!("A conversation starts with an approved template: {reason}"),
        ),
    })?;
    let mut body = body;
    if let Some(templates) = &state.templates {
        templates
            .check(&mut body.template, crate::desk::is_admin(state, request))
            .await?;
    }
    let starting = Starting {
        sender: sending.sender.as_ref(),
        settings: &sending.settings,
        senders: &sending.senders,
        respond: &reply_response,
        deadline: invocation_deadline(request),
    };
    match start_conversation(
        state.store.as_ref(),
        state.clock.as_ref(),
        &starting,
        agent,
        &body,
        key,
    )
    .await?
    {
        StartAnswer::Started(view, reply) => {
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
            let sent: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
            if status.is_success() {
                let mut body = serde_json::to_value(&*view).unwrap_or_default();
                body["message"] = sent;
                tracing::info!(conversation_id = %view.id, agent_id = %agent, "conversation started by the business");
                Ok(json(StatusCode::CREATED, &body))
            } else {
                // The conversation exists; the template did not go: Twilio's answer, with its id.
                let mut body = sent;
                body["conversation_id"] = view.id.clone().into();
                Ok(json(status, &body))
            }
        }
        StartAnswer::Open { conversation_id } => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conversation_open",
            "This customer already has an open conversation on that number: reply there.",
        )
        .with("conversation_id", conversation_id)),
        StartAnswer::UnknownNumber => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_sender",
            "number is not one of the business's WhatsApp senders.",
        )),
    }
}

/// When Lambda stops waiting for this invocation: the template's Twilio call is budgeted to it.
fn invocation_deadline(request: &Request) -> Option<std::time::Instant> {
    use lambda_http::RequestExt;
    let deadline_ms = request.lambda_context_ref()?.deadline;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_millis();
    let left = u64::try_from(u128::from(deadline_ms).checked_sub(now_ms)?).ok()?;
    Some(std::time::Instant::now() + std::time::Duration::from_millis(left))
}
