//! End-to-end tests: the handlers and local-api on DynamoDB Local (started by `cargo xtask test`),
//! and the same behaviour on the embedded store.

mod deadline;
mod deferred;
mod desk;
mod events;
mod helpers;
mod inbound;
mod live;
mod local_api;
mod media;
mod media_local;
mod notify;
mod notify_e2e;
mod reads;
mod reply;
mod routes;
mod sns;
mod started;
