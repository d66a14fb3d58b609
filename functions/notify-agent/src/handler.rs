//! notify-agent: the table's DynamoDB stream in, agent notifications (SNS) out. Failed records
//! are reported one by one (`ReportBatchItemFailures`), so one bad record never blocks or
//! repeats the others' notifications.

use std::sync::Arc;

use async_trait::async_trait;
use aws_lambda_events::dynamodb::{Event, EventRecord, UserIdentity};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::{Error, LambdaEvent};
use whatsapp_channel::adapters::dynamodb::stream::{decode, encode};
use whatsapp_channel::app::assist::Assist;
use whatsapp_channel::app::bus::events_of;
use whatsapp_channel::app::deadline::arm_for_change;
use whatsapp_channel::app::deferred::{DeferredSending, release_for_change};
use whatsapp_channel::app::notify::{ChangeReport, handle_change_routed};
use whatsapp_channel::app::outcomes::csat::{CsatSending, CsatSettings, survey_on_close};
use whatsapp_channel::app::outcomes::hold_on_close;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::app::routing::{Router, RoutingSettings};
use whatsapp_channel::app::templates::Templates;
use whatsapp_channel::app::typing::{Actor, Typing};
use whatsapp_channel::domain::WindowWarnings;
use whatsapp_channel::logging::chain;
use whatsapp_channel::metrics::{Metric, Metrics};
use whatsapp_channel::ports::{
    AgentNotifier, ChangeKind, ChannelStore, Clock, ConversationState, Direction, EventBus,
    Notification, NotifyError, ReplySender, StoreError, StoredItem, StreamChange, TimerQueue,
};

/// Everything the handler needs, built once per cold start.
pub struct NotifyAgent {
    store: Arc<dyn ChannelStore>,
    notifier: Arc<dyn AgentNotifier>,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
    /// When windows' warnings are due (`WINDOW_WARNINGS`): filed as windows move.
    warnings: WindowWarnings,
    /// Sends deferred replies when their customer opens a new window; `None`: kept unsent.
    deferred: Option<Deferred>,
    /// How requests reach agents; broadcast unless [`NotifyAgent::with_routing`] says.
    routing: RoutingSettings,
    /// Routing's timers (offers' expiry, overflow); `None`: none are started.
    timers: Option<Arc<dyn TimerQueue>>,
    /// `READ_RECEIPTS=on`: an accept marks the customer's latest message read; `None`: off.
    read_receipts: Option<Arc<Typing>>,
    /// `CSAT_CONTENT_SID`: the survey sent after a close (through the deferred replies'
    /// sender); `None`: no survey.
    csat: Option<(CsatSettings, Option<Arc<Templates>>)>,
    /// `EVENT_BUS_NAME`: the lifecycle for other systems, and whether message bodies go with it
    /// (`EVENTS_INCLUDE_BODIES`); `None`: no events.
    bus: Option<(Arc<dyn EventBus>, bool)>,
    /// `WRAP_UP_SECONDS`: how long a close holds its agent's capacity for the wrap-up (zero:
    /// not at all, the default here; the functions' `main` reads 60 by default).
    wrap_up: chrono::TimeDelta,
    /// Sentiment and suggestions for each customer text; `None`: neither.
    assist: Option<Assist>,
}

/// What sending deferred replies needs.
pub struct Deferred {
    pub sender: Arc<dyn ReplySender>,
    pub settings: ReplySettings,
    /// How long a deferred reply waits at most (`DEFERRED_MAX_WAIT_DAYS`, 28 by default).
    pub max_wait: chrono::TimeDelta,
}

