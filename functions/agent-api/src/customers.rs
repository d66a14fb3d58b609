//! Finding a customer's conversations: the customer summary and transcript search.

use lambda_http::http::StatusCode;
use lambda_http::{Request, RequestExt};
use whatsapp_channel::app::desk::customers;
use whatsapp_channel::app::desk::search::{
    InvalidSearch, MAX_RECORD_CONVERSATIONS, linked_conversations, parse_search,
    search as run_search,
};
use whatsapp_channel::domain::WhatsAppAddress;
use whatsapp_channel::http::{ApiError, json};

use crate::{AgentApi, Answer};

/// `GET /customers/{address}`: the customer summary.
pub(crate) async fn customer(state: &AgentApi, raw_address: &str) -> Answer {
    let decoded = percent_encoding::percent_decode_str(raw_address).decode_utf8_lossy();
    let address = WhatsAppAddress::parse(&decoded).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_address",
            "The address must be a URL-encoded whatsapp:+E164 number, e.g. whatsapp%3A%2B447700900123.",
        )
    })?;
    let summary = customers::customer_summary(state.store.as_ref(), state.clock.as_ref(), &address)
        .await?
        .ok_or_else(|| {
            ApiError::not_found("This customer has never written and is not a contact.")
        })?;
    Ok(json(StatusCode::OK, &summary))
}

/// `GET /search?q=…`: messages of every conversation, closed ones included, newest first;
/// `GET /search?record=SYSTEM:ID` without `q`: that record's conversations, newest first.
pub(crate) async fn search(state: &AgentApi, request: &Request) -> Answer {
    let query = request.query_string_parameters();
    let parsed = parse_search(|name| query.first(name).map(str::to_owned)).map_err(|e| {
        let code = match e {
            InvalidSearch::Nothing | InvalidSearch::Query => "invalid_query",
            InvalidSearch::TooManyWords => "too_many_words",
            InvalidSearch::Customer => "invalid_customer",
            InvalidSearch::Time => "invalid_time",
            InvalidSearch::Cursor => "invalid_cursor",
            InvalidSearch::Limit => "invalid_limit",
            InvalidSearch::Record => "invalid_record",
        };
        ApiError::new(StatusCode::BAD_REQUEST, code, format!("{}.", e))
    })?;
    let mut parsed = parsed;
    // `record=SYSTEM:ID`: the search keeps to the conversations linked to it (at most 500,
    // as `GET /conversations?record=` lists).
    if let Some((system, id)) = &parsed.record {
        let linked = state
            .store
            .linked(system, id, MAX_RECORD_CONVERSATIONS)
            .await?;
        parsed.within = Some(linked.into_iter().collect());
    }
    let page = if parsed.terms.is_empty() {
        linked_conversations(state.store.as_ref(), &parsed).await?
    } else {
        run_search(state.store.as_ref(), &parsed).await?
    };
    Ok(json(StatusCode::OK, &page))
}
