//! [`LivePoster`] on API Gateway's management API: `POST /@connections/{connectionId}` on the
//! WebSocket API's stage URL (`LIVE_ENDPOINT`), signed with the function's role.

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;

use crate::ports::{LivePoster, PostError, Posted};

pub struct ApiGatewayLivePoster {
    client: Client,
}

impl ApiGatewayLivePoster {
    /// `endpoint` is the stage's https URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/live`.
    pub fn new(sdk: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(sdk)
            .endpoint_url(endpoint)
            .build();
        Self {
            client: Client::from_conf(config),
        }
    }
}

#[async_trait]
impl LivePoster for ApiGatewayLivePoster {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<Posted, PostError> {
        let result = self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(frame))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Posted::Delivered),
            Err(e) => match e.into_service_error() {
                PostToConnectionError::GoneException(_) => Ok(Posted::Gone),
                other => Err(PostError(Box::new(other))),
            },
        }
    }
}

/// A [`LivePoster`] that keeps what it posted, for tests: connections named gone answer 410,
/// connections named broken fail.
#[derive(Debug, Default)]
pub struct RecordingLivePoster {
    posted: Mutex<Vec<(String, String)>>,
    gone: HashSet<String>,
    broken: HashSet<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("post failure injected by RecordingLivePoster")]
pub struct InjectedPostFailure;

impl RecordingLivePoster {
    pub fn new(gone: &[&str], broken: &[&str]) -> Self {
        Self {
            posted: Mutex::default(),
            gone: gone.iter().map(|c| c.to_string()).collect(),
            broken: broken.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// `(connection id, frame)` of every frame delivered.
    pub fn posted(&self) -> Vec<(String, String)> {
        self.posted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait]
impl LivePoster for RecordingLivePoster {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<Posted, PostError> {
        if self.gone.contains(connection_id) {
            return Ok(Posted::Gone);
        }
        if self.broken.contains(connection_id) {
            return Err(PostError(Box::new(InjectedPostFailure)));
        }
        self.posted.lock().unwrap_or_else(|e| e.into_inner()).push((
            connection_id.to_owned(),
            String::from_utf8_lossy(frame).into_owned(),
        ));
        Ok(Posted::Delivered)
    }
}
