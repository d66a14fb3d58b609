//! agent-console over the events in `events/`, as `sam local invoke` would send them.

use agent_console::{ConsoleConfig, OidcConfig, function_handler};
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request};
use whatsapp_channel::testing::events_dir;

fn event(name: &str) -> Request {
    let text = std::fs::read_to_string(events_dir().join(name)).unwrap();
    lambda_http::request::from_str(&text).unwrap()
}

/// The index event, for another path (as API Gateway would send it: `rawPath` and `http.path`).
fn get(path: &str) -> Request {
    let text = std::fs::read_to_string(events_dir().join("agent-console.index.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["rawPath"] = path.into();
    json["requestContext"]["http"]["path"] = path.into();
    lambda_http::request::from_str(&json.to_string()).unwrap()
}

fn oidc() -> ConsoleConfig {
    ConsoleConfig::Oidc(OidcConfig {
        authorization_endpoint: "https://agents.auth.eu-west-1.amazoncognito.com/oauth2/authorize"
            .into(),
        token_endpoint: "https://agents.auth.eu-west-1.amazoncognito.com/oauth2/token".into(),
        end_session_endpoint: Some("https://agents.auth.eu-west-1.amazoncognito.com/logout".into()),
        client_id: "1example23456789abcdefghij".into(),
        scopes: "openid email profile".into(),
        admin_group: "admins".into(),
        live_url: Some("wss://xyz789.execute-api.eu-west-1.amazonaws.com/live".into()),
    })
}

fn text(body: &Body) -> &str {
    match body {
        Body::Text(text) => text,
        Body::Empty => "",
        other => panic!("unexpected body {other:?}"),
    }
}

#[test]
fn the_root_serves_the_console_page_with_an_etag_and_a_content_security_policy() {
    let response = function_handler(&oidc(), &event("agent-console.index.json"));
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert!(headers[header::ETAG].to_str().unwrap().starts_with('"'));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(
        csp.contains(
            "connect-src 'self' https://agents.auth.eu-west-1.amazoncognito.com \
             wss://xyz789.execute-api.eu-west-1.amazonaws.com;"
        ),
        "{csp}"
    );
    assert!(text(response.body()).contains(r#"<script type="module" src="/console/js/app.js">"#));
}

#[test]
fn a_matching_if_none_match_gets_304_without_a_body() {
    let first = function_handler(&ConsoleConfig::Local, &event("agent-console.index.json"));
    let etag = first.headers()[header::ETAG].clone();
    let mut again = event("agent-console.index.json");
    again
        .headers_mut()
        .insert(header::IF_NONE_MATCH, etag.clone());
    let response = function_handler(&ConsoleConfig::Local, &again);
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()[header::ETAG], etag);
    assert_eq!(text(response.body()), "");
}

#[test]
fn modules_are_served_as_javascript() {
    let request = get("/console/js/app.js");
    let response = function_handler(&ConsoleConfig::Local, &request);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        response.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
}

#[test]
fn the_config_document_tells_the_page_how_agents_sign_in() {
    let response = function_handler(&oidc(), &event("agent-console.config.json"));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let json: serde_json::Value = serde_json::from_str(text(response.body())).unwrap();
    assert_eq!(json["mode"], "oidc");
    assert_eq!(json["client_id"], "1example23456789abcdefghij");
    assert_eq!(json["admin_group"], "admins");
    assert_eq!(
        json["live_url"],
        "wss://xyz789.execute-api.eu-west-1.amazonaws.com/live"
    );

    let local = function_handler(&ConsoleConfig::Local, &event("agent-console.config.json"));
    let json: serde_json::Value = serde_json::from_str(text(local.body())).unwrap();
    assert_eq!(json, serde_json::json!({"mode": "local"}));
}

#[test]
fn unknown_files_are_404_and_other_methods_405_with_json_errors() {
    for path in [
        "/console/js/missing.js",
        "/console/../Cargo.toml",
        "/elsewhere",
    ] {
        let request = get(path);
        let response = function_handler(&ConsoleConfig::Local, &request);
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(text(response.body()).contains(r#""error":"not_found""#));
    }
    let mut post = event("agent-console.index.json");
    *post.method_mut() = lambda_http::http::Method::POST;
    let response = function_handler(&ConsoleConfig::Local, &post);
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
}

#[test]
fn a_head_request_gets_the_headers_without_the_body() {
    let mut head = event("agent-console.index.json");
    *head.method_mut() = lambda_http::http::Method::HEAD;
    let response = function_handler(&ConsoleConfig::Local, &head);
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key(header::ETAG));
    assert_eq!(text(response.body()), "");
}

fn with_accept_encoding(path: &str, value: &str) -> Request {
    let mut request = get(path);
    request
        .headers_mut()
        .insert(header::ACCEPT_ENCODING, value.parse().unwrap());
    request
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut text).unwrap();
    text
}

#[test]
fn a_browser_that_accepts_gzip_gets_the_file_gzipped_with_its_own_etag() {
    let plain = function_handler(&ConsoleConfig::Local, &get("/console/js/app.js"));
    let zipped = function_handler(
        &ConsoleConfig::Local,
        &with_accept_encoding("/console/js/app.js", "gzip, deflate, br, zstd"),
    );
    assert_eq!(zipped.status(), StatusCode::OK);
    let headers = zipped.headers();
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(headers[header::VARY], "Accept-Encoding");
    assert_eq!(plain.headers()[header::VARY], "Accept-Encoding");
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_ne!(headers[header::ETAG], plain.headers()[header::ETAG]);
    let Body::Binary(bytes) = zipped.body() else {
        panic!("a gzipped body is binary");
    };
    let original = text(plain.body());
    assert_eq!(gunzip(bytes), original);
    assert!(
        bytes.len() * 2 < original.len(),
        "{} bytes gzipped of {}",
        bytes.len(),
        original.len()
    );
}

#[test]
fn gzip_refused_by_q_0_or_not_listed_gets_the_plain_file() {
    for value in ["identity", "gzip;q=0", "gzip; q=0.0, *", "br", "*;q=0"] {
        let response = function_handler(
            &ConsoleConfig::Local,
            &with_accept_encoding("/console/js/app.js", value),
        );
        assert!(
            response.headers().get(header::CONTENT_ENCODING).is_none(),
            "{value}"
        );
        assert!(matches!(response.body(), Body::Text(_)), "{value}");
    }
    for value in ["GZIP", "br;q=1.0, gzip;q=0.8", "*"] {
        let response = function_handler(
            &ConsoleConfig::Local,
            &with_accept_encoding("/console/js/app.js", value),
        );
        assert_eq!(
            response.headers()[header::CONTENT_ENCODING],
            "gzip",
            "{value}"
        );
    }
}

#[test]
fn either_forms_etag_revalidates_to_304() {
    let plain = function_handler(&ConsoleConfig::Local, &get("/console/styles.css"));
    let mut again = with_accept_encoding("/console/styles.css", "gzip");
    again
        .headers_mut()
        .insert(header::IF_NONE_MATCH, plain.headers()[header::ETAG].clone());
    let response = function_handler(&ConsoleConfig::Local, &again);
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(text(response.body()), "");
}

#[test]
fn every_embedded_file_gzipped_at_build_time_is_the_same_file() {
    for asset in agent_console::assets::all() {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(asset.gzip), &mut bytes)
            .unwrap();
        assert!(bytes == asset.bytes, "{} differs from its gzip", asset.path);
    }
}
