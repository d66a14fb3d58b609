//! What agents read: conversations and messages as JSON-ready views.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

mod outcome;
mod reactions;

pub use outcome::{CsatView, OutcomeView, RecordView};
pub use reactions::{ReactionMark, ReactionView, attach_reactions};

use crate::domain::{
    AdReferral, ButtonReply, ConversationWindow, Location, ViewState, WhatsAppAddress, media_route,
    twilio_error_text,
};
use crate::ports::{
    Contact, ConversationRecord, Direction, MessageRecord, SessionRecord, TemplateRef,
};

pub(crate) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerView {
    pub address: String,
    pub display_name: String,
    pub authenticated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// The WhatsApp profile name the customer gave themself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_name: Option<String>,
    /// A known contact's summary fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowView {
    pub open: bool,
    /// `None` while a business-started conversation awaits the customer's first answer.
    pub expires_at: Option<String>,
    pub seconds_left: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaView {
    pub url: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageView {
    pub id: String,
    pub direction: Direction,
    pub body: Option<String>,
    pub media: Vec<MediaView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button: Option<ButtonReply>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// What the error means for the agent (e.g. 63016: a template is needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The message the customer replied to (quoted) on WhatsApp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<QuotedView>,
    /// WhatsApp says the customer forwarded it (`Forwarded`), many times (`FrequentlyForwarded`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub forwarded: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub frequently_forwarded: bool,
    /// The click-to-WhatsApp ad the message came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad: Option<AdReferral>,
    /// A customer's message of a kind the console does not render (Twilio's `MessageType`:
    /// `reaction`, `interactive`, `unsupported`, a type added later): stored whole, shown as
    /// "Unsupported message (type)", never dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsupported: Option<String>,
    /// A customer's reaction (`MessageType=reaction`): the emoji and the message it is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reaction: Option<ReactionView>,
    /// The customer's reaction shown on this message (the latest; an empty emoji removed it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionMark>,
    /// A customer text's sentiment, once read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<crate::domain::sentiment::Sentiment>,
    pub created_at: String,
}

/// A quoted message as a reply shows it; `direction` and `preview` are `None` when the quoted
/// message is not one of ours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotedView {
    pub id: String,
    pub direction: Option<Direction>,
    pub preview: Option<String>,
}

/// How much of a quoted message its reply shows.
pub const QUOTE_PREVIEW_CHARS: usize = 80;

impl QuotedView {
    /// What a reply shows of `quoted`: its direction, and its text shortened (or what it holds
    /// when it has no text).
    pub fn of(quoted: &MessageRecord) -> Self {
        let text = quoted
            .body
            .as_deref()
            .or_else(|| quoted.template.as_ref().and_then(|t| t.text.as_deref()));
        let preview = match text.map(str::trim) {
            Some(text) if !text.is_empty() => {
                let mut preview: String = text.chars().take(QUOTE_PREVIEW_CHARS).collect();
                if text.chars().count() > QUOTE_PREVIEW_CHARS {
                    preview.push('…');
                }
                preview
            }
            _ if !quoted.media.is_empty() => "Attachment".to_owned(),
            _ if quoted.location.is_some() => "Location".to_owned(),
            _ if quoted.template.is_some() => "Template".to_owned(),
            _ => "Message".to_owned(),
        };
        Self {
            id: quoted.id.clone(),
            direction: Some(quoted.direction),
            preview: Some(preview),
        }
    }
}

/// Whether the inbound form said `name` = `true`.
fn flag(params: &[(String, String)], name: &str) -> bool {
    params
        .iter()
        .any(|(n, v)| n == name && v.eq_ignore_ascii_case("true"))
}

impl From<MessageRecord> for MessageView {
    fn from(m: MessageRecord) -> Self {
        let has_media = !m.media.is_empty();
        // An inbound attachment is opened through our route (Twilio's URL wants the
        // account's credentials); an agent's attachment is the address it was sent from.
        let media = m
            .media
            .into_iter()
            .enumerate()
            .map(|(index, media)| MediaView {
                url: match m.direction {
                    Direction::Inbound => media_route(&m.conversation_id, &m.id, index),
                    Direction::Outbound => media.url,
                },
                content_type: media.content_type,
            })
            .collect();
        let forwarded = flag(&m.params, "Forwarded");
        let renders = m.body.as_deref().is_some_and(|b| !b.trim().is_empty())
            || has_media
            || m.location.is_some()
            || m.button.is_some();
        let reaction = (m.direction == Direction::Inbound
            && m.params
                .iter()
                .any(|(n, v)| n == "MessageType" && v.trim().eq_ignore_ascii_case("reaction")))
        .then(|| ReactionView {
            emoji: m
                .body
                .as_deref()
                .unwrap_or_default()
                .trim()
                .chars()
                .take(16)
                .collect(),
            to: m.replied_to.clone(),
        });
        let unsupported = (m.direction == Direction::Inbound && !renders && reaction.is_none())
            .then(|| {
                m.params
                    .iter()
                    .find(|(n, _)| n == "MessageType")
                    .map(|(_, v)| v.trim())
                    .filter(|v| !v.is_empty())
                    .unwrap_or("unknown")
                    .chars()
                    .take(40)
                    .collect()
            });
        let frequently_forwarded = flag(&m.params, "FrequentlyForwarded");
        Self {
            // A reaction names its message, but does not quote it.
            reply_to: m
                .replied_to
                .filter(|_| reaction.is_none())
                .map(|id| QuotedView {
                    id,
                    direction: None,
                    preview: None,
                }),
            forwarded: forwarded || frequently_forwarded,
            frequently_forwarded,
            ad: m
                .referral
                .as_ref()
                .and_then(|r| r.ad_in(&m.conversation_id, &m.id)),
            unsupported,
            reaction,
            reactions: Vec::new(),
            id: m.id,
            direction: m.direction,
            body: m.body,
            media,
            location: m.location,
            button: m.button,
            status: m.status.as_str().to_owned(),
            error_message: m.error_message.or_else(|| {
                m.error_code
                    .as_deref()
                    .and_then(twilio_error_text)
                    .map(str::to_owned)
            }),
            error_code: m.error_code,
            template: m.template,
            agent_id: m.agent_id,
            sentiment: m.sentiment,
            created_at: rfc3339(m.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationView {
    pub id: String,
    /// The business's number the customer wrote to; replies go `From` it.
    pub business_number: String,
    pub customer: CustomerView,
    /// `requested`, `active`, `closed`, or `expired` once the window closed on an open one.
    pub state: ViewState,
    pub assigned_agent: Option<String>,
    /// Offer mode: the agent a waiting request is offered to now, and until when.
    pub offered_to: Option<String>,
    pub offer_expires_at: Option<String>,
    /// The click-to-WhatsApp ad the conversation's first message came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad: Option<AdReferral>,
    pub window: WindowView,
    pub started_at: String,
    /// `None` (null) until the customer has written (a business-started conversation).
    pub last_inbound_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<MessageView>>,
    /// The customer's message the business marked read (Twilio's typing indicator), with the
    /// transcript only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadView>,
    /// When and by whom it was closed (`null` until then).
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    /// The wrap-up (`null` until sent).
    pub outcome: Option<OutcomeView>,
    pub tags: Vec<String>,
    /// The CRM records it is linked to, with the transcript only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<RecordView>>,
    /// The customer's CSAT answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<CsatView>,
    /// The customer's rolling sentiment and where it heads, once their first text is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<crate::domain::sentiment::Sentiment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment_trend: Option<crate::domain::sentiment::SentimentTrend>,
}

/// `{"message_id", "at"}`: the blue ticks the customer saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadView {
    pub message_id: String,
    pub at: String,
}

/// A conversation's live facts: from its session item while that item is still this
/// conversation's, else from the durable conversation item.
pub(crate) fn view(
    conversation: ConversationRecord,
    session: Option<&SessionRecord>,
    contact: Option<&Contact>,
    now: DateTime<Utc>,
) -> ConversationView {
    let current = session.filter(|s| s.conversation_id == conversation.id);
    let window = ConversationWindow::at(
        conversation.last_inbound_at,
        current.map(|s| s.last_inbound_at),
        now,
    );
    let customer_wrote = window.last_inbound_at() != crate::ports::desk::NEVER;
    // The conversation item owns state and assignment; the session has the freshest name.
    let profile_name = current
        .and_then(|s| s.profile_name.clone())
        .or_else(|| conversation.profile_name.clone());
    let display_name = profile_name.clone().unwrap_or_else(|| {
        WhatsAppAddress::parse(&conversation.customer)
            .map(|a| a.e164().to_owned())
            .unwrap_or_else(|_| conversation.customer.clone())
    });
    ConversationView {
        id: conversation.id,
        business_number: conversation.business,
        customer: CustomerView {
            address: conversation.customer,
            // A known contact's name is the one agents know them by.
            display_name: contact.map(|c| c.name.clone()).unwrap_or(display_name),
            authenticated: contact.is_some(),
            contact_id: contact.map(|c| c.contact_id.clone()),
            profile_name,
            summary: contact.map(|c| c.summary.clone()).filter(|s| !s.is_empty()),
        },
        state: ViewState::of(conversation.state, window.open, customer_wrote),
        assigned_agent: conversation.assigned_agent,
        offered_to: conversation.offered_to,
        offer_expires_at: conversation.offer_expires_at.map(rfc3339),
        ad: conversation.ad.map(|ad| *ad),
        window: WindowView {
            open: window.open,
            expires_at: customer_wrote.then(|| rfc3339(window.window.ends_at())),
            seconds_left: window.seconds_left(now),
        },
        started_at: rfc3339(conversation.started_at),
        last_inbound_at: customer_wrote.then(|| rfc3339(window.last_inbound_at())),
        messages: None,
        read: None,
        closed_at: conversation.closed_at.map(rfc3339),
        closed_by: conversation.closed_by,
        outcome: conversation.outcome.map(|o| OutcomeView {
            disposition: o.disposition,
            label: o.label,
            summary: o.summary,
            recorded_by: o.recorded_by,
            recorded_at: rfc3339(o.recorded_at),
        }),
        tags: conversation.tags,
        records: None,
        csat: conversation.csat.map(|c| CsatView {
            score: c.score,
            at: rfc3339(c.at),
        }),
        sentiment: conversation.sentiment,
        sentiment_trend: conversation.sentiment_trend,
    }
}
