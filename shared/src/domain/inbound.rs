use serde::{Deserialize, Serialize};

use super::{AccountSid, InvalidValue, MessageSid, WhatsAppAddress};

/// Why a signed webhook form is not a usable inbound message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboundError {
    #[error("the form has no {0} parameter")]
    Missing(&'static str),
    #[error("the form has {0} more than once")]
    Repeated(&'static str),
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
    /// A status Twilio added after this was written.
    #[error(transparent)]
    UnknownStatus(InvalidValue),
}

/// One attachment of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub url: String,
    pub content_type: Option<String>,
}

/// A location the customer shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A quick-reply button the customer tapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonReply {
    pub text: String,
    pub payload: Option<String>,
}

/// The media route's index that names a message's ad media rather than an attachment.
pub const AD_MEDIA: &str = "ad";

/// The `Referral*` parameters of a first message after a click-to-WhatsApp ad, prefix removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub fields: Vec<(String, String)>,
}

impl Referral {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// What agents see of the click-to-WhatsApp ad the message came from: its headline, body,
    /// kind and link (only an http(s) link; anything else is dropped, never shown). `None` when
    /// the referral names no headline, body or link.
    pub fn ad(&self) -> Option<AdReferral> {
        let text = |name: &str| {
            self.get(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| v.chars().take(500).collect::<String>())
        };
        let source_url = self
            .get("SourceUrl")
            .map(str::trim)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_owned);
        let ad = AdReferral {
            headline: text("Headline"),
            body: text("Body"),
            source_type: text("SourceType"),
            source_url,
            media_url: None,
        };
        (ad.headline.is_some() || ad.body.is_some() || ad.source_url.is_some()).then_some(ad)
    }

    /// The ad's media as Twilio gave it (`ReferralMediaUrl`), an http(s) URL.
    pub fn media(&self) -> Option<(&str, Option<&str>)> {
        let url = self
            .get("MediaUrl")
            .map(str::trim)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))?;
        Some((url, self.get("MediaContentType")))
    }

    /// [`Self::ad`] of message `message` in `conversation`, its media (if any) through our route.
    pub fn ad_in(&self, conversation: &str, message: &str) -> Option<AdReferral> {
        let mut ad = self.ad()?;
        if self.media().is_some() {
            ad.media_url = Some(format!(
                "/conversations/{conversation}/messages/{message}/media/{AD_MEDIA}"
            ));
        }
        Some(ad)
    }
}

/// A click-to-WhatsApp ad as a message and its conversation show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdReferral {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `ad` or `post`, as Meta says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// The ad's link, http(s) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The ad's image or video through our media route (Twilio's URL wants the account's
    /// credentials): `/conversations/{id}/messages/{sid}/media/ad`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
}

/// A customer's message as Twilio posted it. Every parameter is kept (Twilio adds parameters
/// without notice); the typed accessors read the ones the channel understands.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub message_sid: MessageSid,
    pub account_sid: Option<AccountSid>,
    /// The customer.
    pub from: WhatsAppAddress,
    /// Our business sender.
    pub to: WhatsAppAddress,
    params: Vec<(String, String)>,
}

/// The single value of a parameter that must not repeat.
pub(crate) fn single<'a>(
    params: &'a [(String, String)],
    name: &'static str,
) -> Result<Option<&'a str>, InboundError> {
    let mut values = params
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(InboundError::Repeated(name));
    }
    Ok(first)
}

pub(crate) fn required<'a>(
    params: &'a [(String, String)],
    name: &'static str,
) -> Result<&'a str, InboundError> {
    single(params, name)?
        .filter(|v| !v.is_empty())
        .ok_or(InboundError::Missing(name))
}

