//! The public address of local-api: where an agent's upload is given to Twilio
//! (`{origin}/media/{key}`, served by agent-api's handler like every other route).

/// The origin of `TWILIO_INBOUND_URL`: this local-api as Twilio reaches it (a tunnel's https
/// address when one is configured, else `http://127.0.0.1:{port}`).
pub fn public_url(inbound_url: &str) -> String {
    reqwest::Url::parse(inbound_url)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_given_at_the_origin_twilio_posts_to() {
        assert_eq!(
            public_url("http://127.0.0.1:3000/twilio/inbound"),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            public_url("https://abc.tunnel.example/twilio/inbound"),
            "https://abc.tunnel.example"
        );
    }
}
