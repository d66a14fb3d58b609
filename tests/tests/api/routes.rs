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

#[test]
fn the_readme_documents_every_route() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    for route in local_api::ROUTES {
        assert!(readme.contains(route), "README does not document {route}");
    }
}
