//! Window warnings: the stream files each window's warnings in the deadline index when a
//! customer message moves the window; a run every minute (window-deadlines in AWS, local-api's
//! clock locally) sends those that are due, once each.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::notify::NotifyFailure;
use super::views::rfc3339;
use crate::domain::{ConversationId, ConversationState, SessionWindow, WindowWarnings, minute_of};
use crate::ports::{
    AgentNotifier, ChannelStore, Clock, Deadline, DeadlineStore, Notification, SessionKey,
    SessionRecord, StoreError, StoredItem, StreamChange,
};

/// The warnings of the window a session's latest customer message opened.
pub fn deadlines(session: &SessionRecord, warnings: &WindowWarnings) -> Vec<Deadline> {
    warnings
        .due(session.last_inbound_at)
        .into_iter()
        .map(|(warning, due_at)| Deadline {
            conversation_id: session.conversation_id.clone(),
            business: session.business.clone(),
            customer: session.customer.clone(),
            last_inbound_at: session.last_inbound_at,
            warning,
            due_at,
        })
        .collect()
}

/// Files the warnings of a window that a stream change opened or moved; returns how many.
/// Filing again (a redelivered record) changes nothing.
pub async fn arm_for_change(
    store: &dyn DeadlineStore,
    warnings: &WindowWarnings,
    change: &StreamChange,
) -> Result<usize, StoreError> {
    let Some(StoredItem::Session(new)) = &change.new else {
        return Ok(0);
    };
    let moved = match &change.old {
        Some(StoredItem::Session(old)) => {
            old.last_inbound_at != new.last_inbound_at || old.conversation_id != new.conversation_id
        }
        _ => true,
    };
    if !moved {
        return Ok(0);
    }
    let due = deadlines(new, warnings);
    store.arm(&due).await?;
    Ok(due.len())
}

/// What one run did (window-deadlines' invocation result).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WarningRun {
    /// Minutes of the deadline index read.
    pub minutes: usize,
    /// Warnings published now.
    pub sent: usize,
    /// Warnings no longer due: the window moved, closed, or the conversation was closed.
    pub stale: usize,
}

/// Sends every warning due by now that no earlier run sent. Reads the minutes from the one after
/// the last finished run (so a missed run is caught up), at most as far back as the longest
/// warning (older ones are for windows already closed).
pub async fn send_due_warnings(
    store: &dyn ChannelStore,
    notifier: &dyn AgentNotifier,
    clock: &dyn Clock,
    warnings: &WindowWarnings,
    offers: bool,
) -> Result<WarningRun, NotifyFailure> {
    let now = clock.now();
    let current = minute_of(now);
    let oldest = minute_of(now - warnings.longest());
    let from = match store.deadline_cursor().await? {
        Some(cursor) => (cursor + 1).max(oldest),
        None => oldest,
    };
    let mut run = WarningRun::default();
    for minute in from..=current {
        run.minutes += 1;
        for deadline in store.due_in(minute).await? {
            if deadline.due_at > now {
                continue;
            }
            match warning(store, &deadline, offers, now).await? {
                Some(notification) => {
                    let key = deadline.notification_key();
                    if !store.begin_notification(&key, now).await? {
                        continue;
                    }
                    notifier.publish(&notification).await?;
                    store.finish_notification(&key).await?;
                    run.sent += 1;
                }
                None => run.stale += 1,
            }
        }
    }
    // The current minute may still get due warnings: it is read again next run.
    store.advance_deadline_cursor(current - 1).await?;
    Ok(run)
}

/// The `window.closing` notification for a deadline, or `None` when it is stale: the customer
/// wrote again (a later window), the window already ended, or the conversation was closed.
async fn warning(
    store: &dyn ChannelStore,
    deadline: &Deadline,
    offers: bool,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, StoreError> {
    let Some(key) = SessionKey::parse(&deadline.business, &deadline.customer) else {
        return Ok(None);
    };
    let Some(session) = store
        .sessions(&[key])
        .await?
        .into_iter()
        .find(|s| s.conversation_id == deadline.conversation_id)
    else {
        return Ok(None);
    };
    let window = SessionWindow::new(session.last_inbound_at);
    // Stored times are milliseconds; a clock may carry more.
    let same_window =
        session.last_inbound_at.timestamp_millis() == deadline.last_inbound_at.timestamp_millis();
    if !same_window || !window.is_open_at(now) || session.state == ConversationState::Closed {
        return Ok(None);
    }
    // The assigned agent; while nobody has accepted, the agents who could: in offer mode the
    // agent it is offered to, and supervisors.
    let unaccepted = session.assigned_agent.is_none();
    let agent_ids = match &session.assigned_agent {
        Some(agent) => vec![agent.clone()],
        None if offers => match ConversationId::parse(&session.conversation_id) {
            Ok(id) => store
                .conversation(&id)
                .await?
                .and_then(|c| c.offered_to)
                .into_iter()
                .collect(),
            Err(_) => Vec::new(),
        },
        None => store
            .available_agents()
            .await?
            .into_iter()
            .map(|a| a.agent_id)
            .collect(),
    };
    let authenticated = !store
        .contacts(std::slice::from_ref(&session.customer))
        .await?
        .is_empty();
    let expires_at = window.ends_at();
    Ok(Some(Notification {
        event_type: "window.closing".into(),
        business_number: session.business.clone(),
        agent_ids,
        supervisors: offers && unaccepted,
        authenticated,
        body: json!({
            "event_type": "window.closing",
            "conversation_id": session.conversation_id,
            "business_number": session.business,
            "customer": {"address": session.customer, "profile_name": session.profile_name},
            "agent": session.assigned_agent,
            "warning": deadline.warning,
            "expires_at": rfc3339(expires_at),
            "seconds_left": (expires_at - now).num_seconds().max(0),
            "published_at": rfc3339(now),
        }),
    }))
}
