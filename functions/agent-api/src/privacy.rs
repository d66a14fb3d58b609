//! Privacy's routes: `GET /audit`, `PUT /customers/{address}/hold`,
//! `GET /customers/{address}/export`, `DELETE /customers/{address}`, `GET /erasures/{id}`
//! (administrators only), and the audit log's entries for
//! what every other route did, written once the route has answered with success.

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use whatsapp_channel::app::privacy::audit::{InvalidAuditSearch, Target, parse_search, search};
use whatsapp_channel::app::privacy::customer_export::customer_export;
use whatsapp_channel::app::privacy::erasure::{EraseRefused, ErasureView, request_erasure};
use whatsapp_channel::app::privacy::set_hold;
use whatsapp_channel::domain::{AgentId, WhatsAppAddress, customer_export_key};
use whatsapp_channel::http::{ApiError, json as json_response, with_body};

use crate::export::MAX_EXPORT_BYTES;
use crate::{AgentApi, Answer};

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Only administrators may do this.",
    )
}

fn address(raw: &str) -> Result<WhatsAppAddress, ApiError> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    WhatsAppAddress::parse(&decoded).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_address",
            "The address must be a URL-encoded whatsapp:+E164 number, e.g. whatsapp%3A%2B447700900123.",
        )
    })
}

/// `GET /audit`: administrators; a page of entries, newest first.
pub(crate) async fn audit(state: &AgentApi, request: &Request) -> Answer {
    if !crate::desk::is_admin(state, request) {
        return Err(forbidden());
    }
    let query = request.query_string_parameters();
    let parsed = parse_search(
        &state.auditor,
        |name| query.first(name).map(str::to_owned),
        state.clock.now(),
    )
    .map_err(|e| {
        let code = match e {
            InvalidAuditSearch::Time => "invalid_time",
            InvalidAuditSearch::Limit => "invalid_limit",
            InvalidAuditSearch::Cursor => "invalid_cursor",
            InvalidAuditSearch::Customer => "invalid_customer",
        };
        ApiError::new(StatusCode::BAD_REQUEST, code, format!("{e}."))
    })?;
    let page = search(state.store.as_ref(), &parsed).await?;
    Ok(json_response(StatusCode::OK, &page))
}

/// `PUT /customers/{address}/hold` `{"hold": bool}`: administrators.
pub(crate) async fn hold(
    state: &AgentApi,
    request: &Request,
    raw_address: &str,
    agent: &AgentId,
) -> Answer {
    if !crate::desk::is_admin(state, request) {
        return Err(forbidden());
    }
    let address = address(raw_address)?;
    #[derive(Deserialize)]
    struct Body {
        hold: Value,
    }
    let body: Body = serde_json::from_slice(request.body().as_ref()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "The body must be JSON: {\"hold\": true} or {\"hold\": false}.",
        )
    })?;
    let Value::Bool(on) = body.hold else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_hold",
            "hold must be true or false.",
        ));
    };
    let view = set_hold(
        state.store.as_ref(),
        &address,
        on,
        agent.as_str(),
        state.clock.now(),
    )
    .await?;
    Ok(json_response(StatusCode::OK, &view))
}

/// `GET /customers/{address}/export`: administrators; everything stored about the customer.
pub(crate) async fn export(state: &AgentApi, request: &Request, raw_address: &str) -> Answer {
    if !crate::desk::is_admin(state, request) {
        return Err(forbidden());
    }
    let address = address(raw_address)?;
    let origin = crate::export::origin(request);
    let data = customer_export(
        state.store.as_ref(),
        state.clock.as_ref(),
        &address,
        origin.as_deref(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("This customer has never written and is not a contact."))?;
    let body = data.to_string();
    let mut response = with_body(StatusCode::OK, "application/json", body);
    let digits: String = address
        .as_str()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let filename = format!("customer-{digits}.json");
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // Kept under the customer's pseudonym, never their number: an erasure finds it by that.
    let pseudonym = state.auditor.pseudonym(address.as_str());
    let key = customer_export_key(&pseudonym, state.clock.now());
    crate::export::answer_or_store(state, request, response, key, &filename, |sent| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "export_too_large",
            format!(
                "This customer's data is {:.1} MB, over the {} MB a response may carry; export their conversations one by one.",
                sent as f64 / 1_048_576.0,
                MAX_EXPORT_BYTES / 1_048_576
            ),
        )
    })
    .await
}

