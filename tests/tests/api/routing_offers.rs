//! Offer routing on both stores (DynamoDB Local and the in-memory twin): one agent at a time,
//! capacity never exceeded, reject and timer re-offer, a late or repeated timer changing
//! nothing, the accept that races a timeout with one winner, waiting oldest first, and two
//! missed offers setting the agent away.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::TimeDelta;
use whatsapp_channel::adapters::ManualClock;
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::app::routing::reject::{RejectAnswer, reject_offer};
use whatsapp_channel::app::routing::timers::{TimerOutcome, on_timer};
use whatsapp_channel::app::routing::{Router, RoutingSettings};
use whatsapp_channel::domain::{
    AgentId, ConversationId, ConversationState, InboundMessage, OfferEnd, Presence,
};
use whatsapp_channel::ports::{
    AcceptResult, ChannelStore, Clock, ConversationRecord, ProfileRecord, ScheduleError, Timer,
    TimerKind, TimerQueue,
};
use whatsapp_channel::testing::{inbound_params, new_sid, t0};

use crate::helpers::local::{BUSINESS, a_customer};
use crate::helpers::stores;

/// Timers as a queue would hold them.
#[derive(Default)]
struct Timers(Mutex<Vec<Timer>>);

#[async_trait]
impl TimerQueue for Timers {
    async fn schedule(&self, timer: &Timer) -> Result<(), ScheduleError> {
        self.0.lock().unwrap().push(timer.clone());
        Ok(())
    }
}

impl Timers {
    fn expiries(&self) -> Vec<Timer> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|t| matches!(t.kind, TimerKind::OfferExpiry { .. }))
            .cloned()
            .collect()
    }
}

async fn customer_writes(store: &dyn ChannelStore, clock: &ManualClock) -> ConversationId {
    let message =
        InboundMessage::from_params(inbound_params(&new_sid(), &a_customer(), "Hello")).unwrap();
    receive_inbound(store, clock, &message)
        .await
        .unwrap()
        .conversation_id
}

async fn conversation(store: &dyn ChannelStore, id: &ConversationId) -> ConversationRecord {
    store.conversation(id).await.unwrap().unwrap()
}

async fn available(store: &dyn ChannelStore, clock: &ManualClock, agents: &[&str]) {
    for agent in agents {
        store
            .set_presence(agent, Presence::Available, clock.now())
            .await
            .unwrap();
    }
}

async fn capacity(store: &dyn ChannelStore, agent: &str, capacity: u32) {
    store
        .put_profile(&ProfileRecord {
            agent_id: agent.into(),
            capacity,
            numbers: Vec::new(),
            updated_by: "root".into(),
            updated_at: t0(),
        })
        .await
        .unwrap();
}

/// What every story routes with: a clock the test moves, the timers as a queue holds them, and
/// offer mode's defaults.
struct Setup {
    clock: ManualClock,
    timers: Timers,
    settings: RoutingSettings,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            clock: ManualClock::at(t0()),
            timers: Timers::default(),
            settings: RoutingSettings::offer(),
        }
    }
}

impl Setup {
    fn router<'a>(&'a self, store: &'a dyn ChannelStore) -> Router<'a> {
        Router {
            store,
            timers: Some(&self.timers),
            settings: &self.settings,
        }
    }
}

