//! The supervisors' board (`GET /board`): per business number, what waits and what is offered;
//! per agent, presence, load, capacity and today's offers' outcomes. Read from the roster, each
//! agent's partition and the waiting requests: no scan of the conversations.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::RoutingSettings;
use crate::app::profiles::agent_facts;
use crate::app::views::rfc3339;
use crate::domain::{Presence, WINDOW};
use crate::ports::{ChannelStore, StoreError, day_of};

/// Waiting entries read for the board at most.
const BOARD_WAITING: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumberRow {
    pub business_number: String,
    /// Requests no agent holds an offer for.
    pub waiting: u32,
    /// The longest a request not yet accepted (offered or waiting) has waited.
    pub longest_wait_seconds: i64,
    /// Requests offered to an agent now.
    pub offered: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRow {
    pub agent_id: String,
    pub presence: Presence,
    /// Conversations counting toward their load.
    pub active: u32,
    pub capacity: u32,
    /// Offers outstanding now.
    pub offers: u32,
    pub accepted_today: u32,
    pub rejected_today: u32,
    pub expired_today: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    pub generated_at: String,
    pub numbers: Vec<NumberRow>,
    pub agents: Vec<AgentRow>,
}

fn row<'a>(numbers: &'a mut BTreeMap<String, NumberRow>, business: &str) -> &'a mut NumberRow {
    numbers
        .entry(business.to_owned())
        .or_insert_with(|| NumberRow {
            business_number: business.to_owned(),
            waiting: 0,
            longest_wait_seconds: 0,
            offered: 0,
        })
}

pub async fn board(
    store: &dyn ChannelStore,
    settings: &RoutingSettings,
    now: DateTime<Utc>,
) -> Result<Board, StoreError> {
    let roster: Vec<String> = store
        .roster()
        .await?
        .into_iter()
        .map(|p| p.agent_id)
        .collect();
    let facts = agent_facts(store, &roster, now).await?;
    let today = day_of(now);
    let mut numbers: BTreeMap<String, NumberRow> = BTreeMap::new();
    let mut agents = Vec::with_capacity(facts.len());
    for agent in &facts {
        for offer in &agent.record.offers {
            let number = row(&mut numbers, &offer.business);
            number.offered += 1;
            number.longest_wait_seconds = number
                .longest_wait_seconds
                .max((now - offer.requested_at).num_seconds());
        }
        let counts = agent.record.counts.iter().find(|c| c.day == today);
        agents.push(AgentRow {
            agent_id: agent.agent_id.clone(),
            presence: agent.presence(),
            active: u32::try_from(agent.active.len()).unwrap_or(u32::MAX),
            capacity: agent.capacity(settings.default_capacity),
            offers: u32::try_from(agent.record.offers.len()).unwrap_or(u32::MAX),
            accepted_today: counts.map_or(0, |c| c.accepted),
            rejected_today: counts.map_or(0, |c| c.rejected),
            expired_today: counts.map_or(0, |c| c.expired),
        });
    }
    // A waiting entry outlives its window when nobody ever took the request: not waiting.
    for waiting in store.waiting(BOARD_WAITING).await? {
        if now - waiting.requested_at >= WINDOW {
            continue;
        }
        let number = row(&mut numbers, &waiting.business);
        number.waiting += 1;
        number.longest_wait_seconds = number
            .longest_wait_seconds
            .max((now - waiting.requested_at).num_seconds());
    }
    Ok(Board {
        generated_at: rfc3339(now),
        numbers: numbers.into_values().collect(),
        agents,
    })
}
