//! Support shared by the test binaries of this package.

pub mod openapi;
