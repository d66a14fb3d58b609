//! Properties of the pure parts the webhook and the 24-hour rule rest on, checked with
//! proptest over generated inputs: the form parser, the inbound and status parsers, Twilio's
//! signature validator, the status ranking and the window rule.
//!
//! `PROPTEST_CASES=10000 cargo test -p whatsapp-channel --test properties` runs more cases.

mod form;
mod signature;
mod status;
mod window;
