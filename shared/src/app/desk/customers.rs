//! The customer summary: who the customer is (a known contact or not), since when they write,
//! and their recent conversations (closed ones included) with a preview of each one's last
//! message.

use futures_util::future::try_join_all;
use serde::Serialize;

use crate::app::views::{self, rfc3339};
use crate::domain::{ConversationId, ViewState, WhatsAppAddress};
use crate::ports::{ChannelStore, Clock, Direction, SessionKey, StoreError};

/// Recent conversations listed.
pub const RECENT: usize = 10;
/// A last message's preview, in characters.
const PREVIEW_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastMessage {
    pub id: String,
    pub direction: Direction,
    pub preview: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentConversation {
    pub id: String,
    pub business_number: String,
    pub state: ViewState,
    pub assigned_agent: Option<String>,
    pub started_at: String,
    pub last_inbound_at: Option<String>,
    pub last_message: Option<LastMessage>,
    /// The click-to-WhatsApp ad the conversation came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad: Option<crate::domain::AdReferral>,
    /// The customer's CSAT answer after it closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<crate::app::views::CsatView>,
    /// How it ended (the wrap-up's disposition label).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerSummary {
    pub address: String,
    pub authenticated: bool,
    pub display_name: String,
    pub profile_name: Option<String>,
    /// The directory's entry: `name`, `contact_id` and its other fields.
    pub contact: Option<serde_json::Value>,
    pub first_contact_at: Option<String>,
    pub last_inbound_at: Option<String>,
    pub conversation_count: usize,
    /// Newest first, at most [`RECENT`].
    pub recent_conversations: Vec<RecentConversation>,
    /// An administrator's legal hold: the customer is never erased or expired while it stands.
    pub legal_hold: Option<crate::app::privacy::LegalHoldView>,
}

/// `None`: neither a contact nor a conversation of this address.
pub async fn customer_summary(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    address: &WhatsAppAddress,
) -> Result<Option<CustomerSummary>, StoreError> {
    let now = clock.now();
    let contact = store
        .contacts(&[address.as_str().to_owned()])
        .await?
        .into_iter()
        .next();
    let recent = store
        .customer_conversations(address.as_str(), RECENT)
        .await?;
    if contact.is_none() && recent.is_empty() {
        return Ok(None);
    }
    let (first, count) = store.customer_history(address.as_str()).await?;
    let legal_hold = store
        .legal_hold(address.as_str())
        .await?
        .as_ref()
        .map(crate::app::privacy::LegalHoldView::of);
    let keys: Vec<SessionKey> = recent.iter().filter_map(SessionKey::of).collect();
    let sessions = store.sessions(&keys).await?;
    let lasts = try_join_all(recent.iter().map(|c| async {
        match ConversationId::parse(&c.id) {
            Ok(id) => store.last_message(&id).await,
            Err(_) => Ok(None),
        }
    }))
    .await?;
    let views: Vec<_> = recent
        .into_iter()
        .map(|c| {
            let session = sessions.iter().find(|s| s.conversation_id == c.id);
            views::view(c, session, contact.as_ref(), now)
        })
        .collect();
    let profile_name = views.iter().find_map(|v| v.customer.profile_name.clone());
    let last_inbound_at = views.iter().filter_map(|v| v.last_inbound_at.clone()).max();
    let display_name = views.first().map_or_else(
        || {
            contact
                .as_ref()
                .map_or_else(|| address.e164().to_owned(), |c| c.name.clone())
        },
        |v| v.customer.display_name.clone(),
    );
    let recent_conversations = views
        .into_iter()
        .zip(lasts)
        .map(|(v, last)| RecentConversation {
            id: v.id,
            business_number: v.business_number,
            state: v.state,
            assigned_agent: v.assigned_agent,
            started_at: v.started_at,
            last_inbound_at: v.last_inbound_at,
            ad: v.ad,
            csat: v.csat,
            outcome: v.outcome.map(|o| o.label),
            last_message: last.map(|m| LastMessage {
                preview: preview(m.body.as_deref(), m.media.len(), m.template.is_some()),
                id: m.id,
                direction: m.direction,
                created_at: rfc3339(m.created_at),
            }),
        })
        .collect();
    Ok(Some(CustomerSummary {
        address: address.as_str().to_owned(),
        authenticated: contact.is_some(),
        display_name,
        profile_name,
        contact: contact.map(|c| {
            let mut fields = c.summary.clone();
            fields.insert("name".into(), c.name.into());
            fields.insert("contact_id".into(), c.contact_id.into());
            serde_json::Value::Object(fields)
        }),
        first_contact_at: first.map(|c| rfc3339(c.started_at)),
        last_inbound_at,
        conversation_count: count,
        recent_conversations,
        legal_hold,
    }))
}

/// What a message says, shortened; or what it carries when it has no text.
fn preview(body: Option<&str>, media: usize, template: bool) -> String {
    match body.filter(|b| !b.trim().is_empty()) {
        Some(text) if text.chars().count() > PREVIEW_CHARS => {
            let short: String = text.chars().take(PREVIEW_CHARS).collect();
            format!("{short}…")
        }
        Some(text) => text.to_owned(),
        None if template => "(template)".into(),
        None if media > 0 => "(attachment)".into(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::preview;

    #[test]
    fn a_preview_is_the_text_shortened_or_what_the_message_carries() {
        assert_eq!(preview(Some("Hi"), 0, false), "Hi");
        assert_eq!(preview(None, 1, false), "(attachment)");
        assert_eq!(preview(None, 0, true), "(template)");
        let long = "é".repeat(130);
        assert_eq!(preview(Some(&long), 0, false).chars().count(), 121);
    }
}
