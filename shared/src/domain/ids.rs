use std::fmt;

use super::InvalidValue;

/// Twilio ids are two letters and 32 hexadecimal digits.
fn parse_twilio_sid(
    raw: &str,
    prefixes: &[&str],
    what: &'static str,
) -> Result<String, InvalidValue> {
    let invalid = |reason| InvalidValue { what, reason };
    if raw.len() != 34 {
        return Err(invalid("a Twilio id has 34 characters"));
    }
    if !prefixes.iter().any(|p| raw.starts_with(p)) {
        return Err(invalid("the prefix is not one Twilio uses for it"));
    }
    if !raw.as_bytes()[2..].iter().all(u8::is_ascii_hexdigit) {
        return Err(invalid("a Twilio id ends with 32 hexadecimal digits"));
    }
    Ok(raw.to_owned())
}

macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// `SM…` (text) or `MM…` (media) message id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageSid(String);
string_id!(MessageSid);

impl MessageSid {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        parse_twilio_sid(raw, &["SM", "MM"], "MessageSid").map(Self)
    }
}

/// `AC…` account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountSid(String);
string_id!(AccountSid);

impl AccountSid {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        parse_twilio_sid(raw, &["AC"], "AccountSid").map(Self)
    }
}

/// Our id of one conversation (one session of a customer): a UUIDv7, so ids sort by creation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(String);
string_id!(ConversationId);

impl ConversationId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        uuid::Uuid::try_parse(raw)
            .map(|u| Self(u.hyphenated().to_string()))
            .map_err(|_| InvalidValue {
                what: "conversation id",
                reason: "it is not a UUID",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_sids_of_text_and_media_messages_are_accepted() {
        assert!(MessageSid::parse("SM00000000000000000000000000000001").is_ok());
        assert!(MessageSid::parse("MMabcdefABCDEF0123456789abcdef0123").is_ok());
    }

    #[test]
    fn malformed_message_sids_are_refused() {
        for raw in [
            "",
            "SM123",
            "AC00000000000000000000000000000001",
            "SM0000000000000000000000000000000g",
            "SM000000000000000000000000000000011",
            "SMé000000000000000000000000000000",
        ] {
            assert!(MessageSid::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn account_sids_start_with_ac() {
        assert!(AccountSid::parse("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_ok());
        assert!(AccountSid::parse("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_err());
    }

    #[test]
    fn generated_conversation_ids_parse_back_and_sort_by_creation() {
        let first = ConversationId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = ConversationId::generate();
        assert_eq!(ConversationId::parse(first.as_str()).unwrap(), first);
        assert!(first < second);
        assert!(ConversationId::parse("not-a-uuid").is_err());
    }
}
