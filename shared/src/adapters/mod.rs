//! Adapters: the ports implemented on DynamoDB, in memory, and on the system clock.

pub mod clock;
pub mod dynamodb;
pub mod memory;
pub mod sns;
pub mod twilio;

pub use clock::{ManualClock, SystemClock};
pub use dynamodb::DynamoSessionStore;
pub use memory::InMemorySessionStore;
pub use sns::{RecordingNotifier, SnsAgentNotifier, StdoutNotifier};
pub use twilio::{TwilioConfig, TwilioReplySender};
