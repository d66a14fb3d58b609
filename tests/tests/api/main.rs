//! End-to-end tests: the handlers and local-api on DynamoDB Local (started by `cargo xtask test`),
//! and the same behaviour on the embedded store.

mod contract;
mod deadline;
mod deferred;
mod deferred_stories;
mod desk;
mod docs;
mod events;
mod fault_proxy;
mod helpers;
mod inbound;
mod inbound_faults;
mod invoke_permissions;
mod least_privilege;
mod live;
mod local_api;
mod local_guard;
mod media;
mod media_local;
mod migrate;
mod notify;
mod notify_e2e;
mod openapi_check;
mod profiles;
mod queue;
mod reads;
mod reply;
mod routes;
mod routing_local;
mod routing_offers;
mod routing_timers_sqs;
mod search;
mod sns;
mod started;
mod template;
mod template_hygiene;
