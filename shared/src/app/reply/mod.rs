//! An agent's reply: validated, refused outside the 24-hour window unless it is a template,
//! sent once per idempotency key, recorded before the Twilio call and completed after it.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

mod body;

pub use body::{InvalidReply, MAX_BODY_CHARS, parse_reply};

use super::{MessageView, current_session};
use crate::domain::{
    AgentId, ConversationId, ConversationState, ConversationWindow, MessageStatus, ReplyContent,
    is_recipient_error,
};
use crate::ports::{
    ChannelStore, ClaimOutcome, Clock, ConversationRecord, IdempotencyRecord, MessageRecord,
    OutboundRequest, ReplySender, ReplyStore, SendError, SentMessage, StoreError, StoredResponse,
};

/// The refusal text the product promises, word for word.
pub const WINDOW_EXPIRED_MESSAGE: &str =
    "This conversation has exceeded the 24 hour limit to respond to the customer.";

/// Time kept, out of the invocation's, for recording a reply's outcome after Twilio answers.
pub const RECORD_RESERVE: Duration = Duration::from_secs(4);

/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_RETENTION: TimeDelta = TimeDelta::hours(24);

/// A retry waits this long for the first request with its key to finish.
const IN_PROGRESS_WAIT: Duration = Duration::from_secs(10);

/// A reply to send.
#[derive(Debug, Clone)]
pub struct ReplyRequest {
    pub conversation_id: ConversationId,
    pub agent: AgentId,
    /// The client's `Idempotency-Key`; without one, every request is a new reply.
    pub idempotency_key: Option<String>,
    pub content: ReplyContent,
    /// When the invocation must have answered (Lambda's deadline); `None` outside Lambda.
    pub deadline: Option<std::time::Instant>,
}

/// Where replies' statuses go. Replies come `From` their conversation's business number.
#[derive(Debug, Clone)]
pub struct ReplySettings {
    /// `TWILIO_STATUS_URL`.
    pub status_callback: String,
}

