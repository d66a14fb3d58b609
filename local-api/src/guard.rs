//! Who may reach local-api from a browser. It serves live customer data with no sign-in, so:
//! - a request's `Host` must name this machine (a loopback name or address) or a host that
//!   `LOCAL_API_ALLOWED_HOSTS` lists (a tunnel that brings Twilio's webhooks in), which stops a
//!   DNS-rebinding page from reading it under a name of its own;
//! - a `/ws` handshake from a browser (it sends `Origin`) must come from local-api's own origin,
//!   so that no other page an agent visits can open the live feed. Non-browser clients send no
//!   `Origin` and stay allowed.

use hyper::http::StatusCode;

/// The hosts a request may name besides loopback, from `LOCAL_API_ALLOWED_HOSTS`.
#[derive(Debug, Clone, Default)]
pub struct HostGuard {
    /// Lower-case host names, without port.
    allowed: Vec<String>,
}

/// Why a request was refused: the status and the JSON error body's code and message.
pub type Refusal = (StatusCode, &'static str, &'static str);

impl HostGuard {
    /// Loopback plus `hosts` (host names, with or without a port; the port is not checked).
    pub fn new<S: AsRef<str>>(hosts: impl IntoIterator<Item = S>) -> Self {
        let allowed = hosts
            .into_iter()
            .filter_map(|h| host_name(h.as_ref().trim()))
            .filter(|h| !h.is_empty())
            .collect();
        Self { allowed }
    }

    /// Loopback plus a comma-separated list, as `LOCAL_API_ALLOWED_HOSTS` gives it.
    pub fn listed(list: &str) -> Self {
        Self::new(list.split(','))
    }

    /// Loopback plus the comma-separated `LOCAL_API_ALLOWED_HOSTS`.
    pub fn from_env() -> Self {
        Self::listed(
            &whatsapp_channel::config::optional("LOCAL_API_ALLOWED_HOSTS").unwrap_or_default(),
        )
    }

    /// Whether a request naming `host` (its `Host` header) may be served. A request with no
    /// `Host` (HTTP/1.0, a raw client) is not a browser's and is served.
    pub fn allows_host(&self, host: Option<&str>) -> bool {
        let Some(host) = host else {
            return true;
        };
        match host_name(host) {
            Some(name) => is_loopback(&name) || self.allowed.contains(&name),
            None => false,
        }
    }

    /// Checks a request's `Host`, and for a `/ws` handshake its `Origin`.
    pub fn check(
        &self,
        host: Option<&str>,
        origin: Option<&str>,
        websocket: bool,
    ) -> Result<(), Refusal> {
        if !self.allows_host(host) {
            return Err((
                StatusCode::FORBIDDEN,
                "host_not_allowed",
                "This Host is not local-api's: use localhost, or list the host in LOCAL_API_ALLOWED_HOSTS.",
            ));
        }
        if websocket && !same_origin(origin, host) {
            return Err((
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                "Only local-api's own console may open /ws.",
            ));
        }
        Ok(())
    }
}

/// A `/ws` handshake's `Origin` is local-api's own when it names the host (and port) the
/// request was sent to; no `Origin` is a non-browser client.
fn same_origin(origin: Option<&str>, host: Option<&str>) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    host.is_some_and(|host| authority.eq_ignore_ascii_case(host))
}

/// The host name of a `Host` value (`name`, `name:port`, `[v6]`, `[v6]:port`), lower case;
/// `None` when it is not one.
fn host_name(host: &str) -> Option<String> {
    let name = if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        inside
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return None,
            None => host,
        }
    };
    Some(name.to_ascii_lowercase())
}

fn is_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

fn is_loopback(name: &str) -> bool {
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_addresses_are_served_with_or_without_a_port() {
        let guard = HostGuard::default();
        for host in [
            "localhost",
            "localhost:3000",
            "LOCALHOST:3000",
            "app.localhost:3000",
            "127.0.0.1:3000",
            "127.1.2.3",
            "[::1]:3000",
            "[::1]",
        ] {
            assert!(guard.allows_host(Some(host)), "{host}");
        }
        assert!(guard.allows_host(None));
    }

    #[test]
    fn other_hosts_are_refused_unless_listed() {
        let guard = HostGuard::default();
        for host in [
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "10.0.0.5:3000",
            "[2001:db8::1]:3000",
            "localhost:3000:1",
            "[::1]x",
            "",
        ] {
            assert!(!guard.allows_host(Some(host)), "{host}");
        }
        let tunnel = HostGuard::listed(" Abc.ngrok.app , other.example:443,");
        assert!(tunnel.allows_host(Some("abc.ngrok.app")));
        assert!(tunnel.allows_host(Some("ABC.ngrok.app:443")));
        assert!(tunnel.allows_host(Some("other.example")));
        assert!(!tunnel.allows_host(Some("evil.example")));
    }

    #[test]
    fn a_websocket_from_another_origin_is_refused_and_one_without_origin_is_not() {
        let guard = HostGuard::default();
        let host = Some("127.0.0.1:3000");
        assert_eq!(guard.check(host, None, true), Ok(()));
        assert_eq!(
            guard.check(host, Some("http://127.0.0.1:3000"), true),
            Ok(())
        );
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:3001",
            "http://localhost:3000",
            "null",
            "file://",
        ] {
            let refused = guard.check(host, Some(origin), true).unwrap_err();
            assert_eq!(refused.1, "origin_not_allowed", "{origin}");
        }
        // Plain requests are not asked for their Origin (the console's own fetches).
        assert_eq!(
            guard.check(host, Some("http://evil.example"), false),
            Ok(())
        );
    }

    #[test]
    fn a_foreign_host_is_refused_before_anything_else() {
        let refused = HostGuard::default()
            .check(Some("evil.example"), Some("http://evil.example"), true)
            .unwrap_err();
        assert_eq!(
            (refused.0, refused.1),
            (StatusCode::FORBIDDEN, "host_not_allowed")
        );
    }
}
