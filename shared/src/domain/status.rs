use std::fmt;
use std::str::FromStr;

use super::inbound::{InboundError, required, single};
use super::{InvalidValue, MessageSid};

/// A message's delivery status, as Twilio names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// An outbound message recorded before Twilio answered: a crash after this stays visible.
    Pending,
    /// An inbound message: it has no delivery to track.
    Received,
    Queued,
    Accepted,
    Scheduled,
    Sending,
    Sent,
    Delivered,
    PartiallyDelivered,
    Read,
    Undelivered,
    Failed,
    Canceled,
    /// An agent's reply kept while the window is closed, sent when the customer writes again.
    Deferred,
    /// A deferred reply whose customer did not write again in time: never sent.
    Expired,
}

/// Rank of the final statuses: nothing moves a message out of them.
const FINAL_RANK: u8 = 10;

impl MessageStatus {
    pub const ALL: [MessageStatus; 15] = [
        Self::Pending,
        Self::Received,
        Self::Queued,
        Self::Accepted,
        Self::Scheduled,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::PartiallyDelivered,
        Self::Read,
        Self::Undelivered,
        Self::Failed,
        Self::Canceled,
        Self::Deferred,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Received => "received",
            Self::Queued => "queued",
            Self::Accepted => "accepted",
            Self::Scheduled => "scheduled",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::PartiallyDelivered => "partially_delivered",
            Self::Read => "read",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Deferred => "deferred",
            Self::Expired => "expired",
        }
    }

    /// Callbacks arrive out of order and carry no timestamp: a status only replaces one of a
    /// lower rank. queued/accepted/scheduled < sending < sent < delivered < read < final.
    pub fn rank(self) -> u8 {
        match self {
            Self::Pending | Self::Deferred => 0,
            Self::Received | Self::Queued | Self::Accepted | Self::Scheduled => 1,
            Self::Sending => 2,
            Self::Sent => 3,
            Self::Delivered | Self::PartiallyDelivered => 4,
            Self::Read => 5,
            Self::Undelivered | Self::Failed | Self::Canceled | Self::Expired => FINAL_RANK,
        }
    }

    pub fn is_final(self) -> bool {
        self.rank() == FINAL_RANK
    }

    /// Whether a callback with `next` moves a message that is at `self`.
    pub fn advances_to(self, next: MessageStatus) -> bool {
        next.rank() > self.rank()
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageStatus {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(InvalidValue {
                what: "MessageStatus",
                reason: "it is not a status Twilio documents",
            })
    }
}

impl serde::Serialize for MessageStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for MessageStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// What a Twilio error code on a message means for the agent, for the codes a WhatsApp channel
/// meets (https://www.twilio.com/docs/api/errors).
pub fn twilio_error_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "63016" => {
            "Not delivered: outside the 24-hour window. The customer has not written in 24 hours; send an approved template."
        }
        "63018" => "Not delivered yet: WhatsApp rate limit for this sender.",
        "63024" => "Not delivered: the recipient is not a valid WhatsApp user.",
        "63038" => "Not delivered: the account's daily message limit is reached.",
        "21211" => "Twilio refused the recipient's number as invalid.",
        "21408" => "Twilio's geographic permissions do not allow this destination.",
        "21610" => "The customer has unsubscribed (STOP).",
        "21617" => "The message body is over 1,600 characters.",
        "30003" | "30005" | "30006" => "Not delivered: the recipient is unreachable.",
        "30007" => "Not delivered: filtered by the carrier or WhatsApp.",
        _ => return None,
    })
}

/// Twilio codes that are about the message or its recipient (the agent can act), not our setup.
pub fn is_recipient_error(code: Option<u32>) -> bool {
    matches!(
        code,
        Some(21211 | 21408 | 21610 | 21612 | 21614 | 21617 | 63016 | 63024)
    )
}

