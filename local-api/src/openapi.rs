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

mod desk_schemas;
mod routes;
mod schemas;

use serde_json::{Map, Value, json};

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
            { "name": "twilio", "description": "Twilio's webhooks (signed, no agent)" },
            { "name": "console", "description": "The agent console's files" }
        ],
        "paths": paths,
        "components": schemas::components(),
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

/// One operation (a method on a path) under construction.
pub struct Operation {
    method: &'static str,
    path: String,
    body: Map<String, Value>,
}

/// The `{name}` (or greedy `{name+}`) parameters of a path template.
fn path_parameter_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

impl Operation {
    /// `GET /conversations` and the like; each path parameter becomes a required string.
    pub fn new(method: &'static str, path: &str, summary: &str, tag: &str) -> Self {
        let mut body = Map::new();
        body.insert("summary".into(), summary.into());
        body.insert("tags".into(), json!([tag]));
        body.insert("operationId".into(), operation_id(method, path).into());
        body.insert("responses".into(), json!({}));
        let mut operation = Self {
            method,
            path: path.to_owned(),
            body,
        };
        for name in path_parameter_names(path) {
            let greedy = name.ends_with('+');
            let description = if greedy {
                "The rest of the path, slashes included (API Gateway's greedy parameter)."
            } else {
                ""
            };
            operation.parameter(json!({
                "name": name,
                "in": "path",
                "required": true,
                "description": description,
                "schema": { "type": "string", "minLength": 1 },
            }));
        }
        operation
    }

    fn parameter(&mut self, parameter: Value) {
        let list = self
            .body
            .entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.retain(|p| p["name"] != parameter["name"] || p["in"] != parameter["in"]);
            list.push(parameter);
        }
    }

    /// A longer description.
    pub fn describe(mut self, text: &str) -> Self {
        self.body.insert("description".into(), text.into());
        self
    }

    /// A path parameter's schema, when it is more than a string.
    pub fn path_schema(mut self, name: &str, schema: Value, description: &str) -> Self {
        self.parameter(json!({
            "name": name, "in": "path", "required": true,
            "description": description, "schema": schema,
        }));
        self
    }

    pub fn query(mut self, name: &str, schema: Value, description: &str) -> Self {
        self.parameter(json!({
            "name": name, "in": "query", "required": false,
            "description": description, "schema": schema,
        }));
        self
    }

    /// A query parameter the route refuses (400) without.
    pub fn required_query(mut self, name: &str, schema: Value, description: &str) -> Self {
        self.parameter(json!({
            "name": name, "in": "query", "required": true,
            "description": description, "schema": schema,
        }));
        self
    }

    pub fn header(mut self, name: &str, required: bool, schema: Value, description: &str) -> Self {
        self.parameter(json!({
            "name": name, "in": "header", "required": required,
            "description": description, "schema": schema,
        }));
        self
    }

    /// An agent's route: the JWT authorizer in AWS, `X-Agent-Id` on local-api; 401 without.
    pub fn agent(mut self) -> Self {
        self.body.insert(
            "security".into(),
            json!([{ "agentJwt": [] }, { "localAgent": [] }]),
        );
        self.error(401, &["unauthenticated"])
    }

    /// No authorizer.
    pub fn public(mut self) -> Self {
        self.body.insert("security".into(), json!([]));
        self
    }

    pub fn request(mut self, media_type: &str, schema: Value, required: bool) -> Self {
        let body = self
            .body
            .entry("requestBody")
            .or_insert_with(|| json!({ "required": required, "content": {} }));
        body["content"][media_type] = json!({ "schema": schema });
        self
    }

    fn response(mut self, status: u16, response: Value) -> Self {
        self.body["responses"][status.to_string()] = response;
        self
    }

    /// A JSON body of `schema`.
    pub fn json(self, status: u16, description: &str, schema: Value) -> Self {
        self.response(
            status,
            json!({
                "description": description,
                "content": { "application/json": { "schema": schema } },
            }),
        )
    }

    /// A body of any of these media types, as bytes.
    pub fn bytes(self, status: u16, description: &str, media_types: &[&str]) -> Self {
        let content: Map<String, Value> = media_types
            .iter()
            .map(|t| ((*t).to_owned(), json!({ "schema": { "type": "string" } })))
            .collect();
        self.response(
            status,
            json!({ "description": description, "content": content }),
        )
    }

    /// No body.
    pub fn empty(self, status: u16, description: &str) -> Self {
        self.response(status, json!({ "description": description }))
    }

    /// An error body `{"error", "message", …}` whose `error` is one of `codes`.
    pub fn error(self, status: u16, codes: &[&str]) -> Self {
        self.response(
            status,
            json!({
                "description": codes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                "content": { "application/json": { "schema": {
                    "allOf": [
                        schema_ref("Error"),
                        { "properties": { "error": { "enum": codes } } }
                    ]
                } } },
            }),
        )
    }

    /// A response header.
    pub fn response_header(mut self, status: u16, name: &str, required: bool) -> Self {
        self.body["responses"][status.to_string()]["headers"][name] =
            json!({ "required": required, "schema": { "type": "string" } });
        self
    }

    /// An OpenAPI link from this operation's `status` answer to another operation, with its
    /// parameters as runtime expressions: what lets schemathesis's stateful phase walk on
    /// from a listed conversation.
    pub fn link(mut self, status: u16, name: &str, operation_id: &str, parameters: Value) -> Self {
        self.body["responses"][status.to_string()]["links"][name] =
            json!({ "operationId": operation_id, "parameters": parameters });
        self
    }
}

/// `get_conversations_conversationid_accept`: stable and readable.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(
            segment
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase()),
        );
    }
    if path == "/" {
        id.push_str("_console");
    }
    id
}