/// `DELETE /customers/{address}`: administrators; 202 `{"erasure_id"}` and the erasure runs
/// in steps; 409 `legal_hold` while the customer is held.
pub(crate) async fn erase(
    state: &AgentApi,
    request: &Request,
    raw_address: &str,
    agent: &AgentId,
) -> Answer {
    if !crate::desk::is_admin(state, request) {
        return Err(forbidden());
    }
    let address = address(raw_address)?;
    let Some(queue) = state.erasures.as_ref() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "erasure_unavailable",
            "Erasure is not configured here (ERASURE_QUEUE_URL).",
        ));
    };
    let record = request_erasure(
        state.store.as_ref(),
        queue.as_ref(),
        &state.auditor,
        &address,
        agent.as_str(),
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        EraseRefused::LegalHold => ApiError::new(
            StatusCode::CONFLICT,
            "legal_hold",
            "This customer is under a legal hold: release the hold before erasing them.",
        ),
        EraseRefused::Store(e) => e.into(),
    })?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &ErasureView::of(&record),
    ))
}

/// `GET /erasures/{erasureId}`: administrators; where the erasure stands and what it removed.
pub(crate) async fn erasure(state: &AgentApi, request: &Request, id: &str) -> Answer {
    if !crate::desk::is_admin(state, request) {
        return Err(forbidden());
    }
    let record = match uuid::Uuid::try_parse(id) {
        Ok(id) => state.store.erasure(&id.hyphenated().to_string()).await?,
        Err(_) => None,
    }
    .ok_or_else(|| ApiError::not_found("No erasure has this id."))?;
    Ok(json_response(StatusCode::OK, &ErasureView::of(&record)))
}

/// The request's id, for the entry: API Gateway's, else a fresh one.
fn request_id(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
        _ => None,
    }
    .filter(|id| !id.is_empty())
    .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// The token's `auth_time` claim (epoch seconds), when it has one.
fn auth_time(request: &Request) -> Option<i64> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()?
            .claims
            .get("auth_time")?
            .parse()
            .ok(),
        _ => None,
    }
}

/// A token's first request records its agent's sign-in (once per `auth_time`; this instance
/// remembers the tokens it has seen, so a token costs one conditional write per instance).
pub(crate) async fn sign_in(state: &AgentApi, request: &Request, agent: &AgentId) {
    let Some(at) = auth_time(request) else {
        return;
    };
    let key = (agent.as_str().to_owned(), at);
    {
        let mut seen = state.signed_in.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(&key) {
            return;
        }
        if seen.len() >= 10_000 {
            seen.clear();
        }
        seen.insert(key.clone());
    }
    if let Err(e) = state
        .auditor
        .sign_in(
            state.store.as_ref(),
            agent.as_str(),
            at,
            &request_id(request),
            state.clock.now(),
        )
        .await
    {
        // Not remembered: the next request tries again.
        state
            .signed_in
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        tracing::warn!(error = %whatsapp_channel::logging::chain(&e), agent_id = %agent, "sign-in not audited");
    }
}

