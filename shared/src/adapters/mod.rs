//! Adapters: the ports implemented on DynamoDB, in memory, and on the system clock.

pub mod clock;
pub mod dynamodb;
pub mod memory;

pub use clock::{ManualClock, SystemClock};
pub use dynamodb::DynamoSessionStore;
pub use memory::InMemorySessionStore;
