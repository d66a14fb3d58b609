//! The HTTP edge shared by the functions: JSON bodies, the caller's identity, and the one place
//! where the use cases' refusals and outcomes become status codes and error bodies
//! ([`ApiError`], [`reply_response`]), and gzipped bodies for clients that take them
//! ([`gzip_if_worthwhile`]).

mod compression;
mod error;
mod refusals;
mod request;
mod response;

pub use compression::{MIN_GZIP_BYTES, accepts_gzip, gzip_if_worthwhile};
pub use error::ApiError;
pub use refusals::reply_response;
pub use request::{
    DEFAULT_ADMIN_GROUP, agent_groups, agent_id, body_bytes, path_segments, require_admin,
    route_path, unauthenticated,
};
pub use response::{ErrorBody, created_or_ok, empty, error, json, with_body};
