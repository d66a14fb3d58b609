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
