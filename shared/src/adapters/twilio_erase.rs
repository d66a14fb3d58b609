//! `ERASE_AT_TWILIO=on`: an erased customer's messages are deleted at Twilio too,
//! `DELETE /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}.json` (204; a 404 means it is
//! gone already). The credentials go only to Twilio's hosts (or loopback), as every Twilio call.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::Url;

use super::twilio_rest::{TwilioConfig, TwilioConfigError, twilio_client};
use crate::app::privacy::erasure::TwilioEraser;
use crate::domain::MessageSid;

/// Deletes messages from one Twilio account.
pub struct TwilioMessageEraser {
    config: TwilioConfig,
    /// `…/Accounts/{AccountSid}/Messages/`: a message's sid and `.json` follow.
    base: Url,
    client: reqwest::Client,
}

impl std::fmt::Debug for TwilioMessageEraser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioMessageEraser")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl TwilioMessageEraser {
    pub fn new(config: TwilioConfig) -> Result<Self, TwilioConfigError> {
        let (base, client) = twilio_client(
            &config,
            &[
                "2010-04-01",
                "Accounts",
                &config.account_sid,
                "Messages",
                "",
            ],
            Duration::from_secs(3),
            Duration::from_secs(10),
        )?;
        Ok(Self {
            config,
            base,
            client,
        })
    }
}

#[async_trait]
impl TwilioEraser for TwilioMessageEraser {
    async fn delete_message(&self, _business: &str, sid: &str) -> Result<bool, String> {
        let sid = MessageSid::parse(sid).map_err(|_| "not a Twilio message sid".to_owned())?;
        let url = self
            .base
            .join(&format!("{}.json", sid.as_str()))
            .map_err(|e| e.to_string())?;
        let response = self
            .client
            .delete(url)
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "no answer from Twilio".to_owned()
                } else {
                    "the request to Twilio failed".to_owned()
                }
            })?;
        match response.status().as_u16() {
            204 | 200 => Ok(true),
            404 => Ok(false),
            status => Err(format!("Twilio answered HTTP {status}")),
        }
    }
}
