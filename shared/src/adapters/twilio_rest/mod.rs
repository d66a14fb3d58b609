//! Twilio's REST API: what every Twilio adapter shares, and [`TwilioReplySender`], the
//! [`ReplySender`](crate::ports::ReplySender) on its Messages API.
//!
//! - `config`: where and as whom to call Twilio, and the checked HTTP client every Twilio adapter
//!   builds from it (credentials only to a Twilio or loopback host, no redirects).
//! - `errors`: Twilio's error answers, read the same way by every adapter.
//! - `retry`: when a send is retried (rate limiting only) and how long to wait.
//! - `messages`: sending a reply (`CreateMessage`) and mapping its answers.

mod config;
mod errors;
mod messages;
mod retry;

pub use config::{TwilioConfig, TwilioConfigError};
pub(crate) use config::{checked_base, is_account_sid, twilio_client};
pub(crate) use errors::{TwilioError, status_line};
pub use messages::{CONNECT_TIMEOUT, REQUEST_TIMEOUT, SEND_BUDGET, TwilioReplySender};
pub use retry::MAX_ATTEMPTS;
