//! Window warnings: when, before a window ends, its agents are told it is closing.
//!
//! The rule: for each configured lead time `d` (`WINDOW_WARNINGS`, default `2h,15m`), a window
//! that ends at `end = last_inbound_at + 24h` has a warning due at `end - d`. A customer message
//! moves `last_inbound_at`, so it makes a new window with new warnings; the old ones are stale.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};

use super::{InvalidValue, SessionWindow, WINDOW};

/// The lead times before a window ends at which agents are warned, longest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowWarnings(Vec<TimeDelta>);

impl Default for WindowWarnings {
    fn default() -> Self {
        Self(vec![TimeDelta::hours(2), TimeDelta::minutes(15)])
    }
}

fn lead_time(raw: &str) -> Result<TimeDelta, InvalidValue> {
    let invalid = |reason| InvalidValue {
        what: "window warning",
        reason,
    };
    let (digits, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len()));
    let value: i64 = digits
        .parse()
        .map_err(|_| invalid("a warning is a whole number and a unit, like 2h or 15m"))?;
    let lead = match unit {
        "h" => TimeDelta::hours(value),
        "m" => TimeDelta::minutes(value),
        _ => return Err(invalid("the unit of a warning is h or m")),
    };
    if lead <= TimeDelta::zero() || lead >= WINDOW {
        return Err(invalid(
            "a warning comes more than 0 and less than 24 h before the end",
        ));
    }
    Ok(lead)
}

impl WindowWarnings {
    /// A comma-separated list of lead times, each `<n>h` or `<n>m`: `2h,15m`.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let mut leads = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let lead = lead_time(part)?;
            if !leads.contains(&lead) {
                leads.push(lead);
            }
        }
        if leads.is_empty() {
            return Err(InvalidValue {
                what: "window warnings",
                reason: "at least one warning, like 2h,15m",
            });
        }
        leads.sort_by(|a, b| b.cmp(a));
        Ok(Self(leads))
    }

    /// The earliest warning's lead time: a warning older than that is for a closed window.
    pub fn longest(&self) -> TimeDelta {
        self.0.first().copied().unwrap_or_default()
    }

    /// The warnings of the window opened by a customer message at `last_inbound_at`: each
    /// lead time's label (`2h`, `15m`) and when it is due.
    pub fn due(&self, last_inbound_at: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
        let end = SessionWindow::new(last_inbound_at).ends_at();
        self.0
            .iter()
            .map(|lead| (label(*lead), end - *lead))
            .collect()
    }
}

/// `2h`, `15m`, `90m`: how a lead time is written.
fn label(lead: TimeDelta) -> String {
    if lead.num_minutes() % 60 == 0 {
        format!("{}h", lead.num_hours())
    } else {
        format!("{}m", lead.num_minutes())
    }
}

impl fmt::Display for WindowWarnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<String> = self.0.iter().map(|l| label(*l)).collect();
        f.write_str(&labels.join(","))
    }
}

/// The minute (since the epoch) a moment falls in: the deadline index's bucket.
pub fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_warning_is_the_earliest_lead_time() {
        let warnings = WindowWarnings::parse("2h,15m").unwrap();
        assert_eq!(warnings.longest(), TimeDelta::hours(2));
    }

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    #[test]
    fn by_default_agents_are_warned_two_hours_and_fifteen_minutes_before_the_end() {
        let due = WindowWarnings::default().due(at("2026-11-23T10:00:00Z"));
        assert_eq!(
            due,
            vec![
                ("2h".to_owned(), at("2026-11-24T08:00:00Z")),
                ("15m".to_owned(), at("2026-11-24T09:45:00Z")),
            ]
        );
        assert_eq!(WindowWarnings::default().to_string(), "2h,15m");
    }

    #[test]
    fn warnings_are_parsed_sorted_longest_first_without_repeats() {
        let warnings = WindowWarnings::parse("15m, 3h,90m,15m").unwrap();
        assert_eq!(warnings.to_string(), "3h,90m,15m");
    }

    #[test]
    fn warnings_outside_the_window_or_without_a_unit_are_refused() {
        for raw in ["", "0m", "24h", "25h", "15", "2d", "h", "-5m", "1.5h"] {
            assert!(WindowWarnings::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn a_moment_falls_in_the_minute_that_contains_it() {
        assert_eq!(minute_of(at("1970-01-01T00:01:59Z")), 1);
        assert_eq!(minute_of(at("1970-01-01T00:02:00Z")), 2);
    }
}
