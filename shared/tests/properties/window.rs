//! The 24-hour rule: a window is open exactly while now < last inbound + 24 h; it only closes
//! as time passes, a later customer message never closes it, and the session rule never moves
//! `last_inbound_at` back.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use whatsapp_channel::domain::{
    ConversationWindow, ExistingSession, SessionDecision, SessionWindow, WINDOW, decide_session,
};

/// Instants from 1970 to 2100, to the millisecond.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800_000).prop_map(|ms| DateTime::from_timestamp_millis(ms).unwrap())
}

/// An offset around the window's end, biased to within a few seconds of it.
fn offset() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        (-3_000i64..3_000).prop_map(|ms| WINDOW + TimeDelta::milliseconds(ms)),
        (-10 * 86_400_000i64..10 * 86_400_000).prop_map(TimeDelta::milliseconds),
    ]
}

proptest! {
    #[test]
    fn a_window_is_open_exactly_while_now_is_before_the_last_inbound_plus_24_hours(
        last in instant(), offset in offset()
    ) {
        let now = last + offset;
        let window = SessionWindow::new(last);
        prop_assert_eq!(window.is_open_at(now), now < last + TimeDelta::hours(24));
        prop_assert_eq!(window.ends_at(), last + TimeDelta::hours(24));
        prop_assert!(window.seconds_left(now) >= 0);
        if !window.is_open_at(now) {
            prop_assert_eq!(window.seconds_left(now), 0);
        }
    }

    #[test]
    fn a_window_only_closes_as_time_passes(
        last in instant(), earlier in offset(), later_by in 0i64..200_000_000
    ) {
        let window = SessionWindow::new(last);
        let t1 = last + earlier;
        let t2 = t1 + TimeDelta::milliseconds(later_by);
        if window.is_open_at(t2) {
            prop_assert!(window.is_open_at(t1));
        }
        prop_assert!(window.seconds_left(t2) <= window.seconds_left(t1));
    }

    #[test]
    fn a_later_customer_message_never_closes_an_open_window(
        last in instant(), later_by in 0i64..200_000_000, now_offset in offset()
    ) {
        let now = last + now_offset;
        let later = SessionWindow::new(last + TimeDelta::milliseconds(later_by));
        if SessionWindow::new(last).is_open_at(now) {
            prop_assert!(later.is_open_at(now));
        }
    }

    #[test]
    fn the_ttl_never_expires_the_item_before_its_window_ends(last in instant()) {
        let window = SessionWindow::new(last);
        let ttl = window.ttl_epoch_seconds();
        let end_ms = window.ends_at().timestamp_millis();
        prop_assert!(ttl * 1000 >= end_ms);
        prop_assert!(ttl * 1000 < end_ms + 1000);
    }

    #[test]
    fn the_session_rule_starts_refreshes_or_keeps_the_newer_message(
        last in instant(), offset in offset(), closed in any::<bool>()
    ) {
        let now = last + offset;
        let existing = ExistingSession { last_inbound_at: last, closed };
        let decision = decide_session(Some(existing), now);
        let open = SessionWindow::new(last).is_open_at(now);
        let expected = if closed || !open {
            SessionDecision::Start
        } else if last >= now {
            SessionDecision::KeepNewer
        } else {
            SessionDecision::Refresh
        };
        prop_assert_eq!(decision, expected);
        prop_assert_eq!(decide_session(None, now), SessionDecision::Start);
    }

    #[test]
    fn a_conversation_window_is_open_only_while_its_session_is_current_and_open(
        conversation_last in instant(), session_offset in offset(), now_offset in offset(),
        current in any::<bool>()
    ) {
        let session_last = conversation_last + session_offset;
        let now = conversation_last + now_offset;
        let window = ConversationWindow::at(conversation_last, current.then_some(session_last), now);
        let last = if current { session_last.max(conversation_last) } else { conversation_last };
        prop_assert_eq!(window.last_inbound_at(), last);
        prop_assert_eq!(window.open, current && now < last + TimeDelta::hours(24));
        if !window.open {
            prop_assert_eq!(window.seconds_left(now), 0);
        }
    }
}