/// What a successful request did, for the log: its action and target. `None` for reads and
/// for what is not audited (notes, tags, typing: the conversation's own history keeps them).
fn action(request: &Request, segments: &[&str]) -> Option<(&'static str, Target)> {
    let item = |kind, id: &str| Target::Item(kind, id.to_owned());
    let customer = |raw: &str| {
        let decoded = percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned();
        Target::Customer(decoded)
    };
    Some(match (request.method(), segments) {
        (&Method::POST, ["conversations", id, "accept"]) => {
            ("conversation.accept", item("conversation", id))
        }
        (&Method::POST, ["conversations", id, "reject"]) => {
            ("conversation.reject", item("conversation", id))
        }
        (&Method::POST, ["conversations", id, "close"]) => {
            ("conversation.close", item("conversation", id))
        }
        (&Method::POST, ["conversations", id, "transfer"]) => {
            ("conversation.transfer", item("conversation", id))
        }
        (&Method::GET, ["conversations", id, "export"]) => {
            ("conversation.export", item("conversation", id))
        }
        (&Method::PUT, ["contacts", address]) => ("contact.put", customer(address)),
        (&Method::PUT, ["quick-replies", id]) => ("quick_reply.put", item("quick_reply", id)),
        (&Method::DELETE, ["quick-replies", id]) => ("quick_reply.delete", item("quick_reply", id)),
        (&Method::PUT, ["knowledge", id]) => ("knowledge.put", item("knowledge", id)),
        (&Method::DELETE, ["knowledge", id]) => ("knowledge.delete", item("knowledge", id)),
        (&Method::PUT, ["dispositions", code]) => ("disposition.put", item("disposition", code)),
        (&Method::DELETE, ["dispositions", code]) => {
            ("disposition.delete", item("disposition", code))
        }
        (&Method::PUT, ["scripts", id]) => ("script.put", item("script", id)),
        (&Method::DELETE, ["scripts", id]) => ("script.delete", item("script", id)),
        (&Method::PUT, ["agents", id]) => ("agent.profile", item("agent", id)),
        (&Method::PUT, ["customers", address, "hold"]) => ("customer.hold", customer(address)),
        (&Method::GET, ["customers", address, "export"]) => ("customer.export", customer(address)),
        (&Method::DELETE, ["customers", address]) => ("customer.erase", customer(address)),
        _ => return None,
    })
}

/// After a route answered with success: its audit entry, if it is an audited action. A failure
/// to write it is logged and counted, never turned into an error for a change already made.
pub(crate) async fn after(
    state: &AgentApi,
    request: &Request,
    segments: &[&str],
    agent: &AgentId,
    response: &Response<Body>,
) {
    // A 303 to an export stored for download is an export made.
    if !response.status().is_success() && response.status() != StatusCode::SEE_OTHER {
        return;
    }
    let Some((action, target)) = action(request, segments) else {
        return;
    };
    let admin = crate::desk::is_admin(state, request);
    let answered = || match response.body() {
        Body::Text(text) => serde_json::from_str::<Value>(text).ok(),
        _ => None,
    };
    let detail = match action {
        "conversation.accept" | "conversation.close" | "conversation.transfer" if admin => {
            // A supervisor acting on a conversation: whose it was (or became).
            let assigned = answered().and_then(|v| v["assigned_agent"].as_str().map(str::to_owned));
            (assigned.as_deref() != Some(agent.as_str()))
                .then(|| json!({ "supervisor": true, "assigned_agent": assigned }))
        }
        "customer.hold" => answered().map(|v| json!({ "hold": v["hold"] })),
        "customer.erase" => answered().map(|v| json!({ "erasure_id": v["erasure_id"] })),
        "conversation.export" => {
            let format = request
                .query_string_parameters_ref()
                .and_then(|q| q.first("format").map(str::to_ascii_lowercase))
                .unwrap_or_else(|| "json".into());
            Some(json!({ "format": format }))
        }
        _ => None,
    };
    let entry = state.auditor.entry(
        agent.as_str(),
        action,
        &target,
        &request_id(request),
        detail,
        state.clock.now(),
    );
    if let Err(e) = state.auditor.record(state.store.as_ref(), &entry).await {
        state
            .metrics
            .emit(whatsapp_channel::metrics::Metric::count("AuditErrors"));
        tracing::error!(error = %whatsapp_channel::logging::chain(&e), action, agent_id = %agent, "audit entry not written");
    }
}