impl NotifyAgent {
    pub fn new(
        store: Arc<dyn ChannelStore>,
        notifier: Arc<dyn AgentNotifier>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            notifier,
            clock,
            metrics: Metrics::disabled(),
            warnings: WindowWarnings::default(),
            deferred: None,
            routing: RoutingSettings::broadcast(),
            timers: None,
            read_receipts: None,
            csat: None,
            bus: None,
            wrap_up: chrono::TimeDelta::zero(),
            assist: None,
        }
    }

    /// Reads each customer text's sentiment (with `assist.scorer`) and pushes fresh
    /// suggestions to the conversation's agent.
    pub fn with_assist(mut self, assist: Assist) -> Self {
        self.assist = Some(assist);
        self
    }

    /// Holds an agent's capacity this long after their conversation closes, until its outcome.
    pub fn with_wrap_up(mut self, hold: chrono::TimeDelta) -> Self {
        self.wrap_up = hold;
        self
    }

    /// Puts the conversation's lifecycle on `bus` (EventBridge), bodies only when
    /// `include_bodies`.
    pub fn with_bus(mut self, bus: Arc<dyn EventBus>, include_bodies: bool) -> Self {
        self.bus = Some((bus, include_bodies));
        self
    }

    /// Sends the CSAT survey after a close whose window is open (needs
    /// [`NotifyAgent::with_deferred`]'s sender).
    /// `templates` (the Content API's approved list) gives the survey its name and text in the
    /// transcript.
    pub fn with_csat(mut self, csat: CsatSettings, templates: Option<Arc<Templates>>) -> Self {
        self.csat = Some((csat, templates));
        self
    }

    /// Marks the customer's latest message read (blue ticks) when an agent accepts.
    pub fn with_read_receipts(mut self, typing: Arc<Typing>) -> Self {
        self.read_receipts = Some(typing);
        self
    }

    /// Routes requests as `routing` says, with `timers` for offers and overflow.
    pub fn with_routing(mut self, routing: RoutingSettings, timers: Arc<dyn TimerQueue>) -> Self {
        self.routing = routing;
        self.timers = Some(timers);
        self
    }

    /// Sends deferred replies through `deferred.sender` when their customer writes again.
    pub fn with_deferred(mut self, deferred: Deferred) -> Self {
        self.deferred = Some(deferred);
        self
    }

    /// Other warning lead times than `2h,15m`.
    pub fn with_warnings(mut self, warnings: WindowWarnings) -> Self {
        self.warnings = warnings;
        self
    }
    /// Emits the function's metrics (EMF) to `metrics`; none by default.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }
}

/// The item a change is about, new image first.
fn item(change: &StreamChange) -> Option<&StoredItem> {
    change.new.as_ref().or(change.old.as_ref())
}

/// The conversation a change belongs to, for the log line.
fn conversation_of(change: &StreamChange) -> Option<&str> {
    match item(change)? {
        StoredItem::Conversation(c) => Some(&c.id),
        StoredItem::Session(s) => Some(&s.conversation_id),
        StoredItem::Message(m) => Some(&m.conversation_id),
        StoredItem::Record(r) => Some(&r.conversation_id),
        StoredItem::WrapUp(w) => Some(&w.conversation_id),
        StoredItem::Presence(_) | StoredItem::Profile(_) => None,
    }
}

/// The business number a change belongs to, where its item tells.
fn business_of(change: &StreamChange) -> Option<&str> {
    match item(change)? {
        StoredItem::Conversation(c) => Some(&c.business),
        StoredItem::Session(s) => Some(&s.business),
        StoredItem::Message(m) => {
            let ours = match m.direction {
                Direction::Inbound => "To",
                Direction::Outbound => "From",
            };
            m.params
                .iter()
                .find(|(n, _)| n == ours)
                .map(|(_, v)| v.as_str())
        }
        StoredItem::Presence(_)
        | StoredItem::Profile(_)
        | StoredItem::Record(_)
        | StoredItem::WrapUp(_) => None,
    }
}

/// Counts what the notifier publishes and what it fails to, per business number.
struct CountingNotifier<'a> {
    inner: &'a dyn AgentNotifier,
    metrics: &'a Metrics,
    business: Option<&'a str>,
}

#[async_trait]
impl<'a> AgentNotifier for CountingNotifier<'a> {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        let result = self.inner.publish(notification).await;
        let name = match result {
            Ok(()) => "NotificationsPublished",
            Err(_) => "NotificationFailures",
        };
        let business = notification.body["business_number"]
            .as_str()
            .or(self.business)
            .unwrap_or_default();
        self.metrics.emit(Metric::count(name).business(business));
        result
    }

    async fn push_live(&self, notification: &Notification) {
        self.inner.push_live(notification).await;
    }
}

