use async_trait::async_trait;

use crate::domain::MessageStatus;
pub use crate::domain::ReplyContent;

/// One message for Twilio's Messages API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// The customer, `whatsapp:+E164`.
    pub to: String,
    /// Our sender: the conversation's business number, one of `WHATSAPP_SENDERS`.
    pub from: String,
    pub content: ReplyContent,
    /// `TWILIO_STATUS_URL`, sent with every message.
    pub status_callback: String,
    /// The most the whole send may take, retries included (what the invocation has left once
    /// the outcome's recording is reserved); `None`: the sender's own budget.
    pub budget: Option<std::time::Duration>,
}

/// Twilio accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// `SM…`/`MM…`.
    pub sid: String,
    /// As Twilio answered it, normally `queued`.
    pub status: MessageStatus,
}

/// Why a message was not (or may not have been) sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Twilio answered with an error: nothing was sent.
    #[error("Twilio refused the message ({http_status}, code {code:?}): {message}")]
    Rejected {
        http_status: u16,
        code: Option<u32>,
        message: String,
    },
    /// Still rate limited (HTTP 429 / 20429) after the bounded retries: nothing was sent.
    #[error("Twilio is rate limiting this account")]
    RateLimited,
    /// No answer (connect failure, timeout): the message may or may not have been sent, so it is
    /// never retried.
    #[error("Twilio did not answer: {0}")]
    Unreachable(String),
}

/// Sends messages through Twilio's Messages API.
#[async_trait]
pub trait ReplySender: Send + Sync {
    async fn send(&self, request: &OutboundRequest) -> Result<SentMessage, SendError>;
}
