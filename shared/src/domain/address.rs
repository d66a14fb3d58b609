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
}

impl fmt::Display for WhatsAppAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whatsapp_address_with_an_e164_number_is_accepted() {
        let address = WhatsAppAddress::parse("whatsapp:+447700900123").unwrap();
        assert_eq!(address.as_str(), "whatsapp:+447700900123");
        assert_eq!(address.e164(), "+447700900123");
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
