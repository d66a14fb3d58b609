//! [`TypingIndicator`] on Twilio's typing indicator (Public Beta):
//! `POST {base}/v2/Indicators/Typing.json` with `messageId` (the customer's SM/MM sid) and
//! `channel=whatsapp`, HTTP Basic with the account's credentials. It marks that message read
//! (blue ticks) and shows "typing…" for up to 25 s or until the reply is delivered.
//!
//! The base is `TWILIO_MESSAGING_API_BASE_URL` (`https://messaging.twilio.com`), checked as the
//! Messages API's base is. One attempt, short timeouts: it is a nicety, never retried in a loop.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::Url;

use super::twilio_rest::{
    TwilioConfig, TwilioConfigError, TwilioError, status_line, twilio_client,
};
use crate::ports::{IndicatorError, TypingIndicator};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(4);

/// Calls Twilio's typing indicator. Build it once per cold start.
pub struct TwilioTypingIndicator {
    endpoint: Url,
    account_sid: String,
    auth_token: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for TwilioTypingIndicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioTypingIndicator")
            .field("endpoint", &self.endpoint.as_str())
            .field("account_sid", &self.account_sid)
            .finish_non_exhaustive()
    }
}

impl TwilioTypingIndicator {
    /// `config.api_base_url` is the Messaging API's base (`https://messaging.twilio.com`).
    pub fn new(config: &TwilioConfig) -> Result<Self, TwilioConfigError> {
        let (endpoint, client) = twilio_client(
            config,
            &["v2", "Indicators", "Typing.json"],
            CONNECT_TIMEOUT,
            REQUEST_TIMEOUT,
        )?;
        Ok(Self {
            endpoint,
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
            client,
        })
    }
}

#[async_trait]
impl TypingIndicator for TwilioTypingIndicator {
    async fn indicate(&self, message_sid: &str) -> Result<(), IndicatorError> {
        let redact = |text: String| text.replace(&self.auth_token, "[redacted]");
        let response = self
            .client
            .post(self.endpoint.clone())
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&[("messageId", message_sid), ("channel", "whatsapp")])
            .send()
            .await
            .map_err(|e| IndicatorError::Unreachable(redact(e.to_string())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response.bytes().await.unwrap_or_default();
        let error = TwilioError::parse(&body);
        Err(IndicatorError::Rejected {
            http_status: status.as_u16(),
            code: error.code,
            message: redact(error.message.unwrap_or_else(|| status_line(status))),
        })
    }
}
