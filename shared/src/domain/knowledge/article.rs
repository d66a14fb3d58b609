//! An administrator's article: its id from the path and its JSON body, validated before
//! anything is stored, and the limits they are held to.

use serde::Deserialize;

pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 32;
pub const MAX_ID_CHARS: usize = 64;
/// Longer links are refused: no help-centre page needs more.
pub const MAX_URL_CHARS: usize = 2_000;

/// Why an article is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidArticle {
    /// 400 `invalid_json`.
    #[error("the body is not a JSON article {{\"title\", \"body\", \"url\"?, \"tags\"?}}: {0}")]
    Malformed(String),
    /// 413 `too_large`.
    #[error("the body has {chars} characters, over the limit of {max}", max = MAX_BODY_CHARS)]
    TooLarge { chars: usize },
    /// 422 `invalid_article`.
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
}

fn invalid(what: &'static str, reason: impl Into<String>) -> InvalidArticle {
    InvalidArticle::Invalid {
        what,
        reason: reason.into(),
    }
}

/// An article's id from the path (already percent-decoded): 1–64 of `A-Za-z0-9_-`.
pub fn parse_article_id(raw: &str) -> Result<String, InvalidArticle> {
    let ok = (1..=MAX_ID_CHARS).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| raw.to_owned()).ok_or_else(|| {
        invalid(
            "id",
            format!("must be 1-{MAX_ID_CHARS} letters, digits, '-' or '_'"),
        )
    })
}

/// An administrator's article, valid: trimmed title and body, an `https` link, distinct tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInput {
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    title: String,
    body: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// Reads `{"title", "body", "url"?, "tags"?}`. The body's size (trimmed, in characters) is
/// checked first; a blank `url` counts as none; tags equal but for case are kept once, the
/// first spelling winning, and the limit of ten counts distinct tags.
pub fn parse_article(raw: &[u8]) -> Result<ArticleInput, InvalidArticle> {
    let raw: RawArticle =
        serde_json::from_slice(raw).map_err(|e| InvalidArticle::Malformed(e.to_string()))?;
    let body = raw.body.trim();
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(InvalidArticle::TooLarge { chars });
    }
    let title = raw.title.trim();
    let title_chars = title.chars().count();
    if !(1..=MAX_TITLE_CHARS).contains(&title_chars) {
        let reason =
            format!("must be 1-{MAX_TITLE_CHARS} characters, not blank; it has {title_chars}");
        return Err(invalid("title", reason));
    }
    if body.is_empty() {
        return Err(invalid("body", "must not be blank"));
    }
    let url = match raw.url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => Some(parse_url(url).map_err(|reason| invalid("url", reason))?),
    };
    let mut tags: Vec<String> = Vec::new();
    for tag in raw.tags.unwrap_or_default() {
        let tag = tag.trim();
        let chars = tag.chars().count();
        if !(1..=MAX_TAG_CHARS).contains(&chars) {
            let reason =
                format!("each must be 1-{MAX_TAG_CHARS} characters, not blank; one has {chars}");
            return Err(invalid("tags", reason));
        }
        let lower = tag.to_lowercase();
        if !tags.iter().any(|t| t.to_lowercase() == lower) {
            tags.push(tag.to_owned());
        }
        if tags.len() > MAX_TAGS {
            return Err(invalid(
                "tags",
                format!("at most {MAX_TAGS} distinct tags are allowed"),
            ));
        }
    }
    Ok(ArticleInput {
        title: title.to_owned(),
        body: body.to_owned(),
        url,
        tags,
    })
}

