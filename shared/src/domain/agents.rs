use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::InvalidValue;

/// An agent's presence. Only `available` agents are offered conversation requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Busy,
    DoNotDisturb,
    Away,
    Offline,
}

impl Presence {
    pub const ALL: [Presence; 5] = [
        Self::Available,
        Self::Busy,
        Self::DoNotDisturb,
        Self::Away,
        Self::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Busy => "busy",
            Self::DoNotDisturb => "do_not_disturb",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }
}

impl fmt::Display for Presence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Presence {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(InvalidValue {
                what: "presence status",
                reason: "it is not one of available, busy, do_not_disturb, away, offline",
            })
    }
}

/// Agent ids come from the JWT `sub` claim; they become key parts, so they are bounded.
pub fn valid_agent_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && !id.chars().any(|c| c.is_control() || c == '#')
}

/// An agent, as the HTTP API's authorizer names them (the JWT `sub` claim).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentId(String);

impl AgentId {
    /// The caller named by the authorizer: trusted as given, as the claims are.
    pub fn from_claim(sub: impl Into<String>) -> Self {
        Self(sub.into())
    }

    /// An agent id from a URL or a body: bounded and free of key separators.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if valid_agent_id(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidValue {
                what: "agent id",
                reason: "empty, longer than 128 characters, or containing # or a control character",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presences_and_agent_ids_display_as_they_are_written() {
        assert_eq!(
            Presence::DoNotDisturb.to_string(),
            Presence::DoNotDisturb.as_str()
        );
        assert_eq!(Presence::Available.to_string(), "available");
        assert_eq!(AgentId::parse("alice").unwrap().to_string(), "alice");
    }

    #[test]
    fn every_presence_status_parses_from_its_name_and_others_do_not() {
        for p in Presence::ALL {
            assert_eq!(p.as_str().parse::<Presence>(), Ok(p));
        }
        assert!("lunch".parse::<Presence>().is_err());
        assert!("Available".parse::<Presence>().is_err());
    }

    #[test]
    fn agent_ids_are_bounded_and_carry_no_key_separator() {
        assert!(valid_agent_id("alice"));
        assert!(valid_agent_id("auth0|5f7c8ec7c33c6c004bbafe82"));
        assert!(!valid_agent_id(""));
        assert!(!valid_agent_id("a#b"));
        assert!(!valid_agent_id(&"x".repeat(129)));
    }
}
