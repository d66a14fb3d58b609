//! Business-started conversations: an agent writes first to a customer with an approved
//! template. The conversation is created assigned to the agent, with its window closed (the
//! customer never wrote), so free text gets the 24-hour refusal until the customer answers;
//! the answer continues the same conversation with the same agent (no new request).

use crate::app::reply::{
    InvalidReply, ReplyRefused, ReplyRequest, ReplySettings, Respond, parse_reply, send_reply,
};
use crate::app::{ConversationView, load_context};
use crate::domain::{
    AgentId, ConversationId, ConversationState, ReplyContent, Senders, SessionWindow,
    WhatsAppAddress,
};
use crate::ports::desk::NEVER;
use crate::ports::{
    ChannelStore, Clock, ConversationRecord, ReplySender, SessionKey, SessionRecord, StoredResponse,
};

/// Why a start body is refused before anything happens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidStart {
    #[error("the body is not a JSON object")]
    Malformed,
    #[error("customer must be a whatsapp:+E164 address")]
    Customer,
    #[error("number must be a whatsapp:+E164 address")]
    Number,
    #[error("a conversation starts with an approved template: {0}")]
    Template(String),
}

/// What `POST /conversations` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    pub customer: WhatsAppAddress,
    pub number: Option<WhatsAppAddress>,
    pub template: ReplyContent,
}

/// Reads `{"customer", "number"?, "template": {"content_sid", "variables"}}`.
pub fn parse_start(raw: &[u8]) -> Result<StartRequest, InvalidStart> {
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(raw) else {
        return Err(InvalidStart::Malformed);
    };
    let customer = body
        .get("customer")
        .and_then(serde_json::Value::as_str)
        .and_then(|c| WhatsAppAddress::parse(c).ok())
        .ok_or(InvalidStart::Customer)?;
    let number = match body.get("number") {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => Some(
            value
                .as_str()
                .and_then(|n| WhatsAppAddress::parse(n).ok())
                .ok_or(InvalidStart::Number)?,
        ),
    };
    let Some(template) = body.get("template") else {
        return Err(InvalidStart::Template("template is required".into()));
    };
    let reply = serde_json::json!({ "template": template }).to_string();
    let template = parse_reply(reply.as_bytes()).map_err(|e| match e {
        InvalidReply::Malformed(reason) => InvalidStart::Template(reason),
        InvalidReply::Unsendable(reason) => InvalidStart::Template(reason.to_owned()),
    })?;
    Ok(StartRequest {
        customer,
        number,
        template,
    })
}

/// Starting, as the agent sees it.
#[derive(Debug)]
pub enum StartAnswer {
    /// Created (or found again by a retry with the same key), with the template's answer.
    Started(Box<ConversationView>, StoredResponse),
    /// The customer already has an open (or awaiting) conversation on that number.
    Open { conversation_id: String },
    /// The number is not one of the business's senders.
    UnknownNumber,
}

/// What starting needs besides the store.
pub struct Starting<'a> {
    pub sender: &'a dyn ReplySender,
    pub settings: &'a ReplySettings,
    pub senders: &'a Senders,
    pub respond: &'a Respond,
    /// When the invocation must have answered (Lambda's deadline); `None` outside Lambda.
    pub deadline: Option<std::time::Instant>,
}

