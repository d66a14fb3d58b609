//! Outcomes: the administrators' dispositions, a closed conversation's wrap-up, tags, and the
//! CRM records a conversation is linked to.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::json;
use whatsapp_channel::app::outcomes::records::{RecordRequest, link, unlink};
use whatsapp_channel::app::outcomes::{
    OutcomeRefusal, parse_disposition, record_outcome, set_tags,
};
use whatsapp_channel::domain::AgentId;
use whatsapp_channel::domain::outcomes::{RecordRef, is_code};
use whatsapp_channel::http::{ApiError, body_bytes, empty, json, require_admin};

use crate::desk::is_admin;
use crate::{AgentApi, Answer, conversation_id};

/// The answer to each refusal.
fn refused(refusal: OutcomeRefusal) -> ApiError {
    {
        match refusal {
            OutcomeRefusal::NotFound => ApiError::not_found("No such conversation."),
            OutcomeRefusal::NotClosed => ApiError::new(
                StatusCode::CONFLICT,
                "not_closed",
                "An outcome is recorded once the conversation is closed.",
            ),
            OutcomeRefusal::NotAllowed => ApiError::new(
                StatusCode::FORBIDDEN,
                "not_allowed",
                "Only the agent assigned when it closed (within 24 hours of the close) or an administrator may do this.",
            ),
            OutcomeRefusal::UnknownDisposition(code) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_disposition",
                format!("{code:?} is not one of the dispositions (GET /dispositions)."),
            ),
            OutcomeRefusal::Malformed(reason) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("The body is not the expected JSON: {reason}"),
            ),
            OutcomeRefusal::Invalid(e) => {
                let code = match e.what {
                    "tag" | "tags" => "invalid_tags",
                    "summary" => "invalid_outcome",
                    w if w.starts_with("record") => "invalid_record",
                    _ => "invalid_disposition",
                };
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    code,
                    format!("The {} must be {}.", e.what, e.reason),
                )
            }
        }
    }
}

fn forbidden_unless_admin(state: &AgentApi, request: &Request) -> Result<(), ApiError> {
    require_admin(request, &state.admin_group).map_err(|_| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only administrators may change the dispositions.",
        )
    })
}

/// `GET /dispositions`: every agent.
pub(crate) async fn dispositions(state: &AgentApi) -> Answer {
    let all = state.store.dispositions().await?;
    Ok(json(
        StatusCode::OK,
        &json!({ "dispositions": all_views(all) }),
    ))
}

fn all_views(all: Vec<whatsapp_channel::ports::Disposition>) -> Vec<serde_json::Value> {
    all.into_iter().map(disposition_view).collect()
}

fn disposition_view(d: whatsapp_channel::ports::Disposition) -> serde_json::Value {
    json!({
        "code": d.code,
        "label": d.label,
        "updated_by": d.updated_by,
        "updated_at": d.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

fn invalid_code() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_id",
        "A disposition code is 1 to 64 letters, digits, '-' or '_'.",
    )
}

/// `PUT /dispositions/{code}` `{"label"}`: administrators.
pub(crate) async fn put_disposition(
    state: &AgentApi,
    request: &Request,
    code: &str,
    agent: &AgentId,
) -> Answer {
    forbidden_unless_admin(state, request)?;
    if !is_code(code, 64) {
        return Err(invalid_code());
    }
    let disposition =
        parse_disposition(code, body_bytes(request), agent.as_str(), state.clock.now())
            .map_err(refused)?;
    let created = state.store.put_disposition(&disposition).await?;
    let status = whatsapp_channel::http::created_or_ok(created);
    Ok(json(status, &disposition_view(disposition)))
}

/// `DELETE /dispositions/{code}`: administrators; 204 also when already gone.
pub(crate) async fn delete_disposition(state: &AgentApi, request: &Request, code: &str) -> Answer {
    forbidden_unless_admin(state, request)?;
    if !is_code(code, 64) {
        return Err(invalid_code());
    }
    state.store.delete_disposition(code).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `PUT /conversations/{id}/outcome` `{"disposition", "summary"?, "tags"?}`.
pub(crate) async fn outcome(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    let view = record_outcome(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        agent.as_str(),
        is_admin(state, request),
        body_bytes(request),
    )
    .await?
    .map_err(refused)?;
    tracing::info!(conversation_id = %id, agent_id = %agent, "outcome recorded");
    Ok(json(StatusCode::OK, &view))
}

/// `PUT /conversations/{id}/tags` `{"tags": [...]}`: any agent.
pub(crate) async fn tags(state: &AgentApi, request: &Request, raw_id: &str) -> Answer {
    let id = conversation_id(raw_id)?;
    let tags = set_tags(state.store.as_ref(), &id, body_bytes(request))
        .await?
        .map_err(refused)?;
    Ok(json(StatusCode::OK, &json!({ "tags": tags })))
}

/// `POST /conversations/{id}/records`: link `{"system", "id", "url"?}` (201 new, 200 linked
/// already), or create one in the CRM `{"system", "create": true, "title"}`.
pub(crate) async fn link_record(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    let body = RecordRequest::parse(body_bytes(request)).map_err(refused)?;
    let record = if body.create {
        crate::records::create(state, &id, &body).await?
    } else {
        RecordRef::parse(
            &body.system,
            body.id.as_deref().unwrap_or_default(),
            body.url.as_deref(),
        )
        .map_err(|e| refused(OutcomeRefusal::Invalid(e)))?
    };
    let (view, new) = link(
        state.store.as_ref(),
        &id,
        record,
        agent.as_str(),
        state.clock.now(),
    )
    .await?
    .map_err(refused)?;
    let status = whatsapp_channel::http::created_or_ok(new);
    Ok(json(status, &view))
}

/// `DELETE /conversations/{id}/records/{system}/{recordId}`: the assigned agent or an
/// administrator; 204 also when it was not linked.
pub(crate) async fn unlink_record(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    system: &str,
    record: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    unlink(
        state.store.as_ref(),
        &id,
        system,
        record,
        agent.as_str(),
        is_admin(state, request),
    )
    .await?
    .map_err(|refusal| match refusal {
        OutcomeRefusal::NotAllowed => ApiError::new(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Only the assigned agent or an administrator unlinks a record.",
        ),
        other => refused(other),
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}
