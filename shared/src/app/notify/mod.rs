//! notify-agent's use case: the table's stream is a transactional outbox. Each change that
//! matters to agents becomes one SNS notification, published once per change even when the
//! stream delivers a record again. It reads typed [`StreamChange`]s: the adapters decode the
//! table's items. What a change means is read in `meaning`; each event's notification is built
//! in its own file.

mod accepted;
mod closed;
mod customer;
mod meaning;
mod message;
mod offers;
mod requested;
mod sentiment;
mod transferred;
mod window;

use chrono::{DateTime, Utc};

use crate::app::routing::{Router, RoutingError, RoutingReport, RoutingSettings, on_change};
use crate::ports::{AgentNotifier, ChannelStore, Clock, NotifyError, StoreError, StreamChange};
use customer::Keyed;
use meaning::{Meaning, meaning};

/// Why a change could not be handled: the record is reported and redelivered.
#[derive(Debug, thiserror::Error)]
pub enum NotifyFailure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] NotifyError),
    #[error(transparent)]
    Routing(#[from] RoutingError),
}

/// The notifications a change raises, each with the key that keeps it single. In offer mode
/// a request is announced by its offer, to one agent, not to every available agent.
async fn notifications(
    store: &dyn ChannelStore,
    change: &StreamChange,
    offers: bool,
    now: DateTime<Utc>,
) -> Result<Keyed, StoreError> {
    let key = change.id.as_str();
    match meaning(change, now) {
        Meaning::Nothing => Ok(Vec::new()),
        Meaning::Requested(_) | Meaning::AgentAvailable(..) if offers => Ok(Vec::new()),
        Meaning::Requested(conversation) => {
            requested::on_request(store, key, &conversation, now).await
        }
        Meaning::AgentAvailable(agent, since) => {
            requested::on_agent_available(store, &agent, since, now).await
        }
        Meaning::Accepted(conversation) => {
            accepted::on_accepted(store, key, &conversation, offers, now).await
        }
        Meaning::RequestClosed(conversation) => {
            closed::on_request_closed(store, key, &conversation, offers, now).await
        }
        Meaning::Offered(agent, conversation) => {
            offers::on_offered(store, key, &agent, &conversation, now).await
        }
        Meaning::OfferEnded(agent, how, conversation) => {
            Ok(offers::on_offer_ended(key, &agent, how, &conversation, now))
        }
        Meaning::MissedOffers(agent) => Ok(offers::on_missed(key, &agent, now)),
        Meaning::Overflowed(conversation) => {
            offers::on_overflow(store, key, &conversation, now).await
        }
        Meaning::Transferred(from, conversation) => {
            transferred::on_transferred(store, key, from, &conversation, now).await
        }
        Meaning::MessageReceived(message) => message::on_received(store, key, &message).await,
        Meaning::StatusChanged(message) => message::on_status(store, key, &message, now).await,
        Meaning::WindowClosed(session) => window::on_closed(store, key, &session, now).await,
        Meaning::SentimentNegative(conversation) => {
            sentiment::on_negative(store, key, &conversation, now).await
        }
    }
}

/// Handles one stream record: publishes what it raises, each notification at most once per
/// record even when the record comes again. Returns how many were published now.
pub async fn handle_change(
    store: &dyn ChannelStore,
    notifier: &dyn AgentNotifier,
    clock: &dyn Clock,
    change: &StreamChange,
) -> Result<usize, NotifyFailure> {
    Ok(handle_change_reported(store, notifier, clock, change)
        .await?
        .published)
}

/// What handling one stream record did, for the function's metrics and log line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeReport {
    /// Notifications published now.
    pub published: usize,
    /// A new conversation request nobody was available for: its business number.
    pub no_agent_for: Option<String>,
    /// What routing did: offers made, requests left waiting.
    pub routing: RoutingReport,
    /// An offer ended without an accept: how, and the business number.
    pub offer_ended: Option<(crate::domain::OfferEnd, String)>,
    /// A request raised to supervisors: its business number.
    pub overflow_of: Option<String>,
}

/// [`handle_change`], telling also whether a conversation request found no available agent,
/// in broadcast mode without timers.
pub async fn handle_change_reported(
    store: &dyn ChannelStore,
    notifier: &dyn AgentNotifier,
    clock: &dyn Clock,
    change: &StreamChange,
) -> Result<ChangeReport, NotifyFailure> {
    let settings = RoutingSettings::broadcast();
    let router = Router {
        store,
        timers: None,
        settings: &settings,
    };
    handle_change_routed(&router, notifier, clock, change).await
}

/// Handles one stream record as [`handle_change`] does, and routes what it changes
/// ([`crate::app::routing::on_change`]): notifications first, each once, then routing, which
/// is safe to repeat when the record comes again.
pub async fn handle_change_routed(
    router: &Router<'_>,
    notifier: &dyn AgentNotifier,
    clock: &dyn Clock,
    change: &StreamChange,
) -> Result<ChangeReport, NotifyFailure> {
    let store = router.store;
    let now = clock.now();
    // A stored message's words go into the search index first: indexing again is harmless.
    crate::app::desk::search::index_change(store, change).await?;
    let offers = router.settings.offers();
    let pending = notifications(store, change, offers, now).await?;
    let mut report = ChangeReport::default();
    if !offers
        && pending.is_empty()
        && let Meaning::Requested(conversation) = meaning(change, now)
    {
        // A request raises no notification only when no agent is available.
        report.no_agent_for = Some(conversation.business);
    }
    if let Meaning::OfferEnded(_, how, conversation) = meaning(change, now) {
        report.offer_ended = Some((how, conversation.business));
    }
    if let Meaning::Overflowed(conversation) = meaning(change, now) {
        report.overflow_of = Some(conversation.business);
    }
    for (key, notification) in pending {
        if !store.begin_notification(&key, now).await? {
            continue;
        }
        notifier.publish(&notification).await?;
        store.finish_notification(&key).await?;
        report.published += 1;
    }
    report.routing = on_change(router, change, now).await?;
    if offers && let Some(business) = report.routing.waiting.first() {
        report.no_agent_for = Some(business.clone());
    }
    Ok(report)
}
