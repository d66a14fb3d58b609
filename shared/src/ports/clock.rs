use chrono::{DateTime, Utc};

/// The time, injected so that the 24-hour rule is testable.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}
