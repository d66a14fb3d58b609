//! [`MediaFetcher`] on Twilio's Media resource
//! (`https://api.twilio.com/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…`).
//!
//! - HTTP Basic `AccountSid:AuthToken` goes only to the origin (scheme, host, port) of
//!   `TWILIO_API_BASE_URL`. A media URL on any other origin is refused before any request.
//! - Twilio answers with a redirect to a short-lived CDN address. Redirects are followed here,
//!   not by the HTTP client, so that no hop off Twilio's origin carries the credentials; at most
//!   [`MAX_REDIRECTS`], https only (http to a loopback host only when Twilio's base is loopback:
//!   local runs and tests).
//! - The file is read once into one buffer, never past [`MAX_INBOUND_MEDIA_BYTES`], within
//!   [`FETCH_BUDGET`] for all hops.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use super::twilio_rest::{TwilioConfig, TwilioConfigError, checked_base, is_account_sid};
use crate::domain::MAX_INBOUND_MEDIA_BYTES;
use crate::ports::{FetchError, MediaFetcher, MediaFile};

/// Redirects followed at most (Twilio's answer is one redirect to its CDN).
pub const MAX_REDIRECTS: usize = 5;
/// Connecting to Twilio or the CDN.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Every hop and the whole body together: inside API Gateway's 30 s, with time left to copy
/// the file into the bucket.
pub const FETCH_BUDGET: Duration = Duration::from_secs(15);

/// `(scheme, host, port)`: what "the same origin" compares; default ports made explicit.
type Origin = (String, String, Option<u16>);

fn origin(url: &Url) -> Origin {
    (
        url.scheme().to_owned(),
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default(),
    )
}

fn is_loopback(url: &Url) -> bool {
    matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

/// Fetches inbound media from Twilio. Build it once per cold start and share it.
pub struct TwilioMediaFetcher {
    twilio: Origin,
    account_sid: String,
    auth_token: String,
    client: reqwest::Client,
    max_bytes: u64,
    /// Plain http is followed only when Twilio's base itself is loopback (local runs, tests):
    /// in AWS a redirect to `http://127.0.0.1…` (the Lambda runtime API) is refused.
    loopback_allowed: bool,
}

impl fmt::Debug for TwilioMediaFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioMediaFetcher")
            .field("twilio", &self.twilio)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl TwilioMediaFetcher {
    /// Checks the configuration as [`super::TwilioReplySender`] does (Twilio hosts over https,
    /// or loopback) and builds a client that never follows redirects by itself.
    pub fn new(config: &TwilioConfig) -> Result<Self, TwilioConfigError> {
        Self::with_limit(config, MAX_INBOUND_MEDIA_BYTES)
    }

    /// [`Self::new`] with another size limit, so that tests of the limit stay small.
    #[doc(hidden)]
    pub fn with_limit(config: &TwilioConfig, max_bytes: u64) -> Result<Self, TwilioConfigError> {
        if !is_account_sid(&config.account_sid) {
            return Err(TwilioConfigError::InvalidAccountSid);
        }
        if config.auth_token.is_empty() {
            return Err(TwilioConfigError::EmptyAuthToken);
        }
        let (base, _) = checked_base(&config.api_base_url)?;
        let loopback_allowed = is_loopback(&base);
        let client = crate::adapters::https::client_builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(TwilioConfigError::HttpClient)?;
        Ok(Self {
            twilio: origin(&base),
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
            client,
            max_bytes,
            loopback_allowed,
        })
    }

    fn unreachable(&self, error: reqwest::Error) -> FetchError {
        // Without the URL: a CDN address carries a signature of its own.
        let error = error.without_url();
        let what = if error.is_timeout() {
            format!("no answer within {} s", FETCH_BUDGET.as_secs())
        } else if error.is_connect() {
            "could not connect".to_owned()
        } else {
            error.to_string()
        };
        FetchError::Unreachable(what.replace(&self.auth_token, "[redacted]"))
    }

    /// Reads the body into one buffer, refusing it as soon as it passes the limit.
    async fn read(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let too_large = FetchError::TooLarge {
            limit: self.max_bytes,
        };
        let announced = response.content_length();
        if announced.is_some_and(|n| n > self.max_bytes) {
            return Err(too_large);
        }
        let capacity = usize::try_from(announced.unwrap_or(0).min(self.max_bytes)).unwrap_or(0);
        let mut bytes = Vec::with_capacity(capacity);
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(e))? {
            if (bytes.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(too_large);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

#[async_trait]
impl MediaFetcher for TwilioMediaFetcher {
    async fn fetch(&self, url: &str) -> Result<MediaFile, FetchError> {
        let mut current = Url::parse(url.trim()).map_err(|_| FetchError::NotTwilio)?;
        if origin(&current) != self.twilio {
            return Err(FetchError::NotTwilio);
        }
        let started = Instant::now();
        for _hop in 0..=MAX_REDIRECTS {
            let left = FETCH_BUDGET.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            let mut request = self.client.get(current.clone()).timeout(left);
            // The credentials go to Twilio's origin, and nowhere else.
            if origin(&current) == self.twilio {
                request = request.basic_auth(&self.account_sid, Some(&self.auth_token));
            }
            let response = request.send().await.map_err(|e| self.unreachable(e))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        FetchError::Unreachable("a redirect without a Location".into())
                    })?;
                let next = current.join(location).map_err(|_| {
                    FetchError::Unreachable("a redirect to an invalid address".into())
                })?;
                let secure = next.scheme() == "https"
                    || (self.loopback_allowed && next.scheme() == "http" && is_loopback(&next));
                if !secure {
                    return Err(FetchError::Unreachable(
                        "a redirect to an address that is not https".into(),
                    ));
                }
                current = next;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Refused {
                    status: status.as_u16(),
                });
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                .unwrap_or_default();
            let bytes = self.read(response).await?;
            return Ok(MediaFile {
                content_type,
                bytes,
            });
        }
        Err(FetchError::Unreachable(format!(
            "no file after {MAX_REDIRECTS} redirects or {} s",
            FETCH_BUDGET.as_secs()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port_with_default_ports_explicit() {
        let a = Url::parse("https://api.twilio.com/2010-04-01/x").unwrap();
        let b = Url::parse("https://API.twilio.com:443/other").unwrap();
        assert_eq!(origin(&a), origin(&b));
        for other in [
            "http://api.twilio.com/x",
            "https://api.twilio.com:8443/x",
            "https://media.twiliocdn.com/x",
            "https://api.twilio.com.evil.com/x",
            "https://api.twilio.com@evil.com/x",
        ] {
            assert_ne!(origin(&a), origin(&Url::parse(other).unwrap()), "{other}");
        }
    }
}
