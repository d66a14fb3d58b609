use std::collections::BTreeSet;

/// The `RouteKey`s template.yaml declares (the HTTP API's `METHOD /path` and the WebSocket
/// API's `$connect`, `$disconnect`).
fn template_route_keys() -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| line.trim().strip_prefix("RouteKey:"))
        .map(|key| key.trim().trim_matches('"').to_owned())
        .collect()
}

#[test]
fn template_yaml_and_local_api_serve_the_same_routes() {
    let local: BTreeSet<String> = local_api::ROUTES.iter().map(|r| r.to_string()).collect();
    let http: BTreeSet<String> = template_route_keys()
        .into_iter()
        .filter(|key| !key.starts_with('$'))
        .collect();
    assert_eq!(http, local);
}

#[test]
fn template_yaml_declares_the_live_websocket_routes() {
    let keys = template_route_keys();
    assert!(
        keys.contains("$connect") && keys.contains("$disconnect"),
        "{keys:?}"
    );
}

/// What `sources` list that `name` does not, one line per route and place.
fn missing_from(
    name: &str,
    have: &BTreeSet<String>,
    sources: &[(&str, &BTreeSet<String>)],
) -> Vec<String> {
    sources
        .iter()
        .flat_map(|(source, routes)| {
            routes
                .difference(have)
                .map(move |route| format!("{route}: in {source}, missing from {name}"))
        })
        .collect()
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_of_template_yaml_and_local_api() {
    let document: BTreeSet<String> = local_api::openapi::routes().into_iter().collect();
    let local: BTreeSet<String> = local_api::ROUTES.iter().map(|r| r.to_string()).collect();
    let template: BTreeSet<String> = template_route_keys()
        .into_iter()
        .filter(|key| !key.starts_with('$'))
        .collect();
    const DOCUMENT: &str = "the OpenAPI document (local-api/src/openapi/routes.rs, `operations()`)";
    const LOCAL: &str = "local_api::ROUTES (local-api/src/lib.rs)";
    const TEMPLATE: &str = "template.yaml";
    let mut problems = missing_from(
        DOCUMENT,
        &document,
        &[(TEMPLATE, &template), (LOCAL, &local)],
    );
    problems.extend(missing_from(TEMPLATE, &template, &[(DOCUMENT, &document)]));
    problems.extend(missing_from(LOCAL, &local, &[(DOCUMENT, &document)]));
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "routes disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_documented_operation_has_a_unique_id_its_path_parameters_and_an_answer() {
    let document = local_api::openapi::document();
    assert_eq!(document["openapi"], "3.1.0");
    let mut ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(
                ids.insert(id.clone()),
                "{method} {path}: operationId {id} is repeated"
            );
            let names: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let in_path: BTreeSet<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            assert_eq!(names, in_path, "{method} {path}: path parameters");
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|status| status.starts_with('2')),
                "{method} {path} documents no success"
            );
        }
    }
}

#[test]
fn every_schema_reference_in_the_openapi_document_resolves() {
    fn refs<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    found.push(r);
                }
                map.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(list) => list.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let document = local_api::openapi::document();
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference.strip_prefix('#').unwrap();
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
}
