use chrono::{DateTime, TimeDelta, Utc};

/// WhatsApp's customer-service window: free-form replies are allowed for 24 hours after the
/// customer's most recent message.
pub const WINDOW: TimeDelta = TimeDelta::hours(24);

/// The window of one session, decided from its timestamp alone (never from an item's presence:
/// DynamoDB deletes expired items hours or days late).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionWindow {
    pub last_inbound_at: DateTime<Utc>,
}

impl SessionWindow {
    pub fn new(last_inbound_at: DateTime<Utc>) -> Self {
        Self { last_inbound_at }
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        self.last_inbound_at + WINDOW
    }

    /// Open while `now < last_inbound_at + 24h`: at exactly 24 hours it is closed.
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        now < self.ends_at()
    }

    /// Whole seconds left, 0 once closed.
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        (self.ends_at() - now).num_seconds().max(0)
    }

    /// The TTL attribute: epoch seconds, rounded up so the item never expires before the window.
    pub fn ttl_epoch_seconds(&self) -> i64 {
        ttl_epoch_seconds(self.ends_at())
    }
}

/// A TTL attribute for an item that must live until `end`: epoch seconds, rounded up.
pub fn ttl_epoch_seconds(end: DateTime<Utc>) -> i64 {
    let secs = end.timestamp();
    if end.timestamp_subsec_nanos() > 0 {
        secs + 1
    } else {
        secs
    }
}

/// What an inbound customer message does to the customer's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionDecision {
    /// No session, or its window closed: a new session and a new conversation request.
    Start,
    /// The window is open: it restarts from this message.
    Refresh,
    /// The window is open and already counts from a later message (out-of-order delivery):
    /// `last_inbound_at` never moves back.
    KeepNewer,
}

/// The customer's current session as stored, if an item exists at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingSession {
    pub last_inbound_at: DateTime<Utc>,
    /// An agent closed its conversation: the customer's next message is a new request.
    pub closed: bool,
}

/// The session rule for an inbound message received at `now`.
pub fn decide_session(existing: Option<ExistingSession>, now: DateTime<Utc>) -> SessionDecision {
    match existing {
        None => SessionDecision::Start,
        Some(s) if s.closed || !SessionWindow::new(s.last_inbound_at).is_open_at(now) => {
            SessionDecision::Start
        }
        Some(s) if s.last_inbound_at >= now => SessionDecision::KeepNewer,
        Some(_) => SessionDecision::Refresh,
    }
}

/// The window of one conversation as agents see it: counted from its last customer message,
/// and open only while it is still its customer's current session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationWindow {
    pub window: SessionWindow,
    /// Whether free-form replies are allowed now.
    pub open: bool,
}

impl ConversationWindow {
    /// The one window rule. `conversation_last_inbound_at` is the durable conversation's;
    /// `current_session_last_inbound_at` is its customer's session item's, when that item still
    /// belongs to this conversation (a missing, TTL-deleted item is a closed window).
    pub fn at(
        conversation_last_inbound_at: DateTime<Utc>,
        current_session_last_inbound_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let last_inbound_at = current_session_last_inbound_at
            .unwrap_or(conversation_last_inbound_at)
            .max(conversation_last_inbound_at);
        let window = SessionWindow::new(last_inbound_at);
        Self {
            window,
            open: current_session_last_inbound_at.is_some() && window.is_open_at(now),
        }
    }

    pub fn last_inbound_at(&self) -> DateTime<Utc> {
        self.window.last_inbound_at
    }