/// A Lambda stream record as the use case reads it: its images decoded by the DynamoDB adapter.
pub fn to_change(record: &EventRecord) -> Option<StreamChange> {
    let kind = match record.event_name.as_str() {
        "INSERT" => ChangeKind::Insert,
        "MODIFY" => ChangeKind::Modify,
        "REMOVE" => ChangeKind::Remove,
        _ => return None,
    };
    Some(StreamChange {
        id: record.event_id.clone(),
        kind,
        old: decode(record.change.old_image.clone()),
        new: decode(record.change.new_image.clone()),
        // TTL deletions are made by the DynamoDB service principal.
        by_ttl: record
            .user_identity
            .as_ref()
            .map(|u| u.type_ == "Service" && u.principal_id == "dynamodb.amazonaws.com"),
    })
}

/// The Lambda stream record for a change: what the event source mapping delivers. Used by
/// `local-api`, which plays the event source mapping.
pub fn to_event_record(change: &StreamChange, sequence_number: u64) -> EventRecord {
    let mut record = EventRecord::default();
    record.event_id = change.id.clone();
    record.event_name = match change.kind {
        ChangeKind::Insert => "INSERT",
        ChangeKind::Modify => "MODIFY",
        ChangeKind::Remove => "REMOVE",
    }
    .to_owned();
    record.event_source = Some("aws:dynamodb".into());
    record.event_version = Some("1.1".into());
    record.change.old_image = change.old.as_ref().and_then(encode).unwrap_or_default();
    record.change.new_image = change.new.as_ref().and_then(encode).unwrap_or_default();
    record.change.sequence_number = Some(format!("{sequence_number:021}"));
    if change.by_ttl == Some(true) {
        let mut identity = UserIdentity::default();
        identity.type_ = "Service".into();
        identity.principal_id = "dynamodb.amazonaws.com".into();
        record.user_identity = Some(identity);
    }
    record
}

/// What a change does before agents are told: a moved window files its warnings, and a new
/// window sends the deferred replies that waited for it. Both are safe to repeat.
async fn before_notifying(state: &NotifyAgent, change: &StreamChange) -> Result<(), StoreError> {
    arm_for_change(state.store.as_ref(), &state.warnings, change).await?;
    if let Some((bus, include_bodies)) = &state.bus {
        let events = events_of(change, *include_bodies);
        if !events.is_empty() {
            // A failed put fails the record: it is retried (consumers dedupe by event_id).
            bus.put(&events)
                .await
                .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
            for _ in &events {
                state.metrics.emit(Metric::count("BusEvents"));
            }
        }
    }
    if state.wrap_up > chrono::TimeDelta::zero() {
        hold_on_close(
            state.store.as_ref(),
            state.wrap_up,
            state.timers.as_deref(),
            change,
        )
        .await?;
    }
    if let Some(typing) = &state.read_receipts {
        read_receipt(state, typing, change).await;
    }
    if let (Some((settings, templates)), Some(deferred)) = (&state.csat, &state.deferred) {
        let sending = CsatSending {
            settings,
            sender: deferred.sender.as_ref(),
            reply: &deferred.settings,
            templates: templates.as_deref(),
        };
        if survey_on_close(state.store.as_ref(), state.clock.as_ref(), &sending, change).await? {
            tracing::info!(event_id = %change.id, "CSAT survey sent");
        }
    }
    if let Some(deferred) = &state.deferred {
        let sending = DeferredSending {
            sender: deferred.sender.as_ref(),
            settings: &deferred.settings,
            max_wait: deferred.max_wait,
        };
        let sent =
            release_for_change(state.store.as_ref(), &sending, state.clock.now(), change).await?;
        if sent > 0 {
            tracing::info!(event_id = %change.id, sent, "deferred replies sent");
        }
    }
    Ok(())
}

