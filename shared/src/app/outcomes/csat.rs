//! The CSAT survey: after a close whose window is still open, the approved template
//! `CSAT_CONTENT_SID` goes to the customer once (a conditional write on the conversation,
//! `csat_sent_at`); their answer within `CSAT_WAIT_MINUTES` (a button payload or a message that
//! is just a digit 1–5) is stored on the closed conversation and opens no new request (see
//! `app/inbound.rs`).

use std::collections::BTreeMap;

use crate::app::reply::ReplySettings;
use crate::domain::{ConversationState, MessageStatus, ReplyContent};
use crate::ports::{
    ChannelStore, Clock, MessageRecord, OutboundRequest, ReplySender, StoreError, StoredItem,
    StreamChange,
};

pub use crate::domain::outcomes::CsatSettings;

/// What sending the survey needs.
pub struct CsatSending<'a> {
    pub settings: &'a CsatSettings,
    pub sender: &'a dyn ReplySender,
    pub reply: &'a ReplySettings,
    /// The approved templates, for the survey's name and text in the transcript (else it
    /// shows as its Content SID).
    pub templates: Option<&'a crate::app::templates::Templates>,
}

/// The id an agent's reply records: the survey is the channel's, not an agent's.
pub const SURVEY_AUTHOR: &str = "csat-survey";

/// On a close (the conversation's change to `closed`) whose window is still open: sends the
/// survey once and records it in the transcript. `true` when it was sent now.
pub async fn survey_on_close(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    sending: &CsatSending<'_>,
    change: &StreamChange,
) -> Result<bool, StoreError> {
    let (Some(StoredItem::Conversation(old)), Some(StoredItem::Conversation(new))) =
        (&change.old, &change.new)
    else {
        return Ok(false);
    };
    if old.state == ConversationState::Closed || new.state != ConversationState::Closed {
        return Ok(false);
    }
    let now = clock.now();
    let view = crate::app::load_context(store, new.clone())
        .await?
        .view(clock);
    if !view.window.open || new.csat_sent_at.is_some() {
        return Ok(false);
    }
    if !store
        .mark_csat_sent(new, now, now + sending.settings.wait)
        .await?
    {
        return Ok(false);
    }
    let mut content = ReplyContent::Template {
        content_sid: sending.settings.content_sid.clone(),
        variables: BTreeMap::new(),
        shown: None,
    };
    if let Some(templates) = sending.templates {
        // As an administrator's: the channel's own survey is never refused here (Twilio
        // decides); an approved one gets its name and text.
        let _ = templates.check(&mut content, true).await;
    }
    let outbound = OutboundRequest {
        to: new.customer.clone(),
        from: new.business.clone(),
        content: content.clone(),
        status_callback: sending.reply.status_callback.clone(),
        budget: None,
    };
    let Ok(id) = crate::domain::ConversationId::parse(&new.id) else {
        return Ok(false);
    };
    let mut message = MessageRecord::outbound(String::new(), &id, SURVEY_AUTHOR, &content, now);
    match sending.sender.send(&outbound).await {
        Ok(sent) => {
            message.id = sent.sid;
            message.status = sent.status;
        }
        Err(error) => {
            tracing::warn!(conversation_id = %id, error = %error, "the CSAT survey was not sent");
            message.id = format!("csat-{}", new.id);
            message.status = MessageStatus::Failed;
            message.error_message = Some(format!("The CSAT survey was not sent: {error}"));
        }
    }
    store.put_message(&message).await?;
    Ok(message.status != MessageStatus::Failed)
}
