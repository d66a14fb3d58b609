//! Routing's rules: an agent's profile (capacity, the numbers they serve), what counts toward
//! their load, and which agent a conversation request is offered to. Pure: the caller brings
//! the facts and the time.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{ConversationState, InvalidValue, Presence, SessionWindow, WhatsAppAddress};

/// The fewest and most conversations (active plus outstanding offers) one agent may hold.
pub const MIN_CAPACITY: u32 = 1;
pub const MAX_CAPACITY: u32 = 20;
/// An agent's capacity when neither a profile nor `AGENT_CAPACITY_DEFAULT` says otherwise.
pub const DEFAULT_CAPACITY: u32 = 3;
/// The most numbers one profile may list (a tenant's senders; bounded to keep the item small).
pub const MAX_PROFILE_NUMBERS: usize = 100;

/// How many conversations an agent may hold at once: 1 to 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Capacity(u32);

impl Capacity {
    pub fn parse(value: i64) -> Result<Self, InvalidValue> {
        u32::try_from(value)
            .ok()
            .filter(|v| (MIN_CAPACITY..=MAX_CAPACITY).contains(v))
            .map(Self)
            .ok_or(InvalidValue {
                what: "capacity",
                reason: "it is not a whole number from 1 to 20",
            })
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Capacity {
    fn default() -> Self {
        Self(DEFAULT_CAPACITY)
    }
}

/// What an administrator sets for an agent. No numbers: the agent serves every sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    pub capacity: Capacity,
    pub numbers: Vec<WhatsAppAddress>,
}

impl AgentProfile {
    /// A profile from its raw parts: capacity 1..=20 and each number a `whatsapp:+E164`
    /// address (duplicates dropped, order kept).
    pub fn parse(capacity: i64, numbers: &[&str]) -> Result<Self, InvalidValue> {
        let capacity = Capacity::parse(capacity)?;
        if numbers.len() > MAX_PROFILE_NUMBERS {
            return Err(InvalidValue {
                what: "numbers",
                reason: "a profile lists at most 100 numbers",
            });
        }
        let mut parsed: Vec<WhatsAppAddress> = Vec::with_capacity(numbers.len());
        for raw in numbers {
            let number = WhatsAppAddress::parse(raw).map_err(|_| InvalidValue {
                what: "numbers",
                reason: "each number must be a business sender as whatsapp:+E164",
            })?;
            if !parsed.contains(&number) {
                parsed.push(number);
            }
        }
        Ok(Self {
            capacity,
            numbers: parsed,
        })
    }
}

/// Whether an agent who serves `numbers` (empty: every number) takes requests to `business`.
pub fn serves(numbers: &[String], business: &str) -> bool {
    numbers.is_empty() || numbers.iter().any(|n| n == business)
}

/// A conversation's customer session as the load rule reads it, while it is still that
/// conversation's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentSession<'a> {
    pub state: ConversationState,
    pub assigned_agent: Option<&'a str>,
    /// `None`: the customer never wrote (a business-started conversation awaiting them).
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// Whether a conversation counts toward `agent`'s load at `now`: it is `active`, assigned to
/// them, and its window is open. An expired-but-unclosed conversation, or a business-started
/// one whose customer has not answered, does not count; nor does one without a current
/// session (`None`: the session is gone or is another conversation's now, so its window ended).
pub fn counts_toward_load(
    agent: &str,
    session: Option<CurrentSession<'_>>,
    now: DateTime<Utc>,
) -> bool {
    session.is_some_and(|s| {
        s.state == ConversationState::Active
            && s.assigned_agent == Some(agent)
            && s.last_inbound_at
                .is_some_and(|at| SessionWindow::new(at).is_open_at(now))
    })
}

/// One agent as the offer choice sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent_id: String,
    pub presence: Presence,
    pub capacity: Capacity,
    /// The business numbers they serve; empty: every number.
    pub numbers: Vec<String>,
    /// Conversations counting toward their load ([`counts_toward_load`]).
    pub active: u32,
    /// Offers made to them and not yet accepted, rejected or expired.
    pub offers: u32,
    /// When they were last offered a request; `None`: never.
    pub last_offer_at: Option<DateTime<Utc>>,
}

