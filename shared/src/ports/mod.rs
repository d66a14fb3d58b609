//! Ports: what the use cases need from the outside world, one trait per role, each with the
//! records it exchanges beside it. The rules those records obey live in [`crate::domain`].
//!
//! The store is split by aggregate ([`SessionStore`] for sessions and their messages,
//! [`ConversationStore`], [`ReplyStore`] for idempotent replies, [`AgentStore`], [`ProfileStore`],
//! [`ContactStore`], [`NotificationLog`], [`ConnectionStore`], [`DeadlineStore`], [`TypingStore`]); a function asks for the umbrella [`ChannelStore`].

pub mod agents;
pub mod assist;
pub mod bus;
pub mod clock;
pub mod connections;
pub mod contacts;
pub mod conversations;
pub mod deadlines;
pub mod deferred;
pub mod desk;
pub mod erasure;
pub mod media;
pub mod notifier;
pub mod outcomes;
pub mod privacy;
pub mod records_webhook;
pub mod replies;
pub mod routing;
pub mod sender;
pub mod sessions;
pub mod stream;
pub mod templates;
pub mod typing;

pub use agents::{
    AgentRecord, AgentStore, AssignmentRecord, AvailableAgent, MISSED_OFFERS, PresenceRecord,
    ProfileRecord, ProfileStore, WrapUpHold,
};
pub use assist::{
    ArticleEntry, ArticleRecord, AssistStore, LEAD_CHARS, ScoreError, ScriptRecord,
    SentimentScorer, StepDone,
};
pub use bus::{BusError, BusEvent, EventBus};
pub use clock::Clock;
pub use connections::{ConnectionStore, LiveConnection, LivePoster, PostError, Posted};
pub use contacts::{Contact, ContactStore};
pub use conversations::{
    AcceptResult, CloseResult, ConversationRecord, ConversationState, ConversationStore,
};
pub use deadlines::{Deadline, DeadlineStore};
pub use deferred::{DeferredMarker, DeferredStore};
pub use desk::{
    CustomerStore, DeskItems, DeskStore, EventRecord, FoundMessage, NoteRecord, QuickReply,
    SearchIndex, TermEntry, TermPage, TermQuery, TransferResult,
};
pub use erasure::{
    ErasedCounts, ErasureJob, ErasureQueue, ErasureRecord, ErasureState, ErasureStore,
    RetentionJob, WorkerTask,
};
pub use media::{
    FetchError, MediaAccess, MediaFetcher, MediaFile, MediaStore, MediaStoreError,
    OPEN_LINK_VALIDITY,
};
pub use notifier::{AgentNotifier, Notification, NotificationLog, NotifyError};
pub use outcomes::{
    CsatRecord, Disposition, OutcomeRecord, OutcomeResult, OutcomeStore, RecordLink,
};
pub use privacy::{AuditEntry, AuditPage, AuditQuery, LegalHold, PrivacyStore};
pub use records_webhook::{CreateRecord, CreatedRecord, RecordsWebhook, RecordsWebhookError};
pub use replies::{ClaimOutcome, IdempotencyRecord, ReplyStore, StoredResponse};
pub use routing::{
    DayCounts, OfferEnded, OfferRecord, RoutingState, RoutingStore, ScheduleError, Timer,
    TimerKind, TimerQueue, WaitingRecord, day_of,
};
pub use sender::{OutboundRequest, ReplyContent, ReplySender, SendError, SentMessage};
pub use sessions::{
    Direction, InboundStored, MessageRecord, SessionKey, SessionRecord, SessionStart, SessionStore,
    SessionTouch, StatusApplied, Stored, TemplateRef,
};
pub use stream::{ChangeKind, StoredItem, StreamChange};
pub use templates::{CatalogError, Template, TemplateCatalog};
pub use typing::{IndicatorError, ReadMarker, TypingIndicator, TypingStore};

/// A storage failure: the request did not complete, or an item could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store did not complete the request")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("a stored item could not be read: {0}")]
    Corrupt(String),
}

/// The whole table: what a function asks for.
pub trait ChannelStore:
    SessionStore
    + ConversationStore
    + ReplyStore
    + AgentStore
    + ProfileStore
    + ContactStore
    + NotificationLog
    + ConnectionStore
    + DeadlineStore
    + DeferredStore
    + DeskStore
    + CustomerStore
    + SearchIndex
    + RoutingStore
    + TypingStore
    + OutcomeStore
    + AssistStore
    + PrivacyStore
    + ErasureStore
{
}

impl<T> ChannelStore for T where
    T: SessionStore
        + ConversationStore
        + ReplyStore
        + AgentStore
        + ProfileStore
        + ContactStore
        + NotificationLog
        + ConnectionStore
        + DeadlineStore
        + DeferredStore
        + DeskStore
        + CustomerStore
        + SearchIndex
        + RoutingStore
        + TypingStore
        + OutcomeStore
        + AssistStore
        + PrivacyStore
        + ErasureStore
{
}
