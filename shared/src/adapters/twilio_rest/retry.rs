//! When a send is tried again, and after how long: only rate limiting is retried, with
//! `Retry-After` or bounded exponential backoff with jitter, never past [`BACKOFF_CAP`].

use std::hash::BuildHasher;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Attempts of one send when Twilio keeps rate limiting (the first one included).
pub const MAX_ATTEMPTS: u32 = 3;
/// The backoff before the first retry, doubled before each later one.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// No wait between attempts is longer, whatever `Retry-After` asks for.
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// Twilio's error code for "too many requests".
pub(super) const RATE_LIMITED_CODE: u32 = 20429;
/// A retry is not started with less time than this left in the budget.
pub(super) const MIN_ATTEMPT_TIME: Duration = Duration::from_secs(1);

/// `Retry-After` in seconds; the HTTP-date form is ignored (backoff applies instead).
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The wait after failed attempt number `attempt` (1-based): `Retry-After` when Twilio gave
/// one, else exponential backoff; never more than [`BACKOFF_CAP`].
pub(super) fn retry_wait(attempt: u32, retry_after: Option<Duration>) -> Duration {
    match retry_after {
        Some(asked) => asked.min(BACKOFF_CAP),
        None => backoff(attempt, jitter()),
    }
}

/// Equal jitter: half of the exponential delay is fixed, half random (`jitter` in [0, 1]), so
/// concurrent senders spread out yet never retry at once.
fn backoff(attempt: u32, jitter: f64) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    let delay = BACKOFF_BASE
        .saturating_mul(1u32 << doublings)
        .min(BACKOFF_CAP);
    delay / 2 + (delay / 2).mul_f64(jitter.clamp(0.0, 1.0))
}

/// A number in [0, 1): the clock's nanoseconds hashed with a randomly keyed hasher (no crate).
fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let random = std::collections::hash_map::RandomState::new().hash_one(nanos);
    // The top 53 bits fill an f64 mantissa exactly.
    (random >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_250_ms_with_jitter_and_is_capped_at_2_s() {
        assert_eq!(backoff(1, 0.0), Duration::from_millis(125));
        assert_eq!(backoff(1, 1.0), Duration::from_millis(250));
        assert_eq!(backoff(2, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(3, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(10, 1.0), BACKOFF_CAP);
        assert_eq!(backoff(u32::MAX, 1.0), BACKOFF_CAP);
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "1".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(1)));
        assert_eq!(retry_wait(1, retry_after(&headers)), Duration::from_secs(1));
        assert_eq!(retry_wait(1, Some(Duration::from_secs(60))), BACKOFF_CAP);
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
        assert!(retry_wait(1, None) <= Duration::from_millis(250));
    }
}
