//! [`EventBus`] on Amazon EventBridge: `PutEvents` on `EVENT_BUS_NAME`, source
//! `whatsapp-channel`, ten entries a request; an entry EventBridge refused fails the whole put
//! (the stream record is retried; consumers dedupe by `detail.event_id`).

use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use crate::ports::{BusError, BusEvent, EventBus};

/// Every event's `source`.
pub const SOURCE: &str = "whatsapp-channel";

pub struct EventBridgeBus {
    client: Client,
    bus: String,
}

impl EventBridgeBus {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }

    /// The client from the shared SDK configuration (`AWS_ENDPOINT_URL_EVENTBRIDGE` for an
    /// emulator).
    pub fn client(sdk: &aws_config::SdkConfig) -> Client {
        Client::new(sdk)
    }
}

/// One event as EventBridge takes it: on `bus`, from [`SOURCE`], its name as `detail-type`.
fn entry(bus: &str, event: &BusEvent) -> PutEventsRequestEntry {
    PutEventsRequestEntry::builder()
        .event_bus_name(bus)
        .source(SOURCE)
        .detail_type(event.detail_type)
        .detail(event.detail.to_string())
        .build()
}

#[async_trait]
impl EventBus for EventBridgeBus {
    async fn put(&self, events: &[BusEvent]) -> Result<(), BusError> {
        for chunk in events.chunks(10) {
            let entries = chunk.iter().map(|e| entry(&self.bus, e)).collect();
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| BusError::Unavailable(Box::new(e)))?;
            let failed = usize::try_from(out.failed_entry_count()).unwrap_or(usize::MAX);
            if failed > 0 {
                let reason = out
                    .entries()
                    .iter()
                    .find_map(|e| e.error_message().map(str::to_owned))
                    .unwrap_or_default();
                return Err(BusError::Refused { failed, reason });
            }
        }
        Ok(())
    }
}

/// The bus in memory, for tests and local runs: what was put, in order.
#[derive(Debug, Default)]
pub struct RecordingBus {
    events: std::sync::Mutex<Vec<BusEvent>>,
}

impl RecordingBus {
    pub fn events(&self) -> Vec<BusEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl EventBus for RecordingBus {
    async fn put(&self, events: &[BusEvent]) -> Result<(), BusError> {
        if let Ok(mut all) = self.events.lock() {
            all.extend_from_slice(events);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_goes_on_the_bus_from_whatsapp_channel_named_by_its_detail_type() {
        let detail = serde_json::json!({"version": 1, "event_id": "record-7#conversation.closed"});
        let event = BusEvent {
            detail_type: "conversation.closed",
            detail: detail.clone(),
        };
        let entry = entry("whatsapp-channel-conversations", &event);
        assert_eq!(entry.source(), Some("whatsapp-channel"));
        assert_eq!(entry.detail_type(), Some("conversation.closed"));
        assert_eq!(
            entry.event_bus_name(),
            Some("whatsapp-channel-conversations")
        );
        let sent: serde_json::Value =
            serde_json::from_str(entry.detail().unwrap_or_default()).unwrap_or_default();
        assert_eq!(sent, detail);
    }
}
