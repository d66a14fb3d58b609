//! whatsapp-channel: the domain, ports, use cases and adapters shared by every function.
//!
//! Arrows point one way: `functions/*` and `local-api` use [`app`] (use cases), which speaks to
//! [`ports`]; [`adapters`] implement the ports for DynamoDB and for memory. [`domain`] is pure.

pub mod adapters;
pub mod app;
pub mod config;
pub mod domain;
pub mod form;
pub mod http;
pub mod ports;
pub mod twilio;

#[cfg(feature = "testing")]
pub mod testing;
