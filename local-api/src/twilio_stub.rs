//! A stand-in for Twilio's Messages API for local runs without a Twilio account: it answers
//! `201 queued` like Twilio and then posts signed `sent` and `delivered` status callbacks, so
//! the whole reply path can be watched locally.

use std::time::Duration;

use base64::Engine;
use std::sync::{Arc, Mutex};

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use whatsapp_channel::http::{error, json};
use whatsapp_channel::twilio::RequestValidator;

use crate::send::{encode, new_message_sid};

/// The path prefix the stub serves under; `TWILIO_API_BASE_URL` points here locally.
pub const PREFIX: &str = "/local/twilio";
/// Where the stub's media redirect to, as Twilio's redirect to its CDN: no credentials needed.
pub const CDN_PREFIX: &str = "/local/twilio-cdn/";

/// A 1×1 PNG: every medium the stub serves.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `GET /local/twilio-cdn/…`: the stub's "CDN", which takes no credentials and refuses a
/// request that carries some (they would have leaked past Twilio's origin).
pub fn cdn_file(authorization: Option<&str>) -> Response<Body> {
    if authorization.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "credentials_sent_to_cdn",
            "The CDN got an Authorization header: credentials go to Twilio's API origin only.",
        );
    }
    let mut response = Response::new(Body::Binary(PIXEL_PNG.to_vec()));
    response.headers_mut().insert(
        "content-type",
        lambda_http::http::HeaderValue::from_static("image/png"),
    );
    response
}

#[derive(Debug, Clone)]
pub struct TwilioStub {
    pub account_sid: String,
    pub auth_token: String,
    /// Every request the stub answered, oldest first: `GET /local/twilio/calls` shows them.
    pub calls: Arc<Mutex<Vec<Value>>>,
}

/// The stand-in's templates: two approved, one rejected (never listed by `GET /templates`).
fn contents() -> Vec<Value> {
    let approval = |status: &str, category: &str| json!({"type": "whatsapp", "name": "", "category": category, "content_type": "twilio/text", "status": status, "rejection_reason": "", "allow_category_change": true});
    vec![
        json!({
            "sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90",
            "friendly_name": "order_update",
            "language": "en",
            "variables": {"1": "Ana", "2": "A-1042"},
            "types": {"twilio/text": {"body": "Hi {{1}}, your order {{2}} is on its way."}},
            "approval_requests": approval("approved", "UTILITY"),
        }),
        json!({
            "sid": "HXc3d4e5f60718293a4b5c6d7e8f90a1b2",
            "friendly_name": "summer_promo",
            "language": "en",
            "variables": {"1": "20%"},
            "types": {"twilio/text": {"body": "Summer sale: {{1}} off everything!"}},
            "approval_requests": approval("rejected", "MARKETING"),
        }),
        json!({
            "sid": "HXb2c3d4e5f60718293a4b5c6d7e8f90a1",
            "friendly_name": "appointment_reminder",
            "language": "es",
            "variables": {"1": "Luis", "2": "12/05"},
            "types": {"twilio/quick-reply": {"body": "Hola {{1}}, ¿confirmas tu cita del {{2}}?", "actions": [{"title": "Sí", "id": "yes"}, {"title": "No", "id": "no"}]}},
            "approval_requests": approval("approved", "UTILITY"),
        }),
    ]
}

/// Templates per page of the stand-in's Content API: small, so that paging is exercised.
const CONTENT_PAGE: usize = 2;

fn unauthenticated() -> Response<Body> {
    json(
        StatusCode::UNAUTHORIZED,
        &json!({"code": 20003, "message": "Authenticate", "status": 401}),
    )
}

impl TwilioStub {
    pub fn new(account_sid: String, auth_token: String) -> Self {
        Self {
            account_sid,
            auth_token,
            calls: Arc::default(),
        }
    }

