//! The API's contract: an OpenAPI 3.1 document of every HTTP route of template.yaml, served by
//! local-api at `GET /openapi.json` (and printed by `local-api openapi`).
//!
//! It lives here, not in the shared crate, so that no Lambda binary carries it. The view types
//! it describes are plain `serde` structs; their enumerations come from the Rust types (see
//! [`schemas`]), and `cargo xtask test` runs schemathesis against a running local-api, which
//! fails on any response (status, content type or body) this document does not allow.
//!
//! Adding a route: one [`Operation`] in [`operations`] (`openapi/routes.rs`), beside its entry
//! in `ROUTES` and template.yaml; its path parameters are read from the path itself.

mod assist;
mod desk_schemas;
mod operation;
mod privacy;
mod routes;
mod schemas;

use serde_json::{Map, Value, json};

pub use operation::Operation;
pub use routes::operations;
pub use schemas::schema_ref;

/// The document, as served at `GET /openapi.json`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in operations() {
        let item = paths
            .entry(operation.path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(
                operation.method.to_ascii_lowercase(),
                Value::Object(operation.body),
            );
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "whatsapp-channel",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A WhatsApp channel for customer-service agents, through Twilio. Every JSON error is {\"error\": \"<machine code>\", \"message\": \"<human text>\"}; times are RFC 3339 UTC. The 24-hour rule: free-form replies only while now < last_inbound_at + 24 h.",
            "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
        },
        "servers": [
            { "url": "http://127.0.0.1:3000", "description": "local-api (`cargo run -p local-api`)" }
        ],
        "tags": [
            { "name": "conversations", "description": "The queue, transcripts, accept and close" },
            { "name": "replies", "description": "send-reply: replies through Twilio, deferred replies" },
            { "name": "media", "description": "Attachments both ways" },
            { "name": "agents", "description": "Presence and the customer directory" },
            { "name": "outcomes", "description": "Wrap-up: dispositions, outcomes, tags and linked records" },
            { "name": "assist", "description": "Beside the conversation: knowledge articles, suggestions, scripts" },
            { "name": "privacy", "description": "The audit log, legal holds, a customer's data export and erasure" },
            { "name": "twilio", "description": "Twilio's webhooks (signed, no agent)" },
            { "name": "console", "description": "The agent console's files" }
        ],
        "paths": paths,
        "components": components(),
    })
}

/// Every route of template.yaml as `METHOD /path`, read back from the document.
pub fn routes() -> Vec<String> {
    let document = document();
    let mut routes = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
                routes.push(format!("{} {path}", method.to_ascii_uppercase()));
            }
        }
    }
    routes
}

/// The core bodies and the desk's, as one `components` (two `json!` calls: one would outgrow the
/// macro's recursion limit).
fn components() -> Value {
    let mut components = schemas::core_components();
    if let (Some(schemas), Value::Object(desk)) = (
        components["schemas"].as_object_mut(),
        desk_schemas::desk_schemas(),
    ) {
        schemas.extend(desk);
        // The conversation's wrap-up fields (outcomes), apart for the macro's recursion limit.
        if let Some(Value::Object(properties)) = schemas
            .get_mut("Conversation")
            .and_then(|c| c.get_mut("properties"))
            && let Value::Object(outcomes) = desk_schemas::conversation_outcome_properties()
        {
            properties.extend(outcomes);
        }
        if let Value::Object(assist) = assist::schemas() {
            schemas.extend(assist);
        }
        if let Value::Object(privacy) = privacy::schemas() {
            schemas.extend(privacy);
        }
        // The customer summary's legal hold.
        if let Some(Value::Object(properties)) = schemas
            .get_mut("CustomerSummary")
            .and_then(|c| c.get_mut("properties"))
        {
            properties.insert(
                "legal_hold".into(),
                json!({ "anyOf": [schema_ref("LegalHold"), { "type": "null" }], "description": "An administrator's legal hold." }),
            );
        }
        // Sentiment and script on the conversation, sentiment on each message.
        if let Some(Value::Object(properties)) = schemas
            .get_mut("Conversation")
            .and_then(|c| c.get_mut("properties"))
            && let Value::Object(assist) = assist::conversation_properties()
        {
            properties.extend(assist);
        }
        if let Some(Value::Object(properties)) = schemas
            .get_mut("Message")
            .and_then(|c| c.get_mut("properties"))
        {
            properties.insert(
                "sentiment".into(),
                json!({ "allOf": [schema_ref("Sentiment")], "description": "A customer text's sentiment, once read (off the webhook's path)." }),
            );
        }
    }
    components
}