/// A delivery status callback for one of our outbound messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCallback {
    pub message_sid: MessageSid,
    pub status: MessageStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl StatusCallback {
    pub fn from_params(params: &[(String, String)]) -> Result<Self, InboundError> {
        let message_sid = MessageSid::parse(required(params, "MessageSid")?)?;
        let status = required(params, "MessageStatus")?
            .parse()
            .map_err(InboundError::UnknownStatus)?;
        let non_empty = |name| -> Result<Option<String>, InboundError> {
            Ok(single(params, name)?
                .filter(|v| !v.is_empty())
                .map(str::to_owned))
        };
        // Callbacks carry From/To too; they are not needed to move a status.
        Ok(Self {
            message_sid,
            status,
            error_code: non_empty("ErrorCode")?,
            error_message: non_empty("ErrorMessage")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MessageStatus::*;

    #[test]
    fn statuses_only_move_forward() {
        assert!(Queued.advances_to(Sending));
        assert!(Sending.advances_to(Sent));
        assert!(Sent.advances_to(Delivered));
        assert!(Delivered.advances_to(Read));
        assert!(!Read.advances_to(Delivered));
        assert!(!Delivered.advances_to(Sent));
        assert!(!Sent.advances_to(Sent));
        assert!(!Accepted.advances_to(Queued));
    }

    #[test]
    fn failed_undelivered_and_canceled_are_final() {
        for last in [Failed, Undelivered, Canceled] {
            assert!(last.is_final());
            for next in MessageStatus::ALL {
                assert!(!last.advances_to(next), "{last} moved to {next}");
            }
        }
        assert!(Sent.advances_to(Failed));
        assert!(Read.advances_to(Undelivered));
    }

    #[test]
    fn only_the_terminal_statuses_are_final() {
        let finals: Vec<_> = MessageStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals, [Undelivered, Failed, Canceled, Expired]);
    }

    #[test]
    fn a_status_displays_as_its_twilio_name() {
        assert_eq!(PartiallyDelivered.to_string(), "partially_delivered");
        assert_eq!(format!("{Sent}"), "sent");
    }

    #[test]
    fn each_known_twilio_error_code_has_its_own_text_for_the_agent() {
        let cases = [
            ("63016", "outside the 24-hour window"),
            ("63018", "rate limit"),
            ("63024", "not a valid WhatsApp user"),
            ("63038", "daily message limit"),
            ("21211", "number as invalid"),
            ("21408", "geographic permissions"),
            ("21610", "unsubscribed (STOP)"),
            ("21617", "over 1,600 characters"),
            ("30003", "unreachable"),
            ("30005", "unreachable"),
            ("30006", "unreachable"),
            ("30007", "filtered by the carrier"),
        ];
        for (code, phrase) in cases {
            let text = twilio_error_text(code).unwrap_or_default();
            assert!(text.contains(phrase), "{code}: {text:?}");
        }
    }

    #[test]
    fn an_unknown_twilio_error_code_has_no_text() {
        assert_eq!(twilio_error_text("99999"), None);
        assert_eq!(twilio_error_text(""), None);
    }

    #[test]
    fn recipient_errors_are_told_apart_from_setup_errors() {
        for code in [21211, 21408, 21610, 21612, 21614, 21617, 63016, 63024] {
            assert!(is_recipient_error(Some(code)), "{code}");
        }
        // Rate limits, account limits, unreachable handsets and bad credentials are not the
        // agent's to fix.
        for code in [63018, 63038, 30003, 20003] {
            assert!(!is_recipient_error(Some(code)), "{code}");
        }
        assert!(!is_recipient_error(None));
    }

    #[test]
    fn every_status_parses_from_its_twilio_name() {
        for status in MessageStatus::ALL {
            assert_eq!(status.as_str().parse::<MessageStatus>(), Ok(status));
        }
        assert!("DELIVERED".parse::<MessageStatus>().is_err());
        assert!("".parse::<MessageStatus>().is_err());
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_failed_callback_carries_its_error_code() {
        let cb = StatusCallback::from_params(&params(&[
            ("MessageSid", "SM00000000000000000000000000000009"),
            ("MessageStatus", "failed"),
            ("ErrorCode", "63016"),
            ("ErrorMessage", ""),
        ]))
        .unwrap();
        assert_eq!(cb.status, Failed);
        assert_eq!(cb.error_code.as_deref(), Some("63016"));
        assert_eq!(cb.error_message, None);
    }

    #[test]
    fn a_callback_without_a_status_is_malformed() {
        assert_eq!(
            StatusCallback::from_params(&params(&[(
                "MessageSid",
                "SM00000000000000000000000000000009"
            )])),
            Err(InboundError::Missing("MessageStatus"))
        );
    }
}