/// Why an agent cannot answer a conversation at all.
#[derive(Debug, thiserror::Error)]
pub enum NotAnswerable {
    #[error("no such conversation")]
    NotFound,
    #[error("no agent has accepted this conversation")]
    NotAccepted,
    #[error("another agent is assigned to this conversation")]
    NotAssigned,
    #[error("the conversation is closed")]
    Closed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The conversation `agent` answers (theirs, accepted, not closed) and its window now. The
/// window is open only while this conversation is its customer's current session and
/// `now < last_inbound_at + 24h`; a missing (TTL-deleted) session item is a closed window.
pub(crate) async fn answerable(
    store: &dyn ChannelStore,
    id: &ConversationId,
    agent: &AgentId,
    now: DateTime<Utc>,
) -> Result<(ConversationRecord, ConversationWindow), NotAnswerable> {
    let conversation = store
        .conversation(id)
        .await?
        .ok_or(NotAnswerable::NotFound)?;
    match (&conversation.assigned_agent, conversation.state) {
        (_, ConversationState::Closed) => return Err(NotAnswerable::Closed),
        (None, _) => return Err(NotAnswerable::NotAccepted),
        (Some(assigned), _) if assigned != agent.as_str() => {
            return Err(NotAnswerable::NotAssigned);
        }
        _ => {}
    }
    let session = current_session(store, &conversation).await?;
    let window = ConversationWindow::at(
        conversation.last_inbound_at,
        session.map(|s| s.last_inbound_at),
        now,
    );
    Ok((conversation, window))
}

impl From<NotAnswerable> for ReplyRefused {
    fn from(reason: NotAnswerable) -> Self {
        match reason {
            NotAnswerable::NotFound => Self::NotFound,
            NotAnswerable::NotAccepted => Self::NotAccepted,
            NotAnswerable::NotAssigned => Self::NotAssigned,
            NotAnswerable::Closed => Self::Closed,
            NotAnswerable::Store(e) => Self::Store(e),
        }
    }
}

/// A reply refused before anything was sent.
#[derive(Debug, thiserror::Error)]
pub enum ReplyRefused {
    #[error("no such conversation")]
    NotFound,
    #[error("no agent has accepted this conversation")]
    NotAccepted,
    #[error("another agent is assigned to this conversation")]
    NotAssigned,
    #[error("the conversation is closed")]
    Closed,
    #[error("{WINDOW_EXPIRED_MESSAGE}")]
    WindowExpired {
        expired_at: DateTime<Utc>,
        /// The conversation's business number, for the refusal's metric.
        business: String,
    },
    #[error("this Idempotency-Key was used for another request")]
    KeyReused,
    #[error("a request with this Idempotency-Key is still being sent")]
    InProgress,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The stored idempotency key of an agent's `Idempotency-Key`: the agent id's length first, so
/// that no two (agent, key) pairs share one (`a#b` + `c` and `a` + `b#c` differ).
pub fn idempotency_key(agent: &str, client_key: &str) -> String {
    format!("{}:{agent}#{client_key}", agent.len())
}

fn fingerprint(id: &ConversationId, content: &ReplyContent) -> String {
    let mut hash = Sha256::new();
    hash.update(id.as_str().as_bytes());
    hash.update(b"\n");
    hash.update(serde_json::to_vec(content).unwrap_or_default());
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What became of a reply that reached the sending stage. The handler turns it into the
/// answer a retry with the same key gets again.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyOutcome {
    /// Twilio accepted it.
    Sent(Box<MessageView>),
    /// Twilio refused it: nothing was sent.
    Rejected {
        twilio_status: u16,
        code: Option<u32>,
        message: String,
        /// The refusal is about the message or its recipient (the agent can act), not our setup.
        about_recipient: bool,
        message_id: String,
    },
    /// Twilio kept rate limiting the account: nothing was sent.
    RateLimited { message_id: String },
    /// Twilio did not answer: it may have been sent, and is never resent.
    Unreachable { message_id: String },
    /// The send happened, but its outcome could not be recorded.
    NotRecorded,
}

/// Turns an outcome into the answer kept under the idempotency key (the function's HTTP
/// response).
pub type Respond = dyn Fn(&ReplyOutcome) -> StoredResponse + Send + Sync;

/// Sends a reply. Refusals come back as [`ReplyRefused`]; anything that reached the sending stage
/// comes back as the answer `respond` gives its outcome, which a retry with the same key gets
/// again.
pub async fn send_reply(
    store: &dyn ChannelStore,
    sender: &dyn ReplySender,
    clock: &dyn Clock,
    settings: &ReplySettings,
    request: &ReplyRequest,
    respond: &Respond,
) -> Result<StoredResponse, ReplyRefused> {
    let now = clock.now();
    let id = &request.conversation_id;
    let client_key = request
        .idempotency_key
        .clone()
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let claim = IdempotencyRecord {
        key: idempotency_key(request.agent.as_str(), &client_key),
        fingerprint: fingerprint(id, &request.content),
        message_id: format!("pending-{}", uuid::Uuid::now_v7().simple()),
        response: None,
    };
    let checked = answerable(store, id, &request.agent, now)
        .await
        .map_err(ReplyRefused::from)
        .and_then(|(conversation, window)| {
            if request.content.is_free_form() && !window.open {
                Err(ReplyRefused::WindowExpired {
                    expired_at: window.window.ends_at(),
                    business: conversation.business.clone(),
                })
            } else {
                Ok(conversation)
            }
        });
    let conversation = match checked {
        Ok(conversation) => conversation,
        // A retry of a reply that went out before the conversation closed or its window
        // ended gets the first answer, not a refusal.
        Err(refused) if request.idempotency_key.is_some() => {
            match store.idempotency(&claim.key).await? {
                Some(existing) => return replay(store, &claim, existing).await,
                None => return Err(refused),
            }
        }
        Err(refused) => return Err(refused),
    };
    let mut pending = MessageRecord::outbound(
        claim.message_id.clone(),
        id,
        request.agent.as_str(),
        &request.content,
        now,
    );
    pending.idempotency_key = Some(claim.key.clone());
    match store
        .claim_reply(&claim, &pending, now + IDEMPOTENCY_RETENTION)
        .await?
    {
        ClaimOutcome::Claimed => {}
        ClaimOutcome::Existing(existing) => return replay(store, &claim, existing).await,
    }

    let outbound = OutboundRequest {
        to: conversation.customer.clone(),
        // The number the customer wrote to: a reply from any other is a stranger's.
        from: conversation.business.clone(),
        content: request.content.clone(),
        status_callback: settings.status_callback.clone(),
        // Twilio gets what is left once the outcome's recording is reserved, so that a reply
        // Twilio may have sent is always recorded before Lambda stops the invocation.
        budget: request.deadline.map(|deadline| {
            deadline
                .saturating_duration_since(std::time::Instant::now())
                .saturating_sub(RECORD_RESERVE)
        }),
    };
    let result = sender.send(&outbound).await;
    Ok(finish(store, &claim, pending, result, respond).await)
}

/// A retry with a used key: the first answer, once the first request has one.
async fn replay(
    store: &dyn ReplyStore,
    claim: &IdempotencyRecord,
    mut existing: IdempotencyRecord,
) -> Result<StoredResponse, ReplyRefused> {
    if existing.fingerprint != claim.fingerprint {
        return Err(ReplyRefused::KeyReused);
    }
    let deadline = tokio::time::Instant::now() + IN_PROGRESS_WAIT;
    loop {
        if let Some(response) = existing.response {
            return Ok(response);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ReplyRefused::InProgress);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        existing = store
            .idempotency(&claim.key)
            .await?
            .ok_or(ReplyRefused::InProgress)?;
    }
}

async fn finish(
    store: &dyn ReplyStore,
    claim: &IdempotencyRecord,
    mut pending: MessageRecord,
    result: Result<SentMessage, SendError>,
    respond: &Respond,
) -> StoredResponse {
    let pending_id = pending.id.clone();
    let stored = match result {
        Ok(sent) => {
            let mut record = pending.clone();
            record.id = sent.sid;
            record.status = sent.status;
            let answer = respond(&ReplyOutcome::Sent(Box::new(MessageView::from(
                record.clone(),
            ))));
            store
                .complete_reply(&claim.key, &pending_id, &record, &answer)
                .await
                .map(|()| answer)
        }
        Err(error) => {
            let message_id = pending_id.clone();
            record_unsent(&mut pending, &error);
            let outcome = match error {
                SendError::Rejected {
                    http_status,
                    code,
                    message,
                } => ReplyOutcome::Rejected {
                    twilio_status: http_status,
                    code,
                    message,
                    about_recipient: is_recipient_error(code),
                    message_id,
                },
                SendError::RateLimited => ReplyOutcome::RateLimited { message_id },
                SendError::Unreachable(_) => ReplyOutcome::Unreachable { message_id },
            };
            let answer = respond(&outcome);
            store
                .fail_reply(&claim.key, &pending, &answer)
                .await
                .map(|()| answer)
        }
    };
    // The send happened; a failed bookkeeping write must not turn it into an error the agent
    // would retry with a new key.
    stored.unwrap_or_else(|e| {
        tracing::error!(error = %crate::logging::chain(&e), key = %claim.key, "reply outcome not recorded");
        respond(&ReplyOutcome::NotRecorded)
    })
}

/// What a send that Twilio refused, or did not answer, leaves on its record. An unanswered one
/// may have been sent: it stays pending, visible, and is never resent.
pub(crate) fn record_unsent(record: &mut MessageRecord, error: &SendError) {
    match error {
        SendError::Rejected { code, message, .. } => {
            record.status = MessageStatus::Failed;
            record.error_code = code.map(|c| c.to_string());
            record.error_message = Some(message.clone());
        }
        SendError::RateLimited => {
            record.status = MessageStatus::Failed;
            record.error_code = Some("20429".into());
            record.error_message = Some("Twilio kept rate limiting; not sent.".into());
        }
        SendError::Unreachable(reason) => {
            record.error_message = Some(format!(
                "Twilio did not answer ({reason}); it may have been sent."
            ));
        }
    }
}

/// The `window_expired_at` of a refusal, RFC 3339.
pub fn expired_at_text(at: DateTime<Utc>) -> String {
    super::views::rfc3339(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_different_agent_and_key_pairs_never_share_an_idempotency_key() {
        assert_ne!(idempotency_key("a#b", "c"), idempotency_key("a", "b#c"));
        assert_ne!(idempotency_key("a:1", "x"), idempotency_key("a", "1x"));
        assert_eq!(
            idempotency_key("alice", "k1"),
            idempotency_key("alice", "k1")
        );
    }

    #[test]
    fn the_same_request_has_the_same_fingerprint_and_another_does_not() {
        let id = ConversationId::generate();
        let a = ReplyContent::Text { body: "hi".into() };
        let b = ReplyContent::Text { body: "hi!".into() };
        assert_eq!(fingerprint(&id, &a), fingerprint(&id, &a));
        assert_ne!(fingerprint(&id, &a), fingerprint(&id, &b));
        assert_ne!(
            fingerprint(&id, &a),
            fingerprint(&ConversationId::generate(), &a)
        );
    }
}