/// An absolute `https://` link with a host: no other scheme (`javascript:`, `http:`), no
/// credentials before the host, no spaces, control characters or `\ " < > `` ` ``.
fn parse_url(url: &str) -> Result<String, String> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(format!("must be at most {MAX_URL_CHARS} characters"));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "\\\"<>`".contains(c))
    {
        return Err("must not contain spaces, control characters or \\ \" < > `".into());
    }
    let rest = match url.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => &url[8..],
        _ => return Err("must be an absolute https:// link".into()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not contain a user name or password".into());
    }
    // No IPv6 literal: a help page has a name.
    let (host, port) = authority.split_at(authority.find(':').unwrap_or(authority.len()));
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !host.split('.').all(label_ok) {
        return Err("must name a host (like help.example.com)".into());
    }
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
        });
    if !port_ok {
        return Err("has a malformed port".into());
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn article(json: serde_json::Value) -> Result<ArticleInput, InvalidArticle> {
        parse_article(json.to_string().as_bytes())
    }

    fn invalid_part(json: serde_json::Value) -> &'static str {
        match article(json) {
            Err(InvalidArticle::Invalid { what, .. }) => what,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn an_article_is_trimmed_and_its_optional_fields_default() {
        let a = article(json!({"title": " Refunds ", "body": "\nWithin 14 days. "}));
        let expected = ArticleInput {
            title: "Refunds".into(),
            body: "Within 14 days.".into(),
            url: None,
            tags: vec![],
        };
        assert_eq!(a, Ok(expected));
    }

    #[test]
    fn a_body_of_20000_characters_passes_and_one_more_is_too_large() {
        let body = "é".repeat(MAX_BODY_CHARS);
        assert!(article(json!({"title": "t", "body": body})).is_ok());
        let over = format!("{body}x");
        let err = article(json!({"title": "", "body": over})).unwrap_err();
        assert_eq!(err, InvalidArticle::TooLarge { chars: 20_001 });
        assert!(err.to_string().contains("20001") && err.to_string().contains("20000"));
    }

    #[test]
    fn malformed_json_missing_fields_and_unknown_fields_are_400s() {
        for raw in [
            &b"not json"[..],
            br#"{"title":"t"}"#,
            br#"{"title":"t","body":"b","id":"x"}"#,
            br#"{"title":1,"body":"b"}"#,
        ] {
            assert!(matches!(
                parse_article(raw),
                Err(InvalidArticle::Malformed(_))
            ));
        }
    }

    #[test]
    fn titles_and_bodies_must_not_be_blank_and_titles_stay_short() {
        assert_eq!(invalid_part(json!({"title": "  ", "body": "b"})), "title");
        assert_eq!(invalid_part(json!({"title": "t", "body": " \n"})), "body");
        let long = "t".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(invalid_part(json!({"title": long, "body": "b"})), "title");
        let title = "t".repeat(MAX_TITLE_CHARS);
        assert!(article(json!({"title": title, "body": "b"})).is_ok());
    }

    #[test]
    fn only_absolute_https_links_with_a_host_are_accepted() {
        let with = |url: &str| article(json!({"title": "t", "body": "b", "url": url}));
        for ok in [
            "https://help.example.com/refunds?lang=fr#top",
            "HTTPS://Example.com",
            "https://example.com:8443/x",
            "https://bücher.example/",
        ] {
            assert_eq!(with(ok).map(|a| a.url), Ok(Some(ok.to_owned())), "{ok}");
        }
        assert_eq!(with(" ").map(|a| a.url), Ok(None));
        for bad in [
            "http://example.com",
            "javascript:alert(1)",
            "//example.com",
            "https://",
            "https:///path",
            "https://user:pw@example.com",
            "https://exa mple.com",
            "https://example.com\\@evil.com",
            "https://example..com",
            "https://example.com:99999",
            "https://example.com:",
            "https://-bad.com",
            "https://[::1]/",
        ] {
            assert!(
                matches!(with(bad), Err(InvalidArticle::Invalid { what: "url", .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn tags_are_trimmed_deduplicated_ignoring_case_and_limited() {
        let tags = json!([" Billing ", "billing", "BILLING", "Refunds"]);
        let a = article(json!({"title": "t", "body": "b", "tags": tags}));
        assert_eq!(
            a.map(|a| a.tags),
            Ok(vec!["Billing".to_owned(), "Refunds".to_owned()])
        );
        let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        let mut eleven = ten.clone();
        eleven.push("T0".into());
        let a = article(json!({"title": "t", "body": "b", "tags": eleven}));
        assert_eq!(a.map(|a| a.tags), Ok(ten.clone()));
        let mut too_many = ten;
        too_many.push("t10".into());
        let json = json!({"title": "t", "body": "b", "tags": too_many});
        assert_eq!(invalid_part(json), "tags");
        let long = "x".repeat(MAX_TAG_CHARS + 1);
        assert_eq!(
            invalid_part(json!({"title": "t", "body": "b", "tags": [long]})),
            "tags"
        );
        assert_eq!(
            invalid_part(json!({"title": "t", "body": "b", "tags": [" "]})),
            "tags"
        );
        let fits = "x".repeat(MAX_TAG_CHARS);
        assert!(article(json!({"title": "t", "body": "b", "tags": [fits]})).is_ok());
    }

    #[test]
    fn article_ids_are_short_and_plain() {
        assert_eq!(
            parse_article_id("refund-policy_2"),
            Ok("refund-policy_2".to_owned())
        );
        assert!(parse_article_id(&"a".repeat(MAX_ID_CHARS)).is_ok());
        for bad in ["", "a b", "a/b", "é", &"a".repeat(MAX_ID_CHARS + 1)] {
            assert!(
                matches!(
                    parse_article_id(bad),
                    Err(InvalidArticle::Invalid { what: "id", .. })
                ),
                "{bad}"
            );
        }
    }
}
