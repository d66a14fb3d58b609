//! The issuer's signing keys: fetched at init (bounded) or on first use, kept for the life of
//! the execution environment, refetched when a token names a key we do not know (rotation),
//! rate-limited.

use std::net::IpAddr;
use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet};
use reqwest::Url;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Least time between two successful JWKS fetches: a flood of tokens with made-up `kid`s
/// costs the issuer at most one request a minute.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(60);
/// Least time between attempts after a failed fetch: a blip at cold start must not lock
/// agents out for a whole minute, nor let every connect wait on a dead issuer.
pub const RETRY_INTERVAL: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum JwksConfigError {
    #[error("JWKS URL {0:?} is not a URL")]
    InvalidUrl(String),
    #[error("JWKS URL must use https (plain http only for a loopback host)")]
    NotHttps,
    #[error("cannot build the HTTP client")]
    HttpClient(#[source] reqwest::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no key with kid {kid:?} in the issuer's JWKS")]
    UnknownKid { kid: String },
    #[error("the JWKS could not be fetched")]
    Fetch(#[source] reqwest::Error),
    #[error("the JWKS was fetched less than a minute ago and is not retried yet")]
    Throttled,
}

#[derive(Default)]
struct State {
    keys: Option<JwkSet>,
    /// No request to the issuer before this instant.
    next_fetch_at: Option<Instant>,
}

/// The issuer's JWKS behind one HTTP client with short timeouts.
pub struct JwksCache {
    url: Url,
    client: reqwest::Client,
    refresh_interval: Duration,
    retry_interval: Duration,
    state: Mutex<State>,
}

impl JwksCache {
    pub fn new(url: &str) -> Result<Self, JwksConfigError> {
        let url = Url::parse(url).map_err(|_| JwksConfigError::InvalidUrl(url.to_owned()))?;
        let loopback = is_loopback(&url);
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(JwksConfigError::NotHttps);
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // Keys come from the configured URL only, never from wherever it redirects.
            .redirect(reqwest::redirect::Policy::none());
        if loopback {
            // A loopback address is this machine (a test stub): a proxy would be wrong.
            builder = builder.no_proxy();
        }
        Ok(Self {
            url,
            client: builder.build().map_err(JwksConfigError::HttpClient)?,
            refresh_interval: REFRESH_INTERVAL,
            retry_interval: RETRY_INTERVAL,
            state: Mutex::new(State::default()),
        })
    }

    /// Same cache with other intervals (tests).
    pub fn with_intervals(mut self, refresh: Duration, retry: Duration) -> Self {
        self.refresh_interval = refresh;
        self.retry_interval = retry;
        self
    }

    /// Fetches the keys ahead of the first token, within `limit` (at init: the first connect
    /// then pays no request to the issuer, nor its TLS handshake). A failure or a slow issuer
    /// changes nothing: the first token fetches them as it would have, at once.
    pub async fn prefetch(&self, limit: Duration) {
        let mut state = self.state.lock().await;
        if state.keys.is_some() {
            return;
        }
        match tokio::time::timeout(limit, self.fetch()).await {
            Ok(Ok(keys)) => {
                tracing::info!(keys = keys.keys.len(), "JWKS fetched at init");
                state.next_fetch_at = Some(Instant::now() + self.refresh_interval);
                state.keys = Some(keys);
            }
            Ok(Err(error)) => tracing::warn!(
                error = %error,
                "the JWKS could not be fetched at init; the first connect fetches it"
            ),
            Err(_) => tracing::warn!(
                limit_ms = limit.as_millis() as u64,
                "the JWKS did not arrive in time at init; the first connect fetches it"
            ),
        }
    }

    /// The key named `kid`: from the cache, or after one (rate-limited) fetch.
    pub async fn key(&self, kid: &str) -> Result<Jwk, KeyError> {
        // Held across the fetch: concurrent callers wait for one request instead of each sending one.
        let mut state = self.state.lock().await;
        if let Some(jwk) = state.keys.as_ref().and_then(|keys| keys.find(kid)) {
            return Ok(jwk.clone());
        }
        let now = Instant::now();
        if state.next_fetch_at.is_some_and(|at| now < at) {
            return Err(match state.keys {
                Some(_) => KeyError::UnknownKid {
                    kid: kid.to_owned(),
                },
                None => KeyError::Throttled,
            });
        }
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(keys = keys.keys.len(), "JWKS fetched");
                state.next_fetch_at = Some(now + self.refresh_interval);
                state.keys = Some(keys);
            }
            Err(error) => {
                state.next_fetch_at = Some(now + self.retry_interval);
                // Keep the keys we had: an issuer outage must not refuse tokens we can check.
                return Err(KeyError::Fetch(error));
            }
        }
        state
            .keys
            .as_ref()
            .and_then(|keys| keys.find(kid))
            .cloned()
            .ok_or_else(|| KeyError::UnknownKid {
                kid: kid.to_owned(),
            })
    }

    async fn fetch(&self) -> Result<JwkSet, reqwest::Error> {
        self.client
            .get(self.url.clone())
            .send()
            .await?
            .error_for_status()?
            .json::<JwkSet>()
            .await
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_http_jwks_url_is_refused_unless_it_is_loopback() {
        assert!(matches!(
            JwksCache::new("http://issuer.example.com/jwks.json"),
            Err(JwksConfigError::NotHttps)
        ));
        assert!(JwksCache::new("http://127.0.0.1:9/jwks.json").is_ok());
        assert!(JwksCache::new("http://[::1]:9/jwks.json").is_ok());
        assert!(JwksCache::new("https://issuer.example.com/jwks.json").is_ok());
    }

    #[test]
    fn a_jwks_url_that_is_not_a_url_is_refused() {
        assert!(matches!(
            JwksCache::new("not a url"),
            Err(JwksConfigError::InvalidUrl(_))
        ));
    }
}
