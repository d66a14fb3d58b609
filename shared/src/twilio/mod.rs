//! Twilio's side of the protocol: request signatures.

pub mod signature;

pub use signature::RequestValidator;
