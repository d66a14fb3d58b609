//! Adapters: the ports implemented on DynamoDB, in memory, on SNS, on API Gateway's management
//! API (live pushes), on Twilio's REST API, and on the system clock.

pub mod clock;
pub mod dynamodb;
pub mod live_push;
pub mod memory;
pub mod sns;
pub mod twilio_rest;

pub use clock::{ManualClock, SystemClock};
pub use dynamodb::DynamoChannelStore;
pub use live_push::{ApiGatewayLivePoster, RecordingLivePoster};
pub use memory::InMemoryChannelStore;
pub use sns::{RecordingNotifier, SnsAgentNotifier, StdoutNotifier};
pub use twilio_rest::{TwilioConfig, TwilioReplySender};
