use std::fmt;

use super::InvalidValue;

/// A WhatsApp address as Twilio writes it: `whatsapp:+` followed by an E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WhatsAppAddress(String);

const PREFIX: &str = "whatsapp:+";

impl WhatsAppAddress {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let invalid = |reason| InvalidValue {
            what: "WhatsApp address",
            reason,
        };
        let digits = raw
            .strip_prefix(PREFIX)
            .ok_or(invalid("it must start with whatsapp:+"))?;
        // E.164: at most 15 digits, no leading zero; shorter than 7 is no real subscriber number.
        if !(7..=15).contains(&digits.len()) {
            return Err(invalid("an E.164 number has 7 to 15 digits"));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("an E.164 number has digits only"));
        }
        if digits.starts_with('0') {
            return Err(invalid("an E.164 number does not start with 0"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number alone, `+447700900123`.
    pub fn e164(&self) -> &str {
        &self.0["whatsapp:".len()..]
    }

    /// The number as logs may show it: country code and last 3 digits, `+44…123`.
    pub fn masked(&self) -> String {
        mask_number(self.e164())
    }
}

/// Country calling codes of two digits (ITU-T E.164); `1` and `7` are the one-digit codes and
/// every other code has three digits. Codes are prefix-free, so the first digits decide.
const TWO_DIGIT_CODES: &[&str] = &[
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

/// Masks a phone number (`+447700900123`, `whatsapp:+447700900123`, `447700900123`) to its
/// country code and last 3 digits, `+44…123`, for logs. Anything that is not a plausible
/// number becomes `…`: a log never shows more than 3 of its digits plus the country code.
pub fn mask_number(raw: &str) -> String {
    let digits = raw
        .strip_prefix("whatsapp:")
        .unwrap_or(raw)
        .trim_start_matches('+');
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return "…".to_owned();
    }
    let code_len = if digits.starts_with(['1', '7']) {
        1
    } else if TWO_DIGIT_CODES.iter().any(|c| digits.starts_with(c)) {
        2
    } else {
        3
    };
    format!("+{}…{}", &digits[..code_len], &digits[digits.len() - 3..])
}

impl fmt::Display for WhatsAppAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The business's WhatsApp senders (`WHATSAPP_SENDERS`): the numbers customers write to and
/// replies come from. Never empty; in the order configured, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Senders(Vec<WhatsAppAddress>);

impl Senders {
    /// A comma-separated list of `whatsapp:+E164` addresses.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let mut senders: Vec<WhatsAppAddress> = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let address = WhatsAppAddress::parse(part).map_err(|e| InvalidValue {
                what: "WhatsApp sender",
                reason: e.reason,
            })?;
            if !senders.contains(&address) {
                senders.push(address);
            }
        }
        if senders.is_empty() {
            return Err(InvalidValue {
                what: "WhatsApp senders",
                reason: "at least one whatsapp:+E164 sender is needed",
            });
        }
        Ok(Self(senders))
    }

    /// Whether customers may write to `number`.
    pub fn contains(&self, number: &WhatsAppAddress) -> bool {
        self.0.contains(number)
    }

    /// The sender a business-started conversation uses when none is chosen: the first one.
    pub fn first(&self) -> &WhatsAppAddress {
        &self.0[0]
    }

    pub fn iter(&self) -> impl Iterator<Item = &WhatsAppAddress> {
        self.0.iter()
    }
}

impl From<WhatsAppAddress> for Senders {
    fn from(one: WhatsAppAddress) -> Self {
        Self(vec![one])
    }
}

impl fmt::Display for Senders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all: Vec<&str> = self.0.iter().map(WhatsAppAddress::as_str).collect();
        f.write_str(&all.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_displays_as_written() {
        let address = WhatsAppAddress::parse("whatsapp:+447700900123").unwrap();
        assert_eq!(address.to_string(), "whatsapp:+447700900123");
    }

    #[test]
    fn senders_are_a_comma_separated_list_kept_in_order_without_repeats() {
        let senders =
            Senders::parse(" whatsapp:+14155238886, whatsapp:+447700900123,whatsapp:+14155238886,")
                .unwrap();
        let listed: Vec<&str> = senders.iter().map(WhatsAppAddress::as_str).collect();
        assert_eq!(listed, ["whatsapp:+14155238886", "whatsapp:+447700900123"]);
        assert_eq!(senders.first().as_str(), "whatsapp:+14155238886");
        assert!(senders.contains(&WhatsAppAddress::parse("whatsapp:+447700900123").unwrap()));
        assert!(!senders.contains(&WhatsAppAddress::parse("whatsapp:+447700900999").unwrap()));
        assert_eq!(
            senders.to_string(),
            "whatsapp:+14155238886,whatsapp:+447700900123"
        );
    }

    #[test]
    fn an_empty_or_invalid_sender_list_is_refused() {
        for raw in [
            "",
            " , ",
            "+14155238886",
            "whatsapp:+14155238886,sms:+447700900123",
        ] {
            assert!(Senders::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn a_whatsapp_address_with_an_e164_number_is_accepted() {
        let address = WhatsAppAddress::parse("whatsapp:+447700900123").unwrap();
        assert_eq!(address.as_str(), "whatsapp:+447700900123");
        assert_eq!(address.e164(), "+447700900123");
    }

    #[test]
    fn a_number_is_masked_to_its_country_code_and_last_three_digits() {
        let cases = [
            ("whatsapp:+447700900123", "+44…123"),
            ("whatsapp:+14155238886", "+1…886"),
            ("whatsapp:+5215512345678", "+52…678"),
            ("whatsapp:+35312345678", "+353…678"),
            ("whatsapp:+79161234567", "+7…567"),
        ];
        for (raw, masked) in cases {
            assert_eq!(WhatsAppAddress::parse(raw).unwrap().masked(), masked);
        }
        assert_eq!(mask_number("+447700900123"), "+44…123");
    }

    #[test]
    fn what_is_not_a_number_is_masked_entirely() {
        for raw in [
            "",
            "whatsapp:+12",
            "Zoë",
            "+44 7700 900123",
            "whatsapp:+4477009001234567",
        ] {
            assert_eq!(mask_number(raw), "…", "{raw:?}");
        }
    }

    #[test]
    fn addresses_that_are_not_whatsapp_e164_numbers_are_refused() {
        for raw in [
            "",
            "+447700900123",
            "whatsapp:447700900123",
            "sms:+447700900123",
            "whatsapp:+",
            "whatsapp:+123456",
            "whatsapp:+1234567890123456",
            "whatsapp:+0447700900123",
            "whatsapp:+44 7700 900123",
            "whatsapp:+44770090012a",
            "WhatsApp:+447700900123",
        ] {
            assert!(WhatsAppAddress::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }
}
