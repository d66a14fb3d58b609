use chrono::{DateTime, TimeDelta, Utc};

use super::*;

const SALES: &str = "whatsapp:+14155550100";
const SUPPORT: &str = "whatsapp:+14155550199";

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn agent(id: &str) -> Candidate {
    Candidate {
        agent_id: id.to_owned(),
        presence: Presence::Available,
        capacity: Capacity::default(),
        numbers: Vec::new(),
        active: 0,
        offers: 0,
        last_offer_at: None,
    }
}

fn current(
    state: ConversationState,
    assigned_agent: Option<&'static str>,
    last_inbound_at: Option<DateTime<Utc>>,
) -> Option<CurrentSession<'static>> {
    Some(CurrentSession {
        state,
        assigned_agent,
        last_inbound_at,
    })
}

fn chosen(candidates: &[Candidate], business: &str, tried: &[&str]) -> Option<String> {
    choose_agent(candidates, business, tried).map(|c| c.agent_id.clone())
}

#[test]
fn capacity_is_a_whole_number_from_one_to_twenty() {
    assert_eq!(Capacity::parse(1).map(Capacity::get), Ok(1));
    assert_eq!(Capacity::parse(20).map(Capacity::get), Ok(20));
    assert!(Capacity::parse(0).is_err());
    assert!(Capacity::parse(21).is_err());
    assert!(Capacity::parse(-1).is_err());
    assert!(Capacity::parse(i64::from(u32::MAX) + 1).is_err());
}

#[test]
fn an_agent_without_a_profile_holds_three_conversations() {
    assert_eq!(Capacity::default().get(), 3);
}

#[test]
fn a_profile_keeps_each_number_once_in_the_order_given() {
    let profile = AgentProfile::parse(2, &[SUPPORT, SALES, SUPPORT]);
    let numbers: Vec<String> = profile
        .map(|p| p.numbers.iter().map(|n| n.as_str().to_owned()).collect())
        .unwrap_or_default();
    assert_eq!(numbers, [SUPPORT, SALES]);
}

#[test]
fn a_profile_refuses_a_number_that_is_not_a_whatsapp_address() {
    assert!(AgentProfile::parse(2, &["+14155550100"]).is_err());
    assert!(AgentProfile::parse(2, &["whatsapp:555"]).is_err());
    assert!(AgentProfile::parse(2, &[""]).is_err());
}

#[test]
fn a_profile_refuses_more_numbers_than_a_tenant_has_senders() {
    let many: Vec<String> = (0..=MAX_PROFILE_NUMBERS)
        .map(|i| format!("whatsapp:+1415555{i:04}"))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(AgentProfile::parse(2, &many).is_err());
    assert!(AgentProfile::parse(2, &many[..MAX_PROFILE_NUMBERS]).is_ok());
}

#[test]
fn an_agent_without_numbers_serves_every_number() {
    assert!(serves(&[], SALES));
    assert!(serves(&[SALES.to_owned()], SALES));
    assert!(!serves(&[SALES.to_owned()], SUPPORT));
}

#[test]
fn an_active_assigned_conversation_with_an_open_window_counts_toward_load() {
    let now = at("2026-03-02T10:00:00Z");
    let wrote = Some(now - TimeDelta::hours(23));
    assert!(counts_toward_load(
        "alice",
        current(ConversationState::Active, Some("alice"), wrote),
        now
    ));
}

#[test]
fn a_conversation_whose_window_expired_does_not_count_though_nobody_closed_it() {
    let now = at("2026-03-02T10:00:00Z");
    let wrote = Some(now - TimeDelta::hours(24));
    assert!(!counts_toward_load(
        "alice",
        current(ConversationState::Active, Some("alice"), wrote),
        now
    ));
}

#[test]
fn a_business_started_conversation_awaiting_the_customer_does_not_count() {
    let now = at("2026-03-02T10:00:00Z");
    assert!(!counts_toward_load(
        "alice",
        current(ConversationState::Active, Some("alice"), None),
        now
    ));
}

#[test]
fn a_closed_a_requested_or_another_agents_conversation_does_not_count() {
    let now = at("2026-03-02T10:00:00Z");
    let wrote = Some(now - TimeDelta::minutes(5));
    for session in [
        current(ConversationState::Closed, Some("alice"), wrote),
        current(ConversationState::Requested, None, wrote),
        current(ConversationState::Active, Some("bob"), wrote),
    ] {
        assert!(!counts_toward_load("alice", session, now), "{session:?}");
    }
}

#[test]
fn a_conversation_without_its_current_session_does_not_count() {
    assert!(!counts_toward_load(
        "alice",
        None,
        at("2026-03-02T10:00:00Z")
    ));
}

#[test]
fn only_an_available_agent_is_offered_a_request() {
    for presence in Presence::ALL {
        let candidates = [Candidate {
            presence,
            ..agent("alice")
        }];
        let expected = (presence == Presence::Available).then(|| "alice".to_owned());
        assert_eq!(chosen(&candidates, SALES, &[]), expected, "{presence}");
    }
}

#[test]
fn an_agent_is_offered_only_requests_to_the_numbers_they_serve() {
    let candidates = [
        Candidate {
            numbers: vec![SUPPORT.to_owned()],
            ..agent("alice")
        },
        Candidate {
            numbers: vec![SALES.to_owned()],
            ..agent("bob")
        },
    ];
    assert_eq!(chosen(&candidates, SALES, &[]).as_deref(), Some("bob"));
    assert_eq!(chosen(&candidates, SUPPORT, &[]).as_deref(), Some("alice"));
    assert_eq!(chosen(&candidates, "whatsapp:+14155550111", &[]), None);
}

