//! Assist: knowledge articles (administrators write, every agent searches), suggestions for a
//! conversation and the record of one used, and agent scripts with their ticked steps.

use lambda_http::http::StatusCode;
use lambda_http::{Request, RequestExt};
use serde_json::json;
use whatsapp_channel::app::assist::knowledge::{self, ArticleView};
use whatsapp_channel::app::assist::scripts::{self, ScriptDefinition, TickRefusal};
use whatsapp_channel::app::assist::suggestions::{self, SuggestionKind};
use whatsapp_channel::domain::AgentId;
use whatsapp_channel::domain::knowledge::{InvalidArticle, parse_article, parse_article_id};
use whatsapp_channel::domain::scripts::{InvalidScript, parse_script};
use whatsapp_channel::http::{ApiError, body_bytes, empty, json, require_admin};
use whatsapp_channel::metrics::Metric;

use crate::{AgentApi, Answer, conversation_id, no_conversation};

/// Articles a search answers when the caller gives no `limit`, and the most it may ask for.
pub const DEFAULT_ARTICLES: usize = 20;
pub const MAX_ARTICLES: usize = 100;

fn admins_only(state: &AgentApi, request: &Request, what: &str) -> Result<(), ApiError> {
    require_admin(request, &state.admin_group).map_err(|_| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("Only administrators may change {what}."),
        )
    })
}

fn no_article() -> ApiError {
    ApiError::not_found("No such article.")
}

fn decoded(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

fn refused_article(e: InvalidArticle) -> ApiError {
    let message = e.to_string();
    match e {
        InvalidArticle::Malformed(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message)
        }
        InvalidArticle::TooLarge { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
        }
        InvalidArticle::Invalid { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_article", message)
        }
    }
}

/// `GET /knowledge?q=&tag=&limit=`: every agent.
pub(crate) async fn search(state: &AgentApi, request: &Request) -> Answer {
    let query = request.query_string_parameters();
    let limit = match query.first("limit").map(str::parse::<usize>) {
        None => DEFAULT_ARTICLES,
        Some(Ok(n)) if (1..=MAX_ARTICLES).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_limit",
                "limit must be a whole number from 1 to 100.",
            ));
        }
    };
    let articles = state
        .knowledge
        .search(
            state.store.as_ref(),
            query.first("q"),
            query.first("tag").filter(|t| !t.trim().is_empty()),
            limit,
        )
        .await?;
    Ok(json(StatusCode::OK, &json!({ "articles": articles })))
}

/// `GET /knowledge/{id}`: every agent.
pub(crate) async fn article(state: &AgentApi, raw_id: &str) -> Answer {
    let id = parse_article_id(&decoded(raw_id)).map_err(|_| no_article())?;
    let article = state.store.article(&id).await?.ok_or_else(no_article)?;
    Ok(json(StatusCode::OK, &ArticleView::from(article)))
}

/// `PUT /knowledge/{id}` `{"title","body","url"?,"tags"?}`: administrators.
pub(crate) async fn put_article(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    admins_only(state, request, "knowledge articles")?;
    let id = parse_article_id(&decoded(raw_id))
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_id", e.to_string()))?;
    let input = parse_article(body_bytes(request)).map_err(refused_article)?;
    let (new, view) = knowledge::put(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        input,
        agent,
    )
    .await?;
    let status = whatsapp_channel::http::created_or_ok(new);
    Ok(json(status, &view))
}

