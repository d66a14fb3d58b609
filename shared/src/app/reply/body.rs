//! What a valid reply body is: text, one media with an optional caption, or an approved
//! template, each checked before anything is stored or sent.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::ReplyContent;

/// WhatsApp's limit for one message body.
pub const MAX_BODY_CHARS: usize = 1600;

/// The JSON body of `POST /conversations/{id}/messages`.
#[derive(Debug, Deserialize)]
struct ReplyBody {
    body: Option<String>,
    media_url: Option<String>,
    template: Option<TemplateBody>,
}

#[derive(Debug, Deserialize)]
struct TemplateBody {
    content_sid: String,
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

/// Why a reply body is refused before anything happens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReply {
    /// Not JSON of the expected shape.
    #[error("the body is not a JSON reply: {0}")]
    Malformed(String),
    /// JSON, but not a reply that can be sent.
    #[error("{0}")]
    Unsendable(&'static str),
}

/// An https URL; or http on a loopback host, which is where local-api and the tests' S3 keep
/// an agent's upload (Twilio itself can only ever fetch https).
fn is_https_url(raw: &str) -> bool {
    let https = raw.strip_prefix("https://");
    let local = raw.strip_prefix("http://").filter(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
        matches!(name, "127.0.0.1" | "localhost" | "[::1]")
    });
    https.or(local).is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !raw.chars().any(char::is_whitespace) && raw.len() <= 2048
    })
}

fn valid_text(text: &str) -> Result<(), InvalidReply> {
    if text.trim().is_empty() {
        return Err(InvalidReply::Unsendable("body must not be blank"));
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(InvalidReply::Unsendable(
            "body is longer than 1,600 characters",
        ));
    }
    Ok(())
}

/// Reads and validates a reply body.
pub fn parse_reply(raw: &[u8]) -> Result<ReplyContent, InvalidReply> {
    let body: ReplyBody =
        serde_json::from_slice(raw).map_err(|e| InvalidReply::Malformed(e.to_string()))?;
    match (body.body, body.media_url, body.template) {
        (None, None, Some(t)) => {
            let hex = t.content_sid.strip_prefix("HX").unwrap_or_default();
            if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(InvalidReply::Unsendable(
                    "template.content_sid must be a Twilio Content SID (HX and 32 hexadecimal digits)",
                ));
            }
            if t.variables.keys().any(|k| k.is_empty()) {
                return Err(InvalidReply::Unsendable(
                    "template variable names must not be empty",
                ));
            }
            Ok(ReplyContent::Template {
                content_sid: t.content_sid,
                variables: t.variables,
                shown: None,
            })
        }
        (_, _, Some(_)) => Err(InvalidReply::Unsendable(
            "a template is sent alone, without body or media_url",
        )),
        (caption, Some(url), None) => {
            if !is_https_url(&url) {
                return Err(InvalidReply::Unsendable("media_url must be an https URL"));
            }
            if let Some(caption) = &caption {
                valid_text(caption)?;
            }
            Ok(ReplyContent::Media { url, caption })
        }
        (Some(text), None, None) => {
            valid_text(&text)?;
            Ok(ReplyContent::Text { body: text })
        }
        (None, None, None) => Err(InvalidReply::Unsendable(
            "a reply needs body, media_url or template",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_reply_of_1600_characters_is_valid_and_1601_is_not() {
        let ok = format!(r#"{{"body": "{}"}}"#, "é".repeat(1600));
        assert!(matches!(
            parse_reply(ok.as_bytes()),
            Ok(ReplyContent::Text { .. })
        ));
        let long = format!(r#"{{"body": "{}"}}"#, "a".repeat(1601));
        assert!(matches!(
            parse_reply(long.as_bytes()),
            Err(InvalidReply::Unsendable(_))
        ));
    }

    #[test]
    fn blank_or_empty_replies_are_unsendable() {
        for raw in [r#"{"body": ""}"#, r#"{"body": "  \n"}"#, r#"{}"#] {
            assert!(
                matches!(
                    parse_reply(raw.as_bytes()),
                    Err(InvalidReply::Unsendable(_))
                ),
                "{raw}"
            );
        }
    }

    #[test]
    fn bodies_that_are_not_json_replies_are_malformed() {
        for raw in [&b"body=hi"[..], b"", b"[]", br#"{"body": 5}"#, b"\xff"] {
            assert!(matches!(parse_reply(raw), Err(InvalidReply::Malformed(_))));
        }
    }

    #[test]
    fn media_must_be_https_and_may_carry_a_caption() {
        assert_eq!(
            parse_reply(br#"{"media_url": "https://cdn.example.com/a.jpg", "body": "Your label"}"#),
            Ok(ReplyContent::Media {
                url: "https://cdn.example.com/a.jpg".into(),
                caption: Some("Your label".into())
            })
        );
        for url in [
            "http://cdn.example.com/a.jpg",
            "http://127.0.0.1@evil.example.com/a.jpg",
            "http://localhost.evil.example.com/a.jpg",
            "ftp://x/y",
            "https://",
            "https:// x",
        ] {
            let raw = format!(r#"{{"media_url": "{url}"}}"#);
            assert!(parse_reply(raw.as_bytes()).is_err(), "{url}");
        }
        // local-api's and the tests' uploads live on a loopback host
        for url in [
            "http://127.0.0.1:3000/local/media/uploads/x",
            "http://localhost:5000/bucket/uploads/x?X-Amz-Signature=1",
        ] {
            let raw = format!(r#"{{"media_url": "{url}"}}"#);
            assert!(parse_reply(raw.as_bytes()).is_ok(), "{url}");
        }
    }

    #[test]
    fn a_template_needs_a_content_sid_and_comes_alone() {
        let ok = br#"{"template": {"content_sid": "HXb5b62575e6e4ff6129ad7c8efe1f983e", "variables": {"1": "12/1"}}}"#;
        assert!(matches!(parse_reply(ok), Ok(ReplyContent::Template { .. })));
        let bad_sid = br#"{"template": {"content_sid": "HX123"}}"#;
        assert!(matches!(
            parse_reply(bad_sid),
            Err(InvalidReply::Unsendable(_))
        ));
        let mixed =
            br#"{"body": "hi", "template": {"content_sid": "HXb5b62575e6e4ff6129ad7c8efe1f983e"}}"#;
        assert!(matches!(
            parse_reply(mixed),
            Err(InvalidReply::Unsendable(_))
        ));
    }
}
