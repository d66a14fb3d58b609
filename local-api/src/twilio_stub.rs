//! A stand-in for Twilio's Messages API for local runs without a Twilio account: it answers
//! `201 queued` like Twilio and then posts signed `sent` and `delivered` status callbacks, so
//! the whole reply path can be watched locally.

use std::time::Duration;

use base64::Engine;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::json;
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
}

impl TwilioStub {
    fn authorized(&self, authorization: Option<&str>) -> bool {
        let expected = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.account_sid, self.auth_token));
        authorization.and_then(|h| h.strip_prefix("Basic ")) == Some(expected.as_str())
    }

    /// `GET /local/twilio/2010-04-01/Accounts/{AccountSid}/Messages/{MM…}/Media/{ME…}`: with
    /// the account's Basic credentials, a redirect to the stub's CDN, as Twilio answers.
    pub fn media(
        &self,
        path: &str,
        authorization: Option<&str>,
        host: Option<&str>,
    ) -> Response<Body> {
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
    pub fn create_message(
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