/// `DELETE /knowledge/{id}`: administrators.
pub(crate) async fn delete_article(state: &AgentApi, request: &Request, raw_id: &str) -> Answer {
    admins_only(state, request, "knowledge articles")?;
    let id = parse_article_id(&decoded(raw_id)).map_err(|_| no_article())?;
    if !state.store.delete_article(&id).await? {
        return Err(no_article());
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /conversations/{id}/suggestions`.
pub(crate) async fn suggestions(state: &AgentApi, raw_id: &str) -> Answer {
    let id = conversation_id(raw_id)?;
    if state.store.conversation(&id).await?.is_none() {
        return Err(no_conversation());
    }
    let found =
        suggestions::for_conversation(state.store.as_ref(), &state.knowledge, &id, None).await?;
    Ok(json(StatusCode::OK, &found))
}

/// `POST /conversations/{id}/suggestions/{kind}/{itemId}/used`.
pub(crate) async fn used(
    state: &AgentApi,
    raw_id: &str,
    raw_kind: &str,
    raw_item: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    let kind = SuggestionKind::parse(raw_kind)
        .ok_or_else(|| ApiError::not_found("A suggestion is an article or a quick_reply."))?;
    let item = parse_article_id(&decoded(raw_item))
        .map_err(|_| ApiError::not_found("No such suggestion."))?;
    if !suggestions::used(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        kind,
        &item,
        agent,
    )
    .await?
    {
        return Err(no_conversation());
    }
    state.metrics.emit(Metric::count("SuggestionsUsed"));
    Ok(empty(StatusCode::NO_CONTENT))
}

fn no_script() -> ApiError {
    ApiError::not_found("No such script.")
}

/// `GET /scripts`: every agent.
pub(crate) async fn scripts(state: &AgentApi) -> Answer {
    let all: Vec<ScriptDefinition> = state
        .store
        .scripts()
        .await?
        .into_iter()
        .map(ScriptDefinition::from)
        .collect();
    Ok(json(StatusCode::OK, &json!({ "scripts": all })))
}

/// `PUT /scripts/{id}` `{"title","steps","numbers"?}`: administrators.
pub(crate) async fn put_script(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    agent: &AgentId,
) -> Answer {
    admins_only(state, request, "scripts")?;
    let id = parse_article_id(&decoded(raw_id)).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_id",
            "A script id is 1 to 64 letters, digits, '-' or '_'.",
        )
    })?;
    let input = parse_script(body_bytes(request)).map_err(|e| match e {
        InvalidScript::Malformed(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string())
        }
        InvalidScript::Invalid(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_script",
            e.to_string(),
        ),
    })?;
    let (new, view) = scripts::put(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        input,
        agent,
    )
    .await?;
    let status = whatsapp_channel::http::created_or_ok(new);
    Ok(json(status, &view))
}

/// `DELETE /scripts/{id}`: administrators.
pub(crate) async fn delete_script(state: &AgentApi, request: &Request, raw_id: &str) -> Answer {
    admins_only(state, request, "scripts")?;
    let id = parse_article_id(&decoded(raw_id)).map_err(|_| no_script())?;
    if !state.store.delete_script(&id).await? {
        return Err(no_script());
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /conversations/{id}/script/steps/{index}` `{"done": bool}`: the assigned agent.
pub(crate) async fn tick(
    state: &AgentApi,
    request: &Request,
    raw_id: &str,
    raw_index: &str,
    agent: &AgentId,
) -> Answer {
    let id = conversation_id(raw_id)?;
    let no_step = || ApiError::not_found("The conversation's script has no such step.");
    let index: usize = raw_index.parse().map_err(|_| no_step())?;
    let body: serde_json::Value = serde_json::from_slice(body_bytes(request)).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("The body is not JSON: {e}"),
        )
    })?;
    let Some(done) = body.get("done").and_then(serde_json::Value::as_bool) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_step",
            "The body must be {\"done\": true} or {\"done\": false}.",
        ));
    };
    let ticked = scripts::tick(
        state.store.as_ref(),
        state.clock.as_ref(),
        &id,
        index,
        done,
        agent,
    )
    .await?;
    match ticked {
        Ok(script) => Ok(json(StatusCode::OK, &json!({ "script": script }))),
        Err(TickRefusal::NoConversation) => Err(no_conversation()),
        Err(TickRefusal::NoStep) => Err(no_step()),
        Err(TickRefusal::NotAssigned) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_assigned",
            "Only the agent assigned to the conversation ticks its script.",
        )),
        Err(TickRefusal::NotActive) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_active",
            "The script is ticked while the conversation is active.",
        )),
    }
}