    /// Any request under [`PREFIX`]: recorded, then answered as Twilio would.
    pub fn serve(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        authorization: Option<&str>,
        host: Option<&str>,
        body: &[u8],
    ) -> Response<Body> {
        let relative = path.strip_prefix(PREFIX).unwrap_or(path);
        if method == Method::GET && relative == "/calls" {
            let calls = self.calls.lock().map(|c| c.clone()).unwrap_or_default();
            return json(StatusCode::OK, &json!({ "calls": calls }));
        }
        let form: serde_json::Map<String, Value> = whatsapp_channel::form::decode_lenient(body)
            .into_iter()
            .map(|(n, v)| (n, Value::String(v)))
            .collect();
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(json!({
                "method": method.as_str(),
                "path": relative,
                "query": query,
                "form": form,
                "authorized": self.authorized(authorization),
            }));
        }
        match (method, relative) {
            (&Method::GET, "/v1/ContentAndApprovals") => {
                self.content_and_approvals(path, query, authorization, host)
            }
            (&Method::POST, "/v2/Indicators/Typing.json") => self.typing(authorization, &form),
            (&Method::GET, _) => self.media(path, authorization, host),
            _ => self.create_message(path, authorization, body),
        }
    }

    /// `GET /v1/ContentAndApprovals?Page=n`: the templates, [`CONTENT_PAGE`] a page, with
    /// `meta.next_page_url` as Twilio pages.
    fn content_and_approvals(
        &self,
        path: &str,
        query: Option<&str>,
        authorization: Option<&str>,
        host: Option<&str>,
    ) -> Response<Body> {
        if !self.authorized(authorization) {
            return unauthenticated();
        }
        let page: usize = query
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(n, _)| n == "Page")
                    .and_then(|(_, v)| v.parse().ok())
            })
            .unwrap_or(0);
        let all = contents();
        let start = (page * CONTENT_PAGE).min(all.len());
        let end = (start + CONTENT_PAGE).min(all.len());
        let next = (end < all.len()).then(|| {
            format!(
                "http://{}{path}?PageSize={CONTENT_PAGE}&Page={}",
                host.unwrap_or("127.0.0.1"),
                page + 1
            )
        });
        json(
            StatusCode::OK,
            &json!({
                "contents": all[start..end],
                "meta": {"page": page, "page_size": CONTENT_PAGE, "next_page_url": next, "key": "contents"},
            }),
        )
    }

    /// `POST /v2/Indicators/Typing.json` `messageId`, `channel=whatsapp`.
    fn typing(
        &self,
        authorization: Option<&str>,
        form: &serde_json::Map<String, Value>,
    ) -> Response<Body> {
        if !self.authorized(authorization) {
            return unauthenticated();
        }
        let message = form.get("messageId").and_then(Value::as_str).unwrap_or("");
        let sid_ok = (message.starts_with("SM") || message.starts_with("MM"))
            && message.len() == 34
            && message.bytes().skip(2).all(|b| b.is_ascii_hexdigit());
        if !sid_ok || form.get("channel").and_then(Value::as_str) != Some("whatsapp") {
            return json(
                StatusCode::BAD_REQUEST,
                &json!({"code": 21610, "message": "messageId must be an inbound SM/MM sid and channel must be whatsapp.", "status": 400}),
            );
        }
        json(StatusCode::OK, &json!({"success": true}))
    }

    fn authorized(&self, authorization: Option<&str>) -> bool {
        let expected = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.account_sid, self.auth_token));
        authorization.and_then(|h| h.strip_prefix("Basic ")) == Some(expected.as_str())
    }

    /// `GET /local/twilio/2010-04-01/Accounts/{AccountSid}/Messages/{MM…}/Media/{ME…}`: with
    /// the account's Basic credentials, a redirect to the stub's CDN, as Twilio answers.
    fn media(&self, path: &str, authorization: Option<&str>, host: Option<&str>) -> Response<Body> {
        let account = format!(
            "{PREFIX}/2010-04-01/Accounts/{}/Messages/",
            self.account_sid
        );
        let Some(rest) = path
            .strip_prefix(&account)
            .filter(|r| r.contains("/Media/"))
        else {
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                "The local Twilio stub serves this account's media only.",
            );
        };
        if !self.authorized(authorization) {
            return json(
                StatusCode::UNAUTHORIZED,
                &json!({"code": 20003, "message": "Authenticate", "status": 401}),
            );
        }
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
        // Another origin, as Twilio's CDN is: `localhost` for `127.0.0.1`, same port.
        let cdn_host = match host {
            Some(host) if host.starts_with("127.0.0.1") => {
                format!("http://{}", host.replacen("127.0.0.1", "localhost", 1))
            }
            _ => String::new(),
        };
        if let Ok(location) = format!("{cdn_host}{CDN_PREFIX}{rest}").parse() {
            response.headers_mut().insert("location", location);
        }
        response
    }

    /// `POST /local/twilio/2010-04-01/Accounts/{AccountSid}/Messages.json`.
    fn create_message(
        &self,
        path: &str,
        authorization: Option<&str>,
        body: &[u8],
    ) -> Response<Body> {
        let expected = format!(
            "{PREFIX}/2010-04-01/Accounts/{}/Messages.json",
            self.account_sid
        );
        if path != expected {
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                "The local Twilio stub serves Messages.json only.",
            );
        }
        if !self.authorized(authorization) {
            return json(
                StatusCode::UNAUTHORIZED,
                &json!({"code": 20003, "message": "Authenticate", "status": 401}),
            );
        }
        let params = whatsapp_channel::form::decode_lenient(body);
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let (Some(to), Some(from)) = (get("To"), get("From")) else {
            return json(
                StatusCode::BAD_REQUEST,
                &json!({"code": 21604, "message": "A 'To' and a 'From' are required.", "status": 400}),
            );
        };
        let sid = if get("MediaUrl").is_some() {
            new_message_sid().replacen("SM", "MM", 1)
        } else {
            new_message_sid()
        };
        if let Some(callback) = get("StatusCallback") {
            let (token, sid, to, from) = (
                self.auth_token.clone(),
                sid.clone(),
                to.clone(),
                from.clone(),
            );
            tokio::spawn(async move {
                for status in ["sent", "delivered"] {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    post_status(&callback, &token, &sid, status, &to, &from).await;
                }
            });
        }
        json(
            StatusCode::CREATED,
            &json!({
                "sid": sid,
                "status": "queued",
                "to": to,
                "from": from,
                "body": get("Body"),
                "error_code": null,
                "num_media": if get("MediaUrl").is_some() { "1" } else { "0" },
                "api_version": "2010-04-01",
            }),
        )
    }
}

async fn post_status(url: &str, token: &str, sid: &str, status: &str, to: &str, from: &str) {
    let params: Vec<(String, String)> = [
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("MessageStatus", status),
        ("SmsStatus", status),
        ("To", to),
        ("From", from),
        ("ChannelPrefix", "whatsapp"),
        ("ApiVersion", "2010-04-01"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .collect();
    let signature = RequestValidator::new(token).compute_signature(url, &params);
    let result = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(encode(&params))
        .send()
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "local Twilio stub could not post a status callback");
    }
}
