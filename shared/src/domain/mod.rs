//! Pure domain: validated values, the inbound message, the 24-hour window and status ranks.
//! No I/O, no AWS or HTTP types, no clock of its own.

mod address;
mod agents;
mod ids;
mod inbound;
mod status;
mod window;

pub use address::WhatsAppAddress;
pub use agents::{Presence, valid_agent_id};
pub use ids::{AccountSid, ConversationId, MessageSid};
pub use inbound::{ButtonReply, InboundError, InboundMessage, Location, Media, Referral};
pub use status::{MessageStatus, StatusCallback, twilio_error_text};
pub use window::{ExistingSession, SessionDecision, SessionWindow, WINDOW, decide_session};

/// A value that failed validation at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is not valid: {reason}")]
pub struct InvalidValue {
    pub what: &'static str,
    pub reason: &'static str,
}
