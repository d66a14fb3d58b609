//! agent-console: the agent console's files and its sign-in configuration, from the same origin
//! as the agent routes. `GET /` is the page, `GET /console/{file}` its CSS and JS modules, and
//! `GET /console/config.json` tells the page how agents sign in.

pub mod assets;

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use whatsapp_channel::config;
use whatsapp_channel::http::{accepts_gzip, error, route_path};

/// How agents sign in, as the page reads it from `/console/config.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum ConsoleConfig {
    /// local-api: a form asks for the agent id, sent as `X-Agent-Id`.
    Local,
    /// OpenID Connect authorization code with PKCE (the stack's Cognito user pool by default).
    Oidc(OidcConfig),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OidcConfig {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    pub client_id: String,
    pub scopes: String,
    /// The group whose members the console shows as administrators.
    pub admin_group: String,
    /// The WebSocket API's stage URL (`wss://…/live`); the console polls when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_url: Option<String>,
}

impl ConsoleConfig {
    /// The deployed console: `OIDC_AUTHORIZATION_ENDPOINT`, `OIDC_TOKEN_ENDPOINT`,
    /// `OIDC_CLIENT_ID` (required), `OIDC_END_SESSION_ENDPOINT`, `OIDC_SCOPES`, `ADMIN_GROUP`,
    /// `LIVE_URL`.
    pub fn oidc_from_env() -> Result<Self, config::MissingVariable> {
        Ok(Self::Oidc(OidcConfig {
            authorization_endpoint: config::required("OIDC_AUTHORIZATION_ENDPOINT")?,
            token_endpoint: config::required("OIDC_TOKEN_ENDPOINT")?,
            end_session_endpoint: config::optional("OIDC_END_SESSION_ENDPOINT"),
            client_id: config::required("OIDC_CLIENT_ID")?,
            scopes: config::optional("OIDC_SCOPES")
                .unwrap_or_else(|| "openid email profile".into()),
            admin_group: config::optional("ADMIN_GROUP").unwrap_or_else(|| "admins".into()),
            live_url: config::optional("LIVE_URL"),
        }))
    }

    /// The origins the page may connect to: its own (the API, and local-api's `/ws`, which
    /// `'self'` covers for WebSockets too), and in OIDC mode the sign-in issuer's token endpoint
    /// and the WebSocket API. Nothing else: a script slipped into the page cannot send what it
    /// reads anywhere.
    fn connect_sources(&self) -> Vec<String> {
        let mut sources = vec!["'self'".to_owned()];
        if let Self::Oidc(oidc) = self {
            sources.push(origin(&oidc.token_endpoint).to_owned());
            if let Some(live) = &oidc.live_url {
                sources.push(origin(live).to_owned());
            }
        }
        sources
    }

    fn content_security_policy(&self) -> String {
        format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' https: data: blob:; media-src 'self' https: blob:; \
             connect-src {}; frame-ancestors 'none'; base-uri 'none'; \
             form-action 'self'; object-src 'none'",
            self.connect_sources().join(" ")
        )
    }
}

/// `https://host:port` of a URL (scheme, host and port), for the CSP.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// Cache policy: revalidate every file (names are not fingerprinted, so a deploy is seen at
/// once), answered with 304 when the ETag still matches.
const REVALIDATE: &str = "no-cache";

pub fn function_handler(config: &ConsoleConfig, request: &Request) -> Response<Body> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "The console is read with GET.",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let path = route_path(request);
    let response = match path.as_str() {
        "/console/config.json" => config_response(config),
        "/" | "/index.html" | "/console" | "/console/" => file(request, "index.html", config),
        other => match other.strip_prefix("/console/") {
            Some(name) => file(request, name, config),
            None => not_found(),
        },
    };
    if request.method() == Method::HEAD {
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::Empty);
    }
    response
}

fn not_found() -> Response<Body> {
    error(StatusCode::NOT_FOUND, "not_found", "No such console file.")
}

fn config_response(config: &ConsoleConfig) -> Response<Body> {
    let mut response = whatsapp_channel::http::json(StatusCode::OK, config);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn file(request: &Request, name: &str, config: &ConsoleConfig) -> Response<Body> {
    let Some(asset) = assets::find(name) else {
        return not_found();
    };
    let gzip = accepts_gzip(request);
    let etag = if gzip { &asset.gzip_etag } else { &asset.etag };
    // Either form's tag names this version of the file.
    let fresh = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim().trim_start_matches("W/");
            tag == "*" || tag == asset.etag || tag == asset.gzip_etag
        });
    let mut response = if fresh {
        let mut r = Response::new(Body::Empty);
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else if gzip {
        let mut r = Response::new(Body::Binary(asset.gzip.to_vec()));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        let mut r = Response::new(match std::str::from_utf8(asset.bytes) {
            Ok(text) => Body::Text(text.to_owned()),
            Err(_) => Body::Binary(asset.bytes.to_vec()),
        });
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        r
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, etag);
    }
    // Caches keep the two forms apart.
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if name == "index.html"
        && let Ok(csp) = HeaderValue::from_str(&config.content_security_policy())
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_of_a_token_endpoint_keeps_scheme_host_and_port() {
        assert_eq!(
            origin("https://desk.auth.eu-west-1.amazoncognito.com/oauth2/token"),
            "https://desk.auth.eu-west-1.amazoncognito.com"
        );
        assert_eq!(origin("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
    }

    #[test]
    fn every_console_file_is_served() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../console");
        let mut on_disk = Vec::new();
        for dir in ["", "js"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    on_disk.push(if dir.is_empty() {
                        name
                    } else {
                        format!("{dir}/{name}")
                    });
                }
            }
        }
        on_disk.sort();
        let mut served: Vec<String> = assets::all().iter().map(|a| a.path.to_owned()).collect();
        served.sort();
        assert_eq!(served, on_disk);
    }
}