#[test]
fn an_agent_whose_active_conversations_and_offers_fill_their_capacity_is_passed_over() {
    let full = |active, offers| Candidate {
        capacity: Capacity(2),
        active,
        offers,
        ..agent("alice")
    };
    assert_eq!(chosen(&[full(2, 0)], SALES, &[]), None);
    assert_eq!(chosen(&[full(1, 1)], SALES, &[]), None);
    assert_eq!(chosen(&[full(0, 2)], SALES, &[]), None);
    assert_eq!(chosen(&[full(1, 0)], SALES, &[]).as_deref(), Some("alice"));
    assert_eq!(chosen(&[full(0, 1)], SALES, &[]).as_deref(), Some("alice"));
}

#[test]
fn an_agent_who_already_rejected_or_let_the_request_expire_is_not_offered_it_again() {
    let candidates = [agent("alice"), agent("bob")];
    assert_eq!(
        chosen(&candidates, SALES, &["alice"]).as_deref(),
        Some("bob")
    );
    assert_eq!(chosen(&candidates, SALES, &["alice", "bob"]), None);
}

#[test]
fn the_agent_with_the_fewest_active_conversations_is_chosen_first() {
    let now = at("2026-03-02T10:00:00Z");
    let candidates = [
        Candidate {
            active: 2,
            last_offer_at: None,
            ..agent("alice")
        },
        Candidate {
            active: 1,
            last_offer_at: Some(now),
            ..agent("bob")
        },
        Candidate {
            active: 2,
            ..agent("carol")
        },
    ];
    assert_eq!(chosen(&candidates, SALES, &[]).as_deref(), Some("bob"));
}

#[test]
fn outstanding_offers_do_not_break_the_tie_on_active_conversations() {
    // The rule orders by active conversations alone; offers only bound capacity.
    let candidates = [
        Candidate {
            offers: 1,
            ..agent("alice")
        },
        Candidate {
            active: 1,
            ..agent("bob")
        },
    ];
    assert_eq!(chosen(&candidates, SALES, &[]).as_deref(), Some("alice"));
}

#[test]
fn among_equally_busy_agents_the_one_whose_last_offer_is_oldest_is_chosen() {
    let now = at("2026-03-02T10:00:00Z");
    let candidates = [
        Candidate {
            last_offer_at: Some(now),
            ..agent("alice")
        },
        Candidate {
            last_offer_at: Some(now - TimeDelta::minutes(3)),
            ..agent("bob")
        },
        Candidate {
            last_offer_at: Some(now - TimeDelta::minutes(1)),
            ..agent("carol")
        },
    ];
    assert_eq!(chosen(&candidates, SALES, &[]).as_deref(), Some("bob"));
}

#[test]
fn an_agent_never_offered_anything_counts_as_offered_longest_ago() {
    let now = at("2026-03-02T10:00:00Z");
    let candidates = [
        Candidate {
            last_offer_at: Some(now - TimeDelta::days(30)),
            ..agent("alice")
        },
        agent("zoe"),
    ];
    assert_eq!(chosen(&candidates, SALES, &[]).as_deref(), Some("zoe"));
}

#[test]
fn a_full_tie_goes_to_the_lowest_agent_id_whatever_the_order_given() {
    let mut candidates = vec![agent("carol"), agent("alice"), agent("bob")];
    assert_eq!(chosen(&candidates, SALES, &[]).as_deref(), Some("alice"));
    candidates.reverse();
    assert_eq!(chosen(&candidates, SALES, &[]).as_deref(), Some("alice"));
}

#[test]
fn nobody_eligible_means_the_request_waits() {
    assert_eq!(chosen(&[], SALES, &[]), None);
    let busy = Candidate {
        presence: Presence::Busy,
        ..agent("alice")
    };
    assert_eq!(chosen(&[busy], SALES, &[]), None);
}

#[test]
fn routing_mode_reads_offer_or_broadcast_and_nothing_else() {
    assert_eq!(RoutingMode::parse("offer"), Ok(RoutingMode::Offer));
    assert_eq!(
        RoutingMode::parse(" broadcast "),
        Ok(RoutingMode::Broadcast)
    );
    assert!(RoutingMode::parse("round-robin").is_err());
    assert_eq!(RoutingMode::default(), RoutingMode::Offer);
}

#[test]
fn a_rejected_or_expired_offer_passes_the_agent_over_but_a_withdrawn_one_does_not() {
    assert!(OfferEnd::Rejected.declines());
    assert!(OfferEnd::Expired.declines());
    assert!(!OfferEnd::Withdrawn.declines());
    assert_eq!(OfferEnd::Expired.as_str(), "expired");
    assert_eq!(OfferEnd::Rejected.as_str(), "rejected");
    assert_eq!(OfferEnd::Withdrawn.as_str(), "withdrawn");
}

#[test]
fn the_second_expired_offer_in_a_row_sets_the_agent_away() {
    assert!(!missed_too_often(0));
    assert!(!missed_too_often(1));
    assert!(missed_too_often(2));
    assert!(missed_too_often(3));
}

#[test]
fn only_the_offered_agent_takes_an_offered_request_unless_they_may_pick() {
    assert!(may_take(Some("alice"), "alice", false));
    assert!(!may_take(Some("alice"), "bob", false));
    assert!(!may_take(None, "bob", false));
    assert!(may_take(Some("alice"), "boss", true));
    assert!(may_take(None, "bob", true));
}
