//! The live channel's ports: which agent holds which open WebSocket connection, and posting a
//! frame to one.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::StoreError;

/// How long a connection is remembered: API Gateway closes every WebSocket after 2 hours, and a
/// `$disconnect` can be lost, so the item expires on its own a while after.
pub const CONNECTION_RETENTION: TimeDelta = TimeDelta::hours(3);

/// An agent's open connection to the WebSocket API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveConnection {
    pub agent_id: String,
    /// API Gateway's `connectionId`.
    pub connection_id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub connected_at: DateTime<Utc>,
    /// An administrator's console: it also gets what is for supervisors.
    #[serde(default)]
    pub supervisor: bool,
}

/// The open connections, by agent. A connection is remembered a few hours at most (TTL): API
/// Gateway closes a WebSocket after 2 hours whatever happens.
#[async_trait]
pub trait ConnectionStore: Send + Sync {
    async fn add_connection(&self, connection: &LiveConnection) -> Result<(), StoreError>;
    async fn remove_connection(
        &self,
        agent_id: &str,
        connection_id: &str,
    ) -> Result<(), StoreError>;
    /// Every open connection of these agents.
    async fn connections(&self, agent_ids: &[String]) -> Result<Vec<LiveConnection>, StoreError>;
    /// Every open connection of an administrator.
    async fn supervisor_connections(&self) -> Result<Vec<LiveConnection>, StoreError>;
}

/// What posting a frame to a connection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    Delivered,
    /// The connection is gone (410): forget it.
    Gone,
}

#[derive(Debug, thiserror::Error)]
#[error("the frame could not be posted to the connection")]
pub struct PostError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Posts frames to live connections (API Gateway's management API).
#[async_trait]
pub trait LivePoster: Send + Sync {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<Posted, PostError>;
}
