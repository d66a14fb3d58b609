//! What a conversation's end records: an administrator's disposition codes, the outcome an
//! agent sends at wrap-up, tags, the CRM records it is linked to, and the customer's CSAT. The
//! rules each value obeys, checked before anything is stored.

use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// A summary is at most this many characters.
pub const MAX_SUMMARY_CHARS: usize = 2000;
/// Tags per conversation, and characters per tag.
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 32;
/// After a close, its assigned agent may send or change the outcome this long; administrators
/// at any time.
pub const OUTCOME_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);

fn invalid(what: &'static str, reason: &'static str) -> InvalidValue {
    InvalidValue { what, reason }
}

/// An identifier of 1–`max` letters, digits, `-` or `_` (a disposition code, a record system).
pub fn is_code(raw: &str, max: usize) -> bool {
    !raw.is_empty()
        && raw.len() <= max
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The conversation's tags as given: trimmed, blanks dropped, duplicates (ignoring case)
/// dropped keeping the first, at most [`MAX_TAGS`] of at most [`MAX_TAG_CHARS`] characters.
pub fn tags(raw: &[String]) -> Result<Vec<String>, InvalidValue> {
    let mut out: Vec<String> = Vec::new();
    for tag in raw.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(invalid("tag", "at most 32 characters"));
        }
        if tag.chars().any(char::is_control) {
            return Err(invalid("tag", "no control characters"));
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(invalid("tags", "at most 10 per conversation"));
    }
    Ok(out)
}

/// A tag as the index keys it: lowercase, so `Refund` and `refund` are one tag.
pub fn tag_key(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// A CRM record: `system` (`crm`, `orders`…) and its id there, with an optional https link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRef {
    pub system: String,
    pub id: String,
    #[serde(default)]
    pub url: Option<String>,
}

impl RecordRef {
    pub fn parse(system: &str, id: &str, url: Option<&str>) -> Result<Self, InvalidValue> {
        let system = system.trim();
        if !is_code(system, 32) {
            return Err(invalid(
                "record system",
                "1 to 32 letters, digits, '-' or '_'",
            ));
        }
        let id = id.trim();
        if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid("record id", "1 to 128 visible ASCII characters"));
        }
        let url = match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => {
                let rest = u
                    .strip_prefix("https://")
                    .ok_or(invalid("record url", "an https:// address"))?;
                let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
                if host.is_empty() || u.len() > 2048 || u.chars().any(char::is_whitespace) {
                    return Err(invalid("record url", "an https:// address"));
                }
                Some(u.to_owned())
            }
        };
        Ok(Self {
            system: system.to_owned(),
            id: id.to_owned(),
            url,
        })
    }

    /// `SYSTEM:ID`, as `?record=` names it.
    pub fn parse_query(raw: &str) -> Result<(String, String), InvalidValue> {
        let (system, id) = raw
            .split_once(':')
            .ok_or(invalid("record", "SYSTEM:ID, e.g. crm:CASE-42"))?;
        let record = Self::parse(system, id, None)?;
        Ok((record.system, record.id))
    }
}

/// The CSAT survey: `CSAT_CONTENT_SID` (an approved template) and `CSAT_WAIT_MINUTES` (how long
/// after it went out a digit answers it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsatSettings {
    pub content_sid: String,
    pub wait: chrono::TimeDelta,
}

/// A customer's answer to the CSAT template: a button payload or a message that is just one
/// digit 1–5.
pub fn csat_score(body: Option<&str>, payload: Option<&str>) -> Option<u8> {
    let digit = |s: &str| {
        let s = s.trim();
        (s.len() == 1)
            .then(|| s.parse::<u8>().ok())
            .flatten()
            .filter(|n| (1..=5).contains(n))
    };
    payload.and_then(digit).or_else(|| body.and_then(digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(raw: &[&str]) -> Vec<String> {
        raw.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn tags_are_trimmed_deduplicated_ignoring_case_and_bounded() {
        assert_eq!(
            tags(&owned(&[" refund ", "Refund", "", "vip"])).unwrap(),
            owned(&["refund", "vip"])
        );
        assert!(tags(&owned(&[&"x".repeat(33)])).is_err());
        assert!(tags(&owned(&[&"é".repeat(32)])).is_ok());
        let eleven: Vec<String> = (0..11).map(|n| format!("t{n}")).collect();
        assert!(tags(&eleven).is_err());
    }

    #[test]
    fn a_record_needs_a_code_system_a_visible_id_and_only_an_https_link() {
        assert!(RecordRef::parse("crm", "CASE-42", Some("https://crm.example.com/c/42")).is_ok());
        assert!(RecordRef::parse("crm", "CASE-42", None).is_ok());
        assert!(RecordRef::parse("crm", "CASE-42", Some("http://crm.example.com")).is_err());
        assert!(RecordRef::parse("crm", "CASE-42", Some("javascript:alert(1)")).is_err());
        assert!(RecordRef::parse("c r m", "CASE-42", None).is_err());
        assert!(RecordRef::parse("crm", "CASE 42", None).is_err());
        assert_eq!(
            RecordRef::parse_query("crm:CASE-42").unwrap(),
            ("crm".into(), "CASE-42".into())
        );
        assert!(RecordRef::parse_query("CASE-42").is_err());
    }

    #[test]
    fn a_csat_answer_is_one_digit_from_1_to_5_from_a_button_or_the_text() {
        assert_eq!(csat_score(Some("5"), None), Some(5));
        assert_eq!(csat_score(Some(" 3 "), None), Some(3));
        assert_eq!(csat_score(Some("Great"), Some("4")), Some(4));
        assert_eq!(csat_score(Some("6"), None), None);
        assert_eq!(csat_score(Some("5 stars"), None), None);
        assert_eq!(csat_score(Some("10"), None), None);
        assert_eq!(csat_score(None, None), None);
    }
}
