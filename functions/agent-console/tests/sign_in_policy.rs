//! The page's `connect-src` lets through exactly what sign-in and the live channel call (issue
//! 21, item 9): the console's own API, the issuer's token endpoint (auth.js exchanges the code
//! and refreshes there), and the WebSocket API (live.js), each as the page reads it from
//! `/console/config.json`. Anything else is refused, so a script slipped into the page cannot
//! send what it reads elsewhere. Matching follows CSP Level 3 (`'self'` also matches `ws:`/`wss:`
//! of the page's own host and port).

use agent_console::{ConsoleConfig, OidcConfig, function_handler};
use lambda_http::http::header;
use lambda_http::{Body, Request};
use whatsapp_channel::testing::events_dir;

/// Where the deployed console is served from (the index event's host).
fn page_origin(request: &Request) -> String {
    let host = request.headers()[header::HOST].to_str().unwrap();
    format!("https://{host}")
}

fn index() -> Request {
    let text = std::fs::read_to_string(events_dir().join("agent-console.index.json")).unwrap();
    lambda_http::request::from_str(&text).unwrap()
}

fn config_request() -> Request {
    let text = std::fs::read_to_string(events_dir().join("agent-console.config.json")).unwrap();
    lambda_http::request::from_str(&text).unwrap()
}

fn cognito() -> ConsoleConfig {
    ConsoleConfig::Oidc(OidcConfig {
        authorization_endpoint:
            "https://agents-1.auth.eu-west-1.amazoncognito.com/oauth2/authorize".into(),
        token_endpoint: "https://agents-1.auth.eu-west-1.amazoncognito.com/oauth2/token".into(),
        end_session_endpoint: Some(
            "https://agents-1.auth.eu-west-1.amazoncognito.com/logout".into(),
        ),
        client_id: "1example23456789abcdefghij".into(),
        scopes: "openid email profile".into(),
        admin_group: "admins".into(),
        live_url: Some("wss://live123.execute-api.eu-west-1.amazonaws.com/live".into()),
    })
}

/// The sources of the page's `connect-src`.
fn connect_src(config: &ConsoleConfig) -> Vec<String> {
    let response = function_handler(config, &index());
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let directive = csp
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("connect-src "))
        .unwrap_or_else(|| panic!("no connect-src in {csp}"));
    directive.split_whitespace().map(str::to_owned).collect()
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let authority = rest.split(['/', '?', '#']).next().unwrap();
    format!("{scheme}://{authority}")
}

/// Whether a page at `page` may connect to `url` under these `connect-src` sources.
fn allows(sources: &[String], page: &str, url: &str) -> bool {
    let target = origin_of(url);
    sources.iter().any(|source| match source.as_str() {
        "'self'" => {
            let (page_scheme, page_host) = page.split_once("://").unwrap();
            let (scheme, host) = target.split_once("://").unwrap();
            let upgraded = matches!(
                (page_scheme, scheme),
                ("https", "https" | "wss") | ("http", "http" | "https" | "ws" | "wss")
            );
            upgraded && host == page_host
        }
        source if source.ends_with(':') => url.starts_with(source),
        source => target == source.trim_end_matches('/'),
    })
}

/// What the page reads from `/console/config.json`.
fn served_config(config: &ConsoleConfig) -> serde_json::Value {
    let response = function_handler(config, &config_request());
    match response.body() {
        Body::Text(text) => serde_json::from_str(text).unwrap(),
        other => panic!("config.json body {other:?}"),
    }
}

#[test]
fn sign_in_and_the_live_channel_may_connect_where_the_served_config_sends_them() {
    let config = cognito();
    let served = served_config(&config);
    let sources = connect_src(&config);
    let page = page_origin(&index());
    for url in [
        served["token_endpoint"].as_str().unwrap().to_owned(),
        // live.js adds the token as a query parameter.
        format!("{}?token=eyJ", served["live_url"].as_str().unwrap()),
        format!("{page}/conversations?state=waiting"),
        format!("{page}/console/config.json"),
    ] {
        assert!(
            allows(&sources, &page, &url),
            "{url} refused by {sources:?}"
        );
    }
}

#[test]
fn the_page_may_connect_nowhere_else() {
    let config = cognito();
    let sources = connect_src(&config);
    assert_eq!(
        sources,
        [
            "'self'",
            "https://agents-1.auth.eu-west-1.amazoncognito.com",
            "wss://live123.execute-api.eu-west-1.amazonaws.com",
        ]
    );
    let page = page_origin(&index());
    for url in [
        "https://attacker.example/collect",
        "wss://attacker.example/live",
        "ws://live123.execute-api.eu-west-1.amazonaws.com/live",
        "https://other.auth.eu-west-1.amazoncognito.com/oauth2/token",
    ] {
        assert!(
            !allows(&sources, &page, url),
            "{url} allowed by {sources:?}"
        );
    }
}

#[test]
fn without_a_live_channel_only_the_api_and_the_token_endpoint_are_allowed() {
    let ConsoleConfig::Oidc(mut oidc) = cognito() else {
        unreachable!()
    };
    oidc.live_url = None;
    // Your own issuer: its token endpoint on another host, with a port.
    oidc.token_endpoint = "https://login.example.com:8443/oauth2/v1/token".into();
    assert_eq!(
        connect_src(&ConsoleConfig::Oidc(oidc)),
        ["'self'", "https://login.example.com:8443"]
    );
}

#[test]
fn on_local_api_the_page_connects_to_its_own_origin_only_including_its_live_socket() {
    let sources = connect_src(&ConsoleConfig::Local);
    assert_eq!(sources, ["'self'"]);
    let page = "http://127.0.0.1:8080";
    assert!(allows(
        &sources,
        page,
        "ws://127.0.0.1:8080/ws?agent=agent-7"
    ));
    assert!(allows(
        &sources,
        page,
        "http://127.0.0.1:8080/conversations"
    ));
    assert!(!allows(&sources, page, "ws://127.0.0.1:9999/ws"));
    assert!(!allows(&sources, page, "https://attacker.example/"));
}
