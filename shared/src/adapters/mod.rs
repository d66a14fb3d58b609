//! Adapters: the ports implemented on DynamoDB, in memory, on SNS, on S3 (media), on API Gateway's management
//! API (live pushes), on Twilio's REST API, and on the system clock.

pub mod clock;
pub mod dynamodb;
pub mod eventbridge;
pub mod https;
pub mod live_push;
pub mod memory;
pub mod records_webhook;
pub mod s3;
pub mod sentiment;
pub mod sns;
pub mod sqs_erasure;
pub mod sqs_timers;
pub mod twilio_content;
pub mod twilio_erase;
pub mod twilio_media;
pub mod twilio_rest;
pub mod twilio_typing;

pub use clock::{ManualClock, SystemClock};
pub use dynamodb::DynamoChannelStore;
pub use eventbridge::{EventBridgeBus, RecordingBus};
pub use live_push::{ApiGatewayLivePoster, RecordingLivePoster};
pub use memory::{InMemoryChannelStore, InMemoryMediaStore, InMemoryRecordsWebhook};
pub use records_webhook::{HttpRecordsWebhook, verify_signature};
pub use s3::S3MediaStore;
pub use sentiment::{ComprehendScorer, LexiconScorer};
pub use sns::{RecordingNotifier, SnsAgentNotifier, StdoutNotifier};
pub use sqs_erasure::SqsErasureQueue;
pub use sqs_timers::SqsTimerQueue;
pub use twilio_content::TwilioContentCatalog;
pub use twilio_erase::TwilioMessageEraser;
pub use twilio_media::TwilioMediaFetcher;
pub use twilio_rest::{TwilioConfig, TwilioReplySender};
pub use twilio_typing::TwilioTypingIndicator;