#[tokio::test]
async fn a_request_is_offered_to_one_agent_and_a_reject_sends_it_to_the_next_on_both_stores() {
    for (name, store) in stores().await {
        let s = store.as_ref();
        let setup = Setup::default();
        let (clock, timers, router) = (&setup.clock, &setup.timers, setup.router(s));
        available(s, clock, &["alice", "bob"]).await;
        let id = customer_writes(s, clock).await;
        let report = router.route(id.as_str(), clock.now()).await.unwrap();
        assert_eq!(report.offers.len(), 1, "{name}");
        let offered = conversation(s, &id).await;
        // The lowest id wins a full tie.
        assert_eq!(offered.offered_to.as_deref(), Some("alice"), "{name}");
        assert_eq!(
            offered.offer_expires_at,
            Some(clock.now() + TimeDelta::seconds(60)),
            "{name}"
        );
        assert_eq!(timers.expiries().len(), 1, "{name}");
        // Routing the same request again (a redelivered record) offers nothing more.
        assert!(
            router
                .route(id.as_str(), clock.now())
                .await
                .unwrap()
                .offers
                .is_empty()
        );
        // Another agent's accept and reject are refused.
        assert_eq!(
            s.accept(&id, "bob", false, clock.now()).await.unwrap(),
            AcceptResult::NotOffered,
            "{name}"
        );
        let bob = AgentId::parse("bob").unwrap();
        assert_eq!(
            reject_offer(s, &id, &bob, clock.now()).await.unwrap(),
            RejectAnswer::NotOffered,
            "{name}"
        );
        let alice = AgentId::parse("alice").unwrap();
        assert_eq!(
            reject_offer(s, &id, &alice, clock.now()).await.unwrap(),
            RejectAnswer::Rejected,
            "{name}"
        );
        let rejected = conversation(s, &id).await;
        assert_eq!(rejected.offered_to, None, "{name}");
        assert_eq!(rejected.declined, ["alice"], "{name}");
        assert_eq!(rejected.offer_ended, Some(OfferEnd::Rejected), "{name}");
        assert!(s.agent("alice").await.unwrap().offers.is_empty(), "{name}");
        router.route(id.as_str(), clock.now()).await.unwrap();
        assert_eq!(
            conversation(s, &id).await.offered_to.as_deref(),
            Some("bob"),
            "{name}"
        );
        // Bob accepts: his offer entry goes, the conversation is his.
        let accepted = s.accept(&id, "bob", false, clock.now()).await.unwrap();
        assert!(matches!(accepted, AcceptResult::Accepted(_)), "{name}");
        let bob_now = s.agent("bob").await.unwrap();
        assert!(bob_now.offers.is_empty(), "{name}");
        assert_eq!(bob_now.assignments.len(), 1, "{name}");
        let counts = &bob_now.counts;
        assert_eq!(counts.iter().map(|c| c.accepted).sum::<u32>(), 1, "{name}");
        let alice_counts = s.agent("alice").await.unwrap().counts;
        assert_eq!(
            alice_counts.iter().map(|c| c.rejected).sum::<u32>(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_timer_expires_its_offer_once_and_a_late_or_repeated_timer_does_nothing_on_both_stores() {
    for (name, store) in stores().await {
        let s = store.as_ref();
        let setup = Setup::default();
        let (clock, timers, router) = (&setup.clock, &setup.timers, setup.router(s));
        available(s, clock, &["alice", "bob"]).await;
        let id = customer_writes(s, clock).await;
        router.route(id.as_str(), clock.now()).await.unwrap();
        let timer = timers.expiries().pop().unwrap();
        // Early: not yet.
        assert_eq!(
            on_timer(s, &timer, clock.now()).await.unwrap(),
            TimerOutcome::NotYet,
            "{name}"
        );
        clock.advance(TimeDelta::seconds(61));
        assert!(
            matches!(
                on_timer(s, &timer, clock.now()).await.unwrap(),
                TimerOutcome::OfferExpired {
                    set_away: false,
                    ..
                }
            ),
            "{name}"
        );
        assert_eq!(conversation(s, &id).await.declined, ["alice"], "{name}");
        // Delivered again: the offer moved on, nothing happens.
        assert_eq!(
            on_timer(s, &timer, clock.now()).await.unwrap(),
            TimerOutcome::Moot,
            "{name}"
        );
        router.route(id.as_str(), clock.now()).await.unwrap();
        let second = conversation(s, &id).await;
        assert_eq!(second.offered_to.as_deref(), Some("bob"), "{name}");
        assert_eq!(second.offer_seq, 2, "{name}");
        // The first offer's timer, late, cannot end the second offer.
        assert_eq!(
            on_timer(s, &timer, clock.now()).await.unwrap(),
            TimerOutcome::Moot,
            "{name}"
        );
        assert_eq!(
            conversation(s, &id).await.offered_to.as_deref(),
            Some("bob"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_accept_racing_the_timeout_has_exactly_one_winner_on_both_stores() {
    for (name, store) in stores().await {
        let s = store.as_ref();
        let setup = Setup::default();
        let (clock, timers, router) = (&setup.clock, &setup.timers, setup.router(s));
        available(s, clock, &["alice"]).await;
        let id = customer_writes(s, clock).await;
        router.route(id.as_str(), clock.now()).await.unwrap();
        let timer = timers.expiries().pop().unwrap();
        clock.advance(TimeDelta::seconds(61));
        let (accepted, expired) = tokio::join!(
            s.accept(&id, "alice", false, clock.now()),
            on_timer(s, &timer, clock.now())
        );
        let accepted = matches!(accepted.unwrap(), AcceptResult::Accepted(_));
        let expired = matches!(expired.unwrap(), TimerOutcome::OfferExpired { .. });
        assert!(
            accepted ^ expired,
            "{name}: accepted {accepted}, expired {expired}"
        );
        let now = conversation(s, &id).await;
        assert_eq!(now.state == ConversationState::Active, accepted, "{name}");
        assert!(s.agent("alice").await.unwrap().offers.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn no_agent_is_offered_more_than_their_capacity_and_the_oldest_waiting_request_goes_first_on_both_stores()
 {
    for (name, store) in stores().await {
        let s = store.as_ref();
        let setup = Setup::default();
        let (clock, router) = (&setup.clock, setup.router(s));
        capacity(s, "alice", 1).await;
        available(s, clock, &["alice"]).await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            let id = customer_writes(s, clock).await;
            router.route(id.as_str(), clock.now()).await.unwrap();
            ids.push(id);
            clock.advance(TimeDelta::seconds(1));
        }
        // Alice holds one offer; the other two wait, oldest first.
        assert_eq!(s.agent("alice").await.unwrap().offers.len(), 1, "{name}");
        let waiting: Vec<String> = s
            .waiting(10)
            .await
            .unwrap()
            .into_iter()
            .map(|w| w.conversation_id)
            .collect();
        assert_eq!(waiting, [ids[1].as_str(), ids[2].as_str()], "{name}");
        // She accepts and closes: her capacity frees, the oldest waiting request is hers.
        s.accept(&ids[0], "alice", false, clock.now())
            .await
            .unwrap();
        assert!(
            router
                .fill("alice", clock.now())
                .await
                .unwrap()
                .offers
                .is_empty()
        );
        s.close(&ids[0], "alice", clock.now()).await.unwrap();
        let report = router.fill("alice", clock.now()).await.unwrap();
        assert_eq!(report.offers.len(), 1, "{name}");
        assert_eq!(
            conversation(s, &ids[1]).await.offered_to.as_deref(),
            Some("alice"),
            "{name}"
        );
        assert_eq!(conversation(s, &ids[2]).await.offered_to, None, "{name}");
        assert_eq!(s.waiting(10).await.unwrap().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn two_offers_in_a_row_left_to_expire_set_the_agent_away_on_both_stores() {
    for (name, store) in stores().await {
        let s = store.as_ref();
        let setup = Setup::default();
        let (clock, timers, router) = (&setup.clock, &setup.timers, setup.router(s));
        available(s, clock, &["alice"]).await;
        for round in 0..2 {
            let id = customer_writes(s, clock).await;
            router.route(id.as_str(), clock.now()).await.unwrap();
            let timer = timers.expiries().pop().unwrap();
            clock.advance(TimeDelta::seconds(61));
            let outcome = on_timer(s, &timer, clock.now()).await.unwrap();
            assert_eq!(
                outcome,
                TimerOutcome::OfferExpired {
                    business: BUSINESS.into(),
                    set_away: round == 1
                },
                "{name}"
            );
        }
        let alice = s.agent("alice").await.unwrap();
        let presence = alice.presence.unwrap();
        assert_eq!(presence.status, Presence::Away, "{name}");
        assert_eq!(presence.reason.as_deref(), Some("missed_offers"), "{name}");
        assert_eq!(alice.routing.unwrap().misses, 0, "{name}");
        // Her own change of presence clears the reason.
        s.set_presence("alice", Presence::Available, clock.now())
            .await
            .unwrap();
        assert_eq!(
            s.agent("alice").await.unwrap().presence.unwrap().reason,
            None
        );
    }
}

#[tokio::test]
async fn an_agent_who_goes_away_loses_their_offer_and_an_administrator_may_still_pick_it_on_both_stores()
 {
    for (name, store) in stores().await {
        let s = store.as_ref();
        let setup = Setup::default();
        let (clock, router) = (&setup.clock, setup.router(s));
        available(s, clock, &["alice"]).await;
        let id = customer_writes(s, clock).await;
        router.route(id.as_str(), clock.now()).await.unwrap();
        s.set_presence("alice", Presence::Away, clock.now())
            .await
            .unwrap();
        router.withdraw("alice", clock.now()).await.unwrap();
        let withdrawn = conversation(s, &id).await;
        assert_eq!(withdrawn.offered_to, None, "{name}");
        assert_eq!(withdrawn.offer_ended, Some(OfferEnd::Withdrawn), "{name}");
        // Withdrawn is not declined: she may be offered it again.
        assert!(withdrawn.declined.is_empty(), "{name}");
        router.route(id.as_str(), clock.now()).await.unwrap();
        assert_eq!(s.waiting(10).await.unwrap().len(), 1, "{name}");
        // An administrator picks the waiting request: its waiting entry goes with it.
        let picked = s.accept(&id, "root", true, clock.now()).await.unwrap();
        assert!(matches!(picked, AcceptResult::Accepted(_)), "{name}");
        assert!(s.waiting(10).await.unwrap().is_empty(), "{name}");
    }
}