    /// Whole seconds left, 0 when closed.
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        if self.open {
            self.window.seconds_left(now)
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    #[test]
    fn a_conversation_without_its_current_session_has_a_closed_window() {
        let last = at("2026-11-23T10:00:00Z");
        let now = at("2026-11-23T11:00:00Z");
        assert!(!ConversationWindow::at(last, None, now).open);
        assert!(ConversationWindow::at(last, Some(last), now).open);
        let later = at("2026-11-23T10:30:00Z");
        assert_eq!(
            ConversationWindow::at(last, Some(later), now).last_inbound_at(),
            later
        );
        assert_eq!(
            ConversationWindow::at(later, Some(last), now).last_inbound_at(),
            later
        );
    }

    #[test]
    fn an_open_conversation_counts_the_seconds_its_session_has_left() {
        let last = at("2026-11-23T10:00:00Z");
        let now = at("2026-11-24T09:00:00Z");
        assert_eq!(
            ConversationWindow::at(last, Some(last), now).seconds_left(now),
            3600
        );
    }

    #[test]
    fn a_conversation_that_is_no_longer_its_customers_session_has_no_seconds_left() {
        let last = at("2026-11-23T10:00:00Z");
        let now = at("2026-11-23T11:00:00Z");
        // Its timestamp alone would leave 23 hours; the session is another conversation's now.
        assert_eq!(ConversationWindow::at(last, None, now).seconds_left(now), 0);
        // Past the end, an open-looking session still counts 0, never negative.
        let after = at("2026-11-25T10:00:00Z");
        assert_eq!(
            ConversationWindow::at(last, Some(last), now).seconds_left(after),
            0
        );
    }

    #[test]
    fn the_window_is_open_one_second_before_24_hours() {
        let window = SessionWindow::new(at("2026-11-23T10:00:00Z"));
        assert!(window.is_open_at(at("2026-11-24T09:59:59Z")));
        assert_eq!(window.seconds_left(at("2026-11-24T09:59:59Z")), 1);
    }

    #[test]
    fn the_window_is_closed_at_exactly_24_hours() {
        let window = SessionWindow::new(at("2026-11-23T10:00:00Z"));
        assert!(!window.is_open_at(at("2026-11-24T10:00:00Z")));
        assert_eq!(window.seconds_left(at("2026-11-24T10:00:00Z")), 0);
    }

    #[test]
    fn the_window_is_closed_one_second_after_24_hours() {
        let window = SessionWindow::new(at("2026-11-23T10:00:00Z"));
        assert!(!window.is_open_at(at("2026-11-24T10:00:01Z")));
    }

    #[test]
    fn the_window_counts_milliseconds() {
        let window = SessionWindow::new(at("2026-11-23T10:00:00.500Z"));
        assert!(window.is_open_at(at("2026-11-24T10:00:00.499Z")));
        assert!(!window.is_open_at(at("2026-11-24T10:00:00.500Z")));
    }

    #[test]
    fn the_ttl_attribute_is_the_window_end_in_epoch_seconds_rounded_up() {
        let whole = SessionWindow::new(at("2026-11-23T10:00:00Z"));
        assert_eq!(
            whole.ttl_epoch_seconds(),
            at("2026-11-24T10:00:00Z").timestamp()
        );
        let fraction = SessionWindow::new(at("2026-11-23T10:00:00.001Z"));
        assert_eq!(
            fraction.ttl_epoch_seconds(),
            at("2026-11-24T10:00:01Z").timestamp()
        );
    }

    fn open(last_inbound_at: DateTime<Utc>) -> ExistingSession {
        ExistingSession {
            last_inbound_at,
            closed: false,
        }
    }

    #[test]
    fn a_message_after_an_agent_closed_the_conversation_starts_a_new_session() {
        let closed = ExistingSession {
            last_inbound_at: at("2026-11-23T10:00:00Z"),
            closed: true,
        };
        assert_eq!(
            decide_session(Some(closed), at("2026-11-23T10:05:00Z")),
            SessionDecision::Start
        );
    }

    #[test]
    fn a_first_message_starts_a_session() {
        assert_eq!(
            decide_session(None, at("2026-11-23T10:00:00Z")),
            SessionDecision::Start
        );
    }

    #[test]
    fn a_message_inside_the_window_refreshes_the_session() {
        assert_eq!(
            decide_session(
                Some(open(at("2026-11-23T10:00:00Z"))),
                at("2026-11-24T09:59:59Z")
            ),
            SessionDecision::Refresh
        );
    }

    #[test]
    fn a_message_after_expiry_starts_a_new_session_even_if_the_old_one_is_still_stored() {
        assert_eq!(
            decide_session(
                Some(open(at("2026-11-23T10:00:00Z"))),
                at("2026-11-24T10:00:01Z")
            ),
            SessionDecision::Start
        );
        assert_eq!(
            decide_session(
                Some(open(at("2026-11-23T10:00:00Z"))),
                at("2026-11-24T10:00:00Z")
            ),
            SessionDecision::Start
        );
    }

    #[test]
    fn an_older_message_arriving_late_never_moves_the_window_back() {
        assert_eq!(
            decide_session(
                Some(open(at("2026-11-23T10:00:05Z"))),
                at("2026-11-23T10:00:01Z")
            ),
            SessionDecision::KeepNewer
        );
    }
}
