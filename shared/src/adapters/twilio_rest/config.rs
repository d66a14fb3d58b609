//! Where and as whom to call Twilio ([`TwilioConfig`]), and what every Twilio adapter that sends
//! the account's credentials checks and builds once from it: the account SID's pattern, a token, an
//! endpoint under a Twilio base over https (or a loopback one), and an HTTP client that follows no
//! redirect.

use std::fmt;
use std::time::Duration;

use reqwest::Url;

/// Where and as whom to call Twilio.
#[derive(Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    /// `https://api.twilio.com` in production; a loopback URL for local runs and tests.
    pub api_base_url: String,
    /// `AC…`: the account in the path and the Basic auth user.
    pub account_sid: String,
    /// The Basic auth password. Never logged, never shown by `Debug`.
    pub auth_token: String,
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("api_base_url", &self.api_base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .finish()
    }
}

/// Why a [`TwilioReplySender`](super::TwilioReplySender) (or another Twilio adapter) could not
/// be built. No variant carries the token or the whole URL (which might hold credentials in its
/// userinfo).
#[derive(Debug, thiserror::Error)]
pub enum TwilioConfigError {
    #[error("the Twilio API base URL is not a valid absolute URL")]
    InvalidBaseUrl,
    #[error(
        "the Twilio API base URL must be https:// (http:// only for a loopback host), not {scheme}://"
    )]
    InsecureScheme { scheme: String },
    #[error(
        "the Twilio API base URL must point to twilio.com or a *.twilio.com host (or loopback), not {host}"
    )]
    NotTwilioHost { host: String },
    #[error("the Twilio API base URL must not carry a user, password, query or fragment")]
    UnexpectedUrlParts,
    #[error("the Twilio account SID must match ^AC[0-9a-fA-F]{{32}}$")]
    InvalidAccountSid,
    #[error("the Twilio auth token is empty")]
    EmptyAuthToken,
    #[error("the HTTP client could not be built")]
    HttpClient(#[source] reqwest::Error),
}

/// `^AC[0-9a-fA-F]{32}$`, the spec's pattern for the path's AccountSid.
pub(crate) fn is_account_sid(sid: &str) -> bool {
    sid.len() == 34 && sid.starts_with("AC") && sid.bytes().skip(2).all(|b| b.is_ascii_hexdigit())
}

/// The endpoint `path` under `base`, and whether `base` is a loopback host. Credentials only
/// go to `twilio.com`/`*.twilio.com` over https, or to `127.0.0.1`/`localhost`/`[::1]`.
fn endpoint(base: &str, path: &[&str]) -> Result<(Url, bool), TwilioConfigError> {
    let (mut url, loopback) = checked_base(base)?;
    url.path_segments_mut()
        .map_err(|()| TwilioConfigError::InvalidBaseUrl)?
        .pop_if_empty()
        .extend(path);
    Ok((url, loopback))
}