/// An accept (requested → active) marks the customer's latest message read. A nicety of a
/// beta API: whatever happens is logged and the batch goes on; a redelivery does not call
/// Twilio again within 20 s (the typing item's conditional write).
async fn read_receipt(state: &NotifyAgent, typing: &Typing, change: &StreamChange) {
    let (Some(StoredItem::Conversation(old)), Some(StoredItem::Conversation(new))) =
        (&change.old, &change.new)
    else {
        return;
    };
    if old.state != ConversationState::Requested || new.state != ConversationState::Active {
        return;
    }
    let Ok(id) = whatsapp_channel::domain::ConversationId::parse(&new.id) else {
        return;
    };
    let result = typing
        .acknowledge(
            state.store.as_ref(),
            state.clock.as_ref(),
            &id,
            Actor::ReadReceipt,
        )
        .await;
    match result {
        Ok(Ok(outcome)) => {
            tracing::info!(conversation_id = %id, ?outcome, "read receipt on accept");
        }
        Ok(Err(refusal)) => {
            tracing::info!(conversation_id = %id, ?refusal, "no read receipt on accept");
        }
        Err(error) => {
            tracing::warn!(conversation_id = %id, error = %error, "the read receipt on accept failed");
        }
    }
}

/// Assist, once agents are told: a customer text's sentiment and fresh suggestions, both
/// pushed live. A nicety beside the conversation: a failure (Comprehend unavailable) is
/// logged and counted, and never holds up or repeats the record's notifications.
async fn after_notifying(state: &NotifyAgent, notifier: &dyn AgentNotifier, change: &StreamChange) {
    let Some(assist) = &state.assist else {
        return;
    };
    match assist
        .on_change(state.store.as_ref(), notifier, change)
        .await
    {
        Ok(report) => {
            if let Some(business) = &report.negative_for {
                state
                    .metrics
                    .emit(Metric::count("NegativeSentiment").business(business));
            }
        }
        Err(error) => {
            state.metrics.emit(Metric::count("AssistErrors"));
            tracing::warn!(error = %chain(&error), event_id = %change.id, "sentiment or suggestions not read");
        }
    }
}

/// Routing's metrics, per business number: offers made (and how long each request had
/// waited), offers that ended unanswered, requests raised to supervisors.
fn emit_routing_metrics(metrics: &Metrics, report: &ChangeReport) {
    for (business, waited) in &report.routing.offers {
        metrics.emit(Metric::count("OffersMade").business(business));
        metrics.emit(Metric::millis("QueueWaitMs", waited.num_milliseconds()).business(business));
    }
    if let Some((how, business)) = &report.offer_ended {
        let name = match how {
            whatsapp_channel::domain::OfferEnd::Rejected => "OffersRejected",
            whatsapp_channel::domain::OfferEnd::Expired => "OffersExpired",
            whatsapp_channel::domain::OfferEnd::Withdrawn => "OffersWithdrawn",
        };
        metrics.emit(Metric::count(name).business(business));
    }
    if let Some(business) = &report.overflow_of {
        metrics.emit(Metric::count("Overflows").business(business));
    }
}

pub async fn function_handler(
    state: &NotifyAgent,
    event: LambdaEvent<Event>,
) -> Result<DynamoDbEventResponse, Error> {
    let mut response = DynamoDbEventResponse::default();
    for record in &event.payload.records {
        let Some(change) = to_change(record) else {
            continue;
        };
        let notifier = CountingNotifier {
            inner: state.notifier.as_ref(),
            metrics: &state.metrics,
            business: business_of(&change),
        };
        // The window's warnings are filed and deferred replies released first: a failure
        // retries the record, and doing either again changes nothing.
        let result = match before_notifying(state, &change).await {
            Ok(()) => {
                let router = Router {
                    store: state.store.as_ref(),
                    timers: state.timers.as_deref(),
                    settings: &state.routing,
                };
                handle_change_routed(&router, &notifier, state.clock.as_ref(), &change).await
            }
            Err(e) => Err(e.into()),
        };
        let conversation_id = conversation_of(&change);
        match result {
            Ok(report) => {
                if let Some(business) = &report.no_agent_for {
                    state
                        .metrics
                        .emit(Metric::count("NoAgentAvailable").business(business));
                    tracing::info!(event_id = %change.id, conversation_id, "conversation request waits: no agent available");
                }
                emit_routing_metrics(&state.metrics, &report);
                after_notifying(state, &notifier, &change).await;
                if report.published > 0 {
                    tracing::info!(event_id = %change.id, conversation_id, published = report.published, "notified agents");
                }
            }
            Err(e) => {
                tracing::error!(error = %chain(&e), event_id = %change.id, conversation_id, "record not handled; reported for retry");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = record.change.sequence_number.clone();
                response.batch_item_failures.push(failure);
            }
        }
    }
    Ok(response)
}