impl InboundMessage {
    pub fn from_params(params: Vec<(String, String)>) -> Result<Self, InboundError> {
        let message_sid = MessageSid::parse(required(&params, "MessageSid")?)?;
        let from = WhatsAppAddress::parse(required(&params, "From")?)?;
        let to = WhatsAppAddress::parse(required(&params, "To")?)?;
        let account_sid = match single(&params, "AccountSid")? {
            Some(raw) => Some(AccountSid::parse(raw)?),
            None => None,
        };
        Ok(Self {
            message_sid,
            account_sid,
            from,
            to,
            params,
        })
    }

    /// Every parameter as received, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The first value of a parameter, if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn non_empty(&self, name: &str) -> Option<&str> {
        self.param(name).filter(|v| !v.is_empty())
    }

    /// The text, or a media caption; `None` when Twilio sent it empty.
    pub fn body(&self) -> Option<&str> {
        self.non_empty("Body")
    }

    pub fn profile_name(&self) -> Option<&str> {
        self.non_empty("ProfileName")
    }

    pub fn wa_id(&self) -> Option<&str> {
        self.non_empty("WaId")
    }

    pub fn message_type(&self) -> Option<&str> {
        self.non_empty("MessageType")
    }

    /// The attachments, `MediaUrl0..N` as counted by `NumMedia`; a missing URL is skipped.
    pub fn media(&self) -> Vec<Media> {
        let count: usize = self
            .param("NumMedia")
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        // WhatsApp sends one attachment; Twilio's MMS limit of 10 bounds a forged count.
        (0..count.min(10))
            .filter_map(|i| {
                let url = self.non_empty(&format!("MediaUrl{i}"))?;
                Some(Media {
                    url: url.to_owned(),
                    content_type: self
                        .non_empty(&format!("MediaContentType{i}"))
                        .map(str::to_owned),
                })
            })
            .collect()
    }

    /// A shared location, when both coordinates are present and are numbers in range.
    pub fn location(&self) -> Option<Location> {
        let latitude: f64 = self.non_empty("Latitude")?.trim().parse().ok()?;
        let longitude: f64 = self.non_empty("Longitude")?.trim().parse().ok()?;
        if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
            return None;
        }
        Some(Location {
            latitude,
            longitude,
            address: self.non_empty("Address").map(str::to_owned),
            label: self.non_empty("Label").map(str::to_owned),
        })
    }

    pub fn button(&self) -> Option<ButtonReply> {
        let text = self.non_empty("ButtonText")?;
        Some(ButtonReply {
            text: text.to_owned(),
            payload: self.non_empty("ButtonPayload").map(str::to_owned),
        })
    }

    pub fn referral(&self) -> Option<Referral> {
        let fields: Vec<(String, String)> = self
            .params
            .iter()
            .filter_map(|(n, v)| {
                let name = n.strip_prefix("Referral")?;
                // ReferralNumMedia=0 comes with every message; it is not a referral.
                (name != "NumMedia" && !v.is_empty()).then(|| (name.to_owned(), v.clone()))
            })
            .collect();
        (!fields.is_empty()).then_some(Referral { fields })
    }

    /// A short line for a notification: the text (at most 200 characters), else what was sent.
    pub fn preview(&self) -> String {
        if let Some(body) = self.body() {
            let mut text: String = body.chars().take(200).collect();
            if body.chars().nth(200).is_some() {
                text.push('…');
            }
            return text;
        }
        if let Some(button) = self.button() {
            return format!("[button] {}", button.text);
        }
        if let Some(location) = self.location() {
            return match location.label.or(location.address) {
                Some(name) => format!("[location] {name}"),
                None => "[location]".to_owned(),
            };
        }
        match self.media().first().and_then(|m| m.content_type.clone()) {
            Some(kind) => format!("[media] {kind}"),
            None if !self.media().is_empty() => "[media]".to_owned(),
            None => format!("[{}]", self.message_type().unwrap_or("message")),
        }
    }

    /// The message the customer replied to, if any.
    pub fn replied_to(&self) -> Option<&str> {
        self.non_empty("OriginalRepliedMessageSid")
    }
}

#[cfg(test)]
mod tests;