/// What every Twilio adapter that sends the account's credentials checks and builds once: the
/// account SID's pattern, a token, the endpoint `path` under a Twilio (or loopback) base, and an
/// HTTP client that follows no redirect (it would carry the credentials off Twilio's hosts) and
/// uses no proxy for a loopback host (this machine).
pub(crate) fn twilio_client(
    config: &TwilioConfig,
    path: &[&str],
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<(Url, reqwest::Client), TwilioConfigError> {
    if !is_account_sid(&config.account_sid) {
        return Err(TwilioConfigError::InvalidAccountSid);
    }
    if config.auth_token.is_empty() {
        return Err(TwilioConfigError::EmptyAuthToken);
    }
    let (endpoint, loopback) = endpoint(&config.api_base_url, path)?;
    let mut builder = crate::adapters::https::client_builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .redirect(reqwest::redirect::Policy::none());
    if loopback {
        builder = builder.no_proxy();
    }
    let client = builder.build().map_err(TwilioConfigError::HttpClient)?;
    Ok((endpoint, client))
}

/// `TWILIO_API_BASE_URL` parsed, and whether it is a loopback host: only `twilio.com` or
/// `*.twilio.com` over https, or `127.0.0.1`/`localhost`/`[::1]`, may receive the credentials.
pub(crate) fn checked_base(base: &str) -> Result<(Url, bool), TwilioConfigError> {
    let url = Url::parse(base.trim()).map_err(|_| TwilioConfigError::InvalidBaseUrl)?;
    let scheme = url.scheme().to_owned();
    if scheme != "https" && scheme != "http" {
        return Err(TwilioConfigError::InsecureScheme { scheme });
    }
    // Userinfo would be sent as credentials of its own; a query or fragment has no meaning here.
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(TwilioConfigError::UnexpectedUrlParts);
    }
    // The parsed host, not the string: "https://api.twilio.com@evil.com" is evil.com. The
    // parser lowercases domains and normalises IPs ("127.1" is 127.0.0.1, IPv6 is compressed).
    let host = url
        .host_str()
        .ok_or(TwilioConfigError::InvalidBaseUrl)?
        .to_owned();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    let twilio = host == "twilio.com" || host.ends_with(".twilio.com");
    if !loopback {
        if !twilio {
            return Err(TwilioConfigError::NotTwilioHost { host });
        }
        if scheme != "https" {
            return Err(TwilioConfigError::InsecureScheme { scheme });
        }
    }
    Ok((url, loopback))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "AC0123456789abcdef0123456789ABCDEF";

    fn messages_endpoint(base: &str) -> Result<(Url, bool), TwilioConfigError> {
        endpoint(base, &["2010-04-01", "Accounts", SID, "Messages.json"])
    }

    #[test]
    fn the_endpoint_is_the_create_message_path_under_the_base() {
        for base in [
            "https://api.twilio.com",
            "https://api.twilio.com/",
            " https://api.twilio.com ",
        ] {
            let (url, loopback) = messages_endpoint(base).unwrap();
            assert_eq!(
                url.as_str(),
                format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json")
            );
            assert!(!loopback);
        }
        let (url, loopback) = messages_endpoint("http://127.0.0.1:4010/twilio/").unwrap();
        assert_eq!(
            url.as_str(),
            format!("http://127.0.0.1:4010/twilio/2010-04-01/Accounts/{SID}/Messages.json")
        );
        assert!(loopback);
    }

    #[test]
    fn only_twilio_hosts_over_https_and_loopback_hosts_are_accepted() {
        for ok in [
            "https://api.twilio.com",
            "https://twilio.com",
            "https://API.Twilio.COM",
            "https://api.twilio.com:8443",
            "http://127.0.0.1:1",
            "https://127.0.0.1:1",
            "http://localhost:8080",
            "http://[::1]:8080",
            "http://[0:0:0:0:0:0:0:1]:8080",
            "http://127.1:8080",
        ] {
            assert!(messages_endpoint(ok).is_ok(), "{ok} was refused");
        }
        for refused in [
            "https://evil.example.com",
            "http://api.twilio.com",
            "https://api.twilio.com.evil.com",
            "https://eviltwilio.com",
            "https://api.twilio.com@evil.com",
            "https://user:pass@api.twilio.com",
            "https://api.twilio.com?x=1",
            "https://api.twilio.com#x",
            "https://127.0.0.2",
            "https://10.0.0.1",
            "ftp://api.twilio.com",
            "file:///etc/passwd",
            "api.twilio.com",
            "",
        ] {
            assert!(
                messages_endpoint(refused).is_err(),
                "{refused} was accepted"
            );
        }
    }

    #[test]
    fn account_sids_must_match_the_spec_pattern() {
        assert!(is_account_sid(SID));
        assert!(!is_account_sid("AC0123"));
        assert!(!is_account_sid("SK0123456789abcdef0123456789abcdef"));
        assert!(!is_account_sid("AC0123456789abcdef0123456789abcdeg"));
        assert!(!is_account_sid("ac0123456789abcdef0123456789abcdef"));
        assert!(!is_account_sid("AC0123456789abcdef0123456789abcdef0"));
    }
}
