//! A conversation's lifecycle: its stored state, the state agents see, and who may move it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// A conversation's lifecycle as stored. Whether its window is open is never stored: it is
/// decided from `last_inbound_at` on every read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Waiting for an agent to accept.
    Requested,
    /// Accepted by an agent.
    Active,
    /// Closed by an agent.
    Closed,
}

impl ConversationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Active => "active",
            Self::Closed => "closed",
        }
    }
}

/// The state agents see: the stored state, `awaiting_customer` for a business-started
/// conversation the customer has not answered yet, or `expired` once the window closed on a
/// conversation nobody closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewState {
    Requested,
    Active,
    AwaitingCustomer,
    Closed,
    Expired,
}

impl ViewState {
    pub const ALL: [ViewState; 5] = [
        Self::Requested,
        Self::Active,
        Self::AwaitingCustomer,
        Self::Closed,
        Self::Expired,
    ];

    /// A closed conversation stays closed; one the customer never wrote to (`customer_wrote`
    /// false: business-started, unanswered) awaits the customer; any other is expired once its
    /// window is shut.
    pub fn of(state: ConversationState, window_open: bool, customer_wrote: bool) -> Self {
        match state {
            ConversationState::Closed => Self::Closed,
            _ if !customer_wrote => Self::AwaitingCustomer,
            _ if !window_open => Self::Expired,
            ConversationState::Requested => Self::Requested,
            ConversationState::Active => Self::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Active => "active",
            Self::AwaitingCustomer => "awaiting_customer",
            Self::Closed => "closed",
            Self::Expired => "expired",
        }
    }
}

impl fmt::Display for ViewState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ViewState {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(InvalidValue {
                what: "conversation state",
                reason: "not one of requested, active, awaiting_customer, closed, expired",
            })
    }
}

impl PartialEq<&str> for ViewState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Why an agent cannot accept a conversation now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptRefusal {
    /// The caller had already accepted it: the same answer again.
    AlreadyYours,
    /// Another agent accepted it first.
    Taken { by: Option<String> },
    /// It is not waiting for an agent (closed).
    WrongState(ConversationState),
}

/// Why `agent` cannot accept a conversation in `state` assigned to `assigned`, if they cannot
/// (`None`: it waits for an agent).
pub fn accept_refusal(
    state: ConversationState,
    assigned: Option<&str>,
    agent: &str,
) -> Option<AcceptRefusal> {
    match state {
        ConversationState::Requested => None,
        ConversationState::Active if assigned == Some(agent) => Some(AcceptRefusal::AlreadyYours),
        ConversationState::Active => Some(AcceptRefusal::Taken {
            by: assigned.map(str::to_owned),
        }),
        state => Some(AcceptRefusal::WrongState(state)),
    }
}

/// Why an agent cannot close a conversation now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseRefusal {
    /// Closed already, by this agent.
    AlreadyClosed,
    /// The caller is not its assigned agent.
    NotAssigned,
    /// Nobody accepted it yet.
    NotAccepted,
}

/// Why `agent` cannot close a conversation, if they cannot (`None`: theirs and active).
pub fn close_refusal(
    state: ConversationState,
    assigned: Option<&str>,
    agent: &str,
) -> Option<CloseRefusal> {
    if assigned != Some(agent) {
        return Some(match state {
            ConversationState::Requested => CloseRefusal::NotAccepted,
            _ => CloseRefusal::NotAssigned,
        });
    }
    (state == ConversationState::Closed).then_some(CloseRefusal::AlreadyClosed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_waiting_conversation_can_be_accepted_and_the_accepting_agent_hears_it_is_theirs() {
        use ConversationState::*;
        assert_eq!(accept_refusal(Requested, None, "alice"), None);
        assert_eq!(
            accept_refusal(Active, Some("alice"), "alice"),
            Some(AcceptRefusal::AlreadyYours)
        );
        assert_eq!(
            accept_refusal(Active, Some("bob"), "alice"),
            Some(AcceptRefusal::Taken {
                by: Some("bob".into())
            })
        );
        assert_eq!(
            accept_refusal(Closed, Some("alice"), "alice"),
            Some(AcceptRefusal::WrongState(Closed))
        );
    }

    #[test]
    fn only_the_assigned_agent_closes_and_a_second_close_says_already_closed() {
        use ConversationState::*;
        assert_eq!(close_refusal(Active, Some("alice"), "alice"), None);
        assert_eq!(
            close_refusal(Closed, Some("alice"), "alice"),
            Some(CloseRefusal::AlreadyClosed)
        );
        assert_eq!(
            close_refusal(Active, Some("bob"), "alice"),
            Some(CloseRefusal::NotAssigned)
        );
        assert_eq!(
            close_refusal(Closed, Some("bob"), "alice"),
            Some(CloseRefusal::NotAssigned)
        );
        assert_eq!(
            close_refusal(Requested, None, "alice"),
            Some(CloseRefusal::NotAccepted)
        );
    }

    #[test]
    fn states_read_as_their_names() {
        assert_eq!(ConversationState::Requested.as_str(), "requested");
        assert_eq!(ConversationState::Active.as_str(), "active");
        assert_eq!(ConversationState::Closed.as_str(), "closed");
        assert_eq!(ViewState::AwaitingCustomer.to_string(), "awaiting_customer");
        assert!(ViewState::Expired == "expired");
        assert!(ViewState::Expired != "closed");
    }

    #[test]
    fn a_closed_conversation_shows_closed_even_with_its_window_open_or_shut() {
        assert_eq!(
            ViewState::of(ConversationState::Closed, true, true),
            ViewState::Closed
        );
        assert_eq!(
            ViewState::of(ConversationState::Closed, false, true),
            ViewState::Closed
        );
        assert_eq!(
            ViewState::of(ConversationState::Active, false, true),
            ViewState::Expired
        );
        assert_eq!(
            ViewState::of(ConversationState::Requested, true, true),
            ViewState::Requested
        );
    }

    #[test]
    fn a_business_started_conversation_awaits_the_customer_until_closed() {
        assert_eq!(
            ViewState::of(ConversationState::Active, false, false),
            ViewState::AwaitingCustomer
        );
        assert_eq!(
            ViewState::of(ConversationState::Closed, false, false),
            ViewState::Closed
        );
        assert_eq!(
            ViewState::of(ConversationState::Active, true, true),
            ViewState::Active
        );
    }

    #[test]
    fn view_states_parse_from_their_names_only() {
        for state in ViewState::ALL {
            assert_eq!(state.as_str().parse::<ViewState>(), Ok(state));
        }
        assert!("open".parse::<ViewState>().is_err());
    }
}
