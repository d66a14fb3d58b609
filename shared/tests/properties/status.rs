//! The status ranking: a total order on ranks that follows the lifecycle, in which a callback
//! only ever moves a message forward, so the order callbacks arrive in does not matter.

use proptest::prelude::*;
use whatsapp_channel::domain::MessageStatus;

fn status() -> impl Strategy<Value = MessageStatus> {
    prop::sample::select(MessageStatus::ALL.to_vec())
}

/// What a stored message becomes after a callback: the store's rule (advance only).
fn apply(current: MessageStatus, callback: MessageStatus) -> MessageStatus {
    if current.advances_to(callback) {
        callback
    } else {
        current
    }
}

#[test]
fn the_lifecycle_ranks_strictly_upwards_and_ends_in_the_final_statuses() {
    use MessageStatus::*;
    let lifecycle = [Queued, Sending, Sent, Delivered, Read, Failed];
    for pair in lifecycle.windows(2) {
        assert!(pair[0].rank() < pair[1].rank(), "{} < {}", pair[0], pair[1]);
        assert!(pair[0].advances_to(pair[1]));
    }
    for status in MessageStatus::ALL {
        assert_eq!(
            status.is_final(),
            [Undelivered, Failed, Canceled, Expired].contains(&status),
            "{status}"
        );
    }
}

proptest! {
    #[test]
    fn advancing_is_a_strict_order_consistent_with_the_rank(
        a in status(), b in status(), c in status()
    ) {
        prop_assert!(!a.advances_to(a));
        prop_assert!(!(a.advances_to(b) && b.advances_to(a)));
        if a.advances_to(b) && b.advances_to(c) {
            prop_assert!(a.advances_to(c));
        }
        // Total on ranks: of two statuses, one advances to the other unless they rank the same.
        prop_assert_eq!(a.advances_to(b) || b.advances_to(a), a.rank() != b.rank());
        prop_assert_eq!(a.advances_to(b), a.rank() < b.rank());
    }

    #[test]
    fn a_later_callback_never_lowers_the_rank(
        start in status(), callbacks in prop::collection::vec(status(), 0..12)
    ) {
        let mut current = start;
        for callback in callbacks {
            let next = apply(current, callback);
            prop_assert!(next.rank() >= current.rank(), "{current} then {callback} gave {next}");
            if current.is_final() {
                prop_assert_eq!(next, current);
            }
            current = next;
        }
    }

    #[test]
    fn callbacks_in_any_order_end_at_the_same_rank(
        callbacks in prop::collection::vec(status(), 1..10), rotate in any::<prop::sample::Index>()
    ) {
        let fold = |list: &[MessageStatus]| {
            list.iter().fold(MessageStatus::Queued, |current, next| apply(current, *next))
        };
        let mut reordered = callbacks.clone();
        reordered.rotate_left(rotate.index(callbacks.len()));
        let highest = callbacks.iter().map(|s| s.rank()).max().unwrap_or(0);
        prop_assert_eq!(fold(&callbacks).rank(), highest.max(MessageStatus::Queued.rank()));
        prop_assert_eq!(fold(&callbacks).rank(), fold(&reordered).rank());
    }

    #[test]
    fn every_status_reads_back_from_its_name_and_nothing_else_parses(
        status in status(), text in "[a-z_]{0,20}"
    ) {
        prop_assert_eq!(status.as_str().parse::<MessageStatus>(), Ok(status));
        if let Ok(parsed) = text.parse::<MessageStatus>() {
            prop_assert_eq!(parsed.as_str(), text.as_str());
        }
    }
}
