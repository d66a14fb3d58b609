//! Media kept in this process when no `MEDIA_BUCKET` is set: an agent's upload is shared at
//! `GET /local/media/{key}` on this local-api (what its `media_url` points to), without
//! credentials, as a presigned address on the bucket would be.

use agent_api::media_response;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use whatsapp_channel::adapters::InMemoryMediaStore;
use whatsapp_channel::ports::MediaAccess;

/// The path under which shared files are served.
pub const PREFIX: &str = "/local/media/";

/// `{origin of TWILIO_INBOUND_URL}/local/media/`: this local-api as Twilio reaches it (a tunnel's
/// https address when one is configured, else `http://127.0.0.1:{port}`).
pub fn share_base(inbound_url: &str) -> String {
    let origin = reqwest::Url::parse(inbound_url)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_default();
    format!("{origin}{PREFIX}")
}

/// `GET /local/media/{key}`: an agent's upload, or 404. Copies of customers' media are never
/// served here: they open through the agents' route only.
pub fn serve(store: Option<&InMemoryMediaStore>, key: &str) -> Response<Body> {
    let shared = store.filter(|_| key.starts_with("uploads/") && !key.contains(".."));
    match shared.and_then(|s| s.get(key)) {
        Some(file) => media_response(MediaAccess::Bytes(file.as_ref().clone())),
        None => whatsapp_channel::http::error(StatusCode::NOT_FOUND, "not_found", "No such file."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_shared_on_the_origin_twilio_posts_to() {
        assert_eq!(
            share_base("http://127.0.0.1:3000/twilio/inbound"),
            "http://127.0.0.1:3000/local/media/"
        );
        assert_eq!(
            share_base("https://abc.tunnel.example/twilio/inbound"),
            "https://abc.tunnel.example/local/media/"
        );
    }
}
