//! [`Operation`]: the builder each route of the document is written with.

use serde_json::{Map, Value, json};

use super::schemas::schema_ref;

/// One operation (a method on a path) under construction.
pub struct Operation {
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) body: Map<String, Value>,
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

    /// A body of one of these media types, each with its schema.
    pub fn contents(self, status: u16, description: &str, contents: &[(&str, Value)]) -> Self {
        let content: Map<String, Value> = contents
            .iter()
            .map(|(t, schema)| ((*t).to_owned(), json!({ "schema": schema })))
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