impl Candidate {
    /// Whether they may be offered a request to `business` that the agents in `tried` already
    /// rejected or let expire.
    pub fn eligible(&self, business: &str, tried: &[&str]) -> bool {
        self.presence == Presence::Available
            && serves(&self.numbers, business)
            && self.active.saturating_add(self.offers) < self.capacity.get()
            && !tried.contains(&self.agent_id.as_str())
    }
}

/// The agent a request to `business` is offered to: among the eligible
/// ([`Candidate::eligible`]), the one with the fewest active conversations, then the one whose
/// last offer is oldest (never offered counts as oldest), then the lowest id. `None`: nobody
/// is eligible, and the request waits.
pub fn choose_agent<'a>(
    candidates: &'a [Candidate],
    business: &str,
    tried: &[&str],
) -> Option<&'a Candidate> {
    candidates
        .iter()
        .filter(|c| c.eligible(business, tried))
        .min_by(|a, b| {
            (a.active, a.last_offer_at, &a.agent_id).cmp(&(b.active, b.last_offer_at, &b.agent_id))
        })
}

/// How conversation requests reach agents (`ROUTING_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingMode {
    /// Each request is offered to one agent at a time, with a timer (the default).
    #[default]
    Offer,
    /// Every available agent is told of every request, and the first to accept takes it.
    Broadcast,
}

impl RoutingMode {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw.trim() {
            "offer" => Ok(Self::Offer),
            "broadcast" => Ok(Self::Broadcast),
            _ => Err(InvalidValue {
                what: "ROUTING_MODE",
                reason: "it is neither offer nor broadcast",
            }),
        }
    }
}

/// How requests reach agents, from `ROUTING_MODE`, `OFFER_TIMEOUT_SECONDS`,
/// `OVERFLOW_AFTER_SECONDS` and `AGENT_CAPACITY_DEFAULT`, read once at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingSettings {
    pub mode: RoutingMode,
    pub offer_timeout: TimeDelta,
    pub overflow_after: TimeDelta,
    pub default_capacity: Capacity,
}

impl RoutingSettings {
    /// `offer` mode with the defaults: 60 s offers, overflow after 300 s, capacity 3.
    pub fn offer() -> Self {
        Self {
            mode: RoutingMode::Offer,
            offer_timeout: TimeDelta::seconds(60),
            overflow_after: TimeDelta::seconds(300),
            default_capacity: Capacity::default(),
        }
    }

    /// Every available agent hears of every request: the behaviour before routing.
    pub fn broadcast() -> Self {
        Self {
            mode: RoutingMode::Broadcast,
            ..Self::offer()
        }
    }

    pub fn offers(&self) -> bool {
        self.mode == RoutingMode::Offer
    }
}

/// How an offer ended without an accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferEnd {
    /// The agent said no.
    Rejected,
    /// The timer ran out.
    Expired,
    /// The agent went away or offline with it outstanding.
    Withdrawn,
}

impl OfferEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Whether the agent is passed over for this request from now on: they rejected it or let
    /// it expire. One withdrawn because they went away may be offered to them again.
    pub fn declines(self) -> bool {
        matches!(self, Self::Rejected | Self::Expired)
    }
}

/// How many offers in a row an agent may let expire before they are set to `away`.
pub const MISSES_BEFORE_AWAY: u32 = 2;

/// Whether an agent who has now let `misses` offers in a row expire is set to `away`.
pub fn missed_too_often(misses: u32) -> bool {
    misses >= MISSES_BEFORE_AWAY
}

/// Whether `agent` may accept (or reject) a waiting request offered to `offered_to`:
/// in offer mode only the offered agent may, unless `may_pick` (an administrator, or broadcast
/// mode, where nothing is offered and anyone may take any request).
pub fn may_take(offered_to: Option<&str>, agent: &str, may_pick: bool) -> bool {
    may_pick || offered_to == Some(agent)
}

#[cfg(test)]
mod tests;
