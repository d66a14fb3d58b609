//! whatsapp-channel: the domain, ports, use cases and adapters shared by every function.
//!
//! Arrows point one way: `functions/*` and `local-api` call [`app`] (use cases), which speaks to
//! [`ports`]; [`adapters`] implement the ports (DynamoDB, in memory, SNS, Twilio's REST API,
//! clocks). [`domain`] is pure. [`http`] is the functions' HTTP edge: it maps the use cases'
//! outcomes to status codes and JSON bodies. [`twilio`] checks Twilio's request signatures.
//! [`metrics`] writes CloudWatch EMF documents; [`logging`] sets up PII-free JSON logs.

pub mod adapters;
pub mod app;
pub mod config;
pub mod domain;
pub mod form;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod ports;
pub mod twilio;
pub mod wiring;

#[cfg(feature = "testing")]
pub mod testing;