pub async fn start_conversation(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    starting: &Starting<'_>,
    agent: &AgentId,
    request: &StartRequest,
    idempotency_key: Option<String>,
) -> Result<StartAnswer, ReplyRefused> {
    let number = match &request.number {
        Some(n) if !starting.senders.contains(n) => return Ok(StartAnswer::UnknownNumber),
        Some(n) => n.clone(),
        None => starting.senders.first().clone(),
    };
    let key = SessionKey {
        business: number.clone(),
        customer: request.customer.clone(),
    };
    let now = clock.now();
    let mut id = None;
    for _ in 0..2 {
        let existing = store
            .sessions(std::slice::from_ref(&key))
            .await?
            .into_iter()
            .next();
        if let Some(old) = &existing {
            let open = old.state != ConversationState::Closed
                && SessionWindow::new(old.last_inbound_at).is_open_at(now);
            // A retry (same key) of this agent's start finds its conversation again.
            let retried = old.awaits_customer()
                && old.assigned_agent.as_deref() == Some(agent.as_str())
                && idempotency_key.is_some();
            if retried {
                id = Some(old.conversation_id.clone());
                break;
            }
            if open || old.awaits_customer() {
                return Ok(StartAnswer::Open {
                    conversation_id: old.conversation_id.clone(),
                });
            }
        }
        let conversation_id = ConversationId::generate();
        let session = SessionRecord {
            business: number.as_str().to_owned(),
            customer: request.customer.as_str().to_owned(),
            conversation_id: conversation_id.as_str().to_owned(),
            profile_name: None,
            state: ConversationState::Active,
            assigned_agent: Some(agent.as_str().to_owned()),
            started_at: now,
            last_inbound_at: NEVER,
            csat_until: None,
        };
        let conversation = ConversationRecord {
            id: session.conversation_id.clone(),
            business: session.business.clone(),
            customer: session.customer.clone(),
            profile_name: None,
            state: ConversationState::Active,
            assigned_agent: session.assigned_agent.clone(),
            started_at: now,
            last_inbound_at: NEVER,
            preview: None,
            offered_to: None,
            offer_expires_at: None,
            offer_seq: 0,
            declined: Vec::new(),
            offer_ended: None,
            ad: None,
            overflowed_at: None,
            closed_at: None,
            closed_by: None,
            outcome: None,
            tags: Vec::new(),
            csat_sent_at: None,
            csat: None,
            sentiment: None,
            sentiment_trend: None,
            erasing: false,
        };
        if store
            .start_by_business(&session, &conversation, existing.as_ref())
            .await?
        {
            id = Some(conversation.id);
            break;
        }
    }
    let Some(Ok(conversation_id)) = id.as_deref().map(ConversationId::parse) else {
        // Another start or a customer message won both attempts: that conversation is open.
        let current = store.sessions(std::slice::from_ref(&key)).await?;
        return Ok(StartAnswer::Open {
            conversation_id: current
                .into_iter()
                .next()
                .map(|s| s.conversation_id)
                .unwrap_or_default(),
        });
    };
    let reply = send_reply(
        store,
        starting.sender,
        clock,
        starting.settings,
        &ReplyRequest {
            conversation_id: conversation_id.clone(),
            agent: agent.clone(),
            idempotency_key,
            content: request.template.clone(),
            deadline: starting.deadline,
        },
        starting.respond,
    )
    .await?;
    let conversation = store
        .conversation(&conversation_id)
        .await?
        .ok_or(ReplyRefused::NotFound)?;
    let view = load_context(store, conversation).await?.view(clock);
    Ok(StartAnswer::Started(Box::new(view), reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_needs_a_customer_and_an_approved_template() {
        let ok = parse_start(
            br#"{"customer":"whatsapp:+447700900123","template":{"content_sid":"HXb5b62575e6e4ff6129ad7c8efe1f983e","variables":{"1":"Zoe"}}}"#,
        )
        .unwrap();
        assert_eq!(ok.customer.as_str(), "whatsapp:+447700900123");
        assert_eq!(ok.number, None);
        assert!(matches!(ok.template, ReplyContent::Template { .. }));
        assert_eq!(parse_start(b"[]"), Err(InvalidStart::Malformed));
        assert_eq!(
            parse_start(br#"{"customer":"+447700900123","template":{}}"#),
            Err(InvalidStart::Customer)
        );
        assert_eq!(
            parse_start(br#"{"customer":"whatsapp:+447700900123","number":"x","template":{}}"#),
            Err(InvalidStart::Number)
        );
        assert!(matches!(
            parse_start(br#"{"customer":"whatsapp:+447700900123"}"#),
            Err(InvalidStart::Template(_))
        ));
        assert!(matches!(
            parse_start(
                br#"{"customer":"whatsapp:+447700900123","template":{"content_sid":"HX1"}}"#
            ),
            Err(InvalidStart::Template(_))
        ));
    }
}
