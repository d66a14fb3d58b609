//! Pure domain: validated values, the inbound message, the conversation's lifecycle, the 24-hour
//! window and status ranks. No I/O, no AWS or HTTP types, no clock of its own.

mod address;
mod agents;
mod conversation;
mod deadline;
mod ids;
mod inbound;
pub mod knowledge;
mod media;
pub mod outcomes;
pub mod privacy;
mod reply;
pub mod routing;
pub mod scripts;
pub mod search;
pub mod sentiment;
mod status;
mod window;

pub use address::{Senders, WhatsAppAddress, mask_number};
pub use agents::{AgentId, Presence, valid_agent_id};
pub use conversation::{
    AcceptRefusal, CloseRefusal, ConversationState, ViewState, accept_refusal, close_refusal,
};
pub use deadline::{WindowWarnings, minute_of};
pub use ids::{AccountSid, ConversationId, MessageSid};
pub use inbound::{
    AD_MEDIA, AdReferral, ButtonReply, InboundError, InboundMessage, Location, Media, Referral,
};
pub use media::{
    MAX_INBOUND_MEDIA_BYTES, MAX_UPLOAD_BYTES, UPLOAD_TYPES, customer_export_key,
    customer_export_prefix, essence as media_type_essence, export_key, export_prefix, export_time,
    inbound_media_key, media_route, upload_key, upload_type,
};
pub use reply::{ReplyContent, TemplateText};
pub use routing::{
    AgentProfile, Candidate, Capacity, MISSES_BEFORE_AWAY, OfferEnd, RoutingMode, choose_agent,
    counts_toward_load, may_take, missed_too_often, serves,
};
pub use status::{MessageStatus, StatusCallback, is_recipient_error, twilio_error_text};
pub use window::{
    ConversationWindow, ExistingSession, SessionDecision, SessionWindow, WINDOW, decide_session,
    ttl_epoch_seconds,
};

/// A value that failed validation at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is not valid: {reason}")]
pub struct InvalidValue {
    pub what: &'static str,
    pub reason: &'static str,
}
