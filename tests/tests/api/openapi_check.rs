//! Checks an HTTP answer against the OpenAPI document: its status is listed for the
//! operation, its content type is one the document gives, and a JSON body matches the schema
//! (the subset of JSON Schema the document uses: `$ref`, `allOf`, `enum`, `type`, `required`,
//! `properties`, `items`, `format: date-time`).

use serde_json::Value;

/// Where `value` breaks `schema` (the subset of JSON Schema the document uses), as
/// `path: reason` lines.
pub(crate) fn violations(
    document: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    out: &mut Vec<String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        let target = document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(&Value::Null);
        return violations(document, target, value, at, out);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        violations(document, part, value, at, out);
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {options:?}"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let is = |ty: &str| match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    };
    if !types.is_empty() && !types.iter().any(|ty| is(ty)) {
        out.push(format!("{at}: {value} is not of type {types:?}"));
    }
    if schema["format"] == "date-time"
        && let Some(text) = value.as_str()
        && chrono::DateTime::parse_from_rfc3339(text).is_err()
    {
        out.push(format!("{at}: {text} is not an RFC 3339 date-time"));
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                out.push(format!("{at}: `{name}` is missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                if let Some(field) = object.get(name) {
                    violations(document, property, field, &format!("{at}.{name}"), out);
                }
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            violations(document, items, item, &format!("{at}[{i}]"), out);
        }
    }
}

/// Checks one answer against the document's `method` on `path` (as templated there).
pub(crate) async fn conforms(
    document: &Value,
    method: &str,
    path: &str,
    response: reqwest::Response,
) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.unwrap();
    let operation = &document["paths"][path][method.to_ascii_lowercase()];
    assert!(
        operation.is_object(),
        "{method} {path} is not in the document"
    );
    let documented = &operation["responses"][status.to_string()];
    assert!(
        documented.is_object(),
        "{method} {path} answered {status}, which the document does not list: {}",
        String::from_utf8_lossy(&bytes)
    );
    let Some(content) = documented["content"].as_object() else {
        assert!(
            bytes.is_empty(),
            "{method} {path} {status} has a body the document does not"
        );
        return (status, Value::Null);
    };
    let media = content
        .iter()
        .find(|(media, _)| *media == "*/*" || content_type.starts_with(media.as_str()))
        .map(|(_, media)| media);
    let Some(media) = media else {
        panic!("{method} {path} {status}: content type {content_type:?} is not one of {content:?}");
    };
    if !content_type.starts_with("application/json") {
        return (status, Value::Null);
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let mut found = Vec::new();
    violations(document, &media["schema"], &body, "body", &mut found);
    assert!(
        found.is_empty(),
        "{method} {path} {status} does not match the document:\n{}\n{body:#}",
        found.join("\n")
    );
    (status, body)
}

#[test]
fn the_document_checker_finds_a_missing_field_a_wrong_type_and_an_unknown_code() {
    let document = local_api::openapi::document();
    let conversation = serde_json::json!({ "$ref": "#/components/schemas/Conversation" });
    let mut found = Vec::new();
    violations(
        &document,
        &conversation,
        &serde_json::json!({"id": 7, "state": "lost"}),
        "body",
        &mut found,
    );
    let text = found.join("\n");
    assert!(text.contains("body.id: 7 is not of type"), "{text}");
    assert!(
        text.contains("body.state: \"lost\" is not one of"),
        "{text}"
    );
    assert!(text.contains("`customer` is missing"), "{text}");
}
