//! The records webhook's in-memory twin, for tests and local-api's stand-in CRM.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::ports::{CreateRecord, CreatedRecord, RecordsWebhook, RecordsWebhookError};

/// The in-memory twin: keeps each request, answers `REC-{n}` with an https link (or the error
/// it was built with).
#[derive(Debug, Default)]
pub struct InMemoryRecordsWebhook {
    requests: Mutex<Vec<CreateRecord>>,
    failure: Option<RecordsWebhookError>,
}

impl InMemoryRecordsWebhook {
    pub fn new() -> Self {
        Self::default()
    }

    /// A webhook that answers every request with `error`.
    pub fn failing(error: RecordsWebhookError) -> Self {
        Self {
            requests: Mutex::default(),
            failure: Some(error),
        }
    }

    /// What it was asked, oldest first.
    pub fn requests(&self) -> Vec<CreateRecord> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl RecordsWebhook for InMemoryRecordsWebhook {
    async fn create(&self, request: &CreateRecord) -> Result<CreatedRecord, RecordsWebhookError> {
        let n = match self.requests.lock() {
            Ok(mut requests) => {
                requests.push(request.clone());
                requests.len()
            }
            Err(_) => 0,
        };
        if let Some(error) = &self.failure {
            return Err(error.clone());
        }
        let id = format!("REC-{n}");
        Ok(CreatedRecord {
            url: Some(format!("https://records.example.com/{id}")),
            id,
        })
    }
}
