//! The live channel: agents' open WebSocket connections, and every notification pushed to the
//! connections of the agents it concerns, in the same JSON as the SNS message.

use std::sync::Arc;

use async_trait::async_trait;

use crate::ports::{
    AgentNotifier, Clock, ConnectionStore, LiveConnection, LivePoster, Notification, NotifyError,
    Posted, StoreError,
};

/// `$connect`, once the authorizer has named the agent.
pub async fn connect(
    store: &dyn ConnectionStore,
    clock: &dyn Clock,
    agent_id: &str,
    connection_id: &str,
    supervisor: bool,
) -> Result<(), StoreError> {
    store
        .add_connection(&LiveConnection {
            agent_id: agent_id.to_owned(),
            connection_id: connection_id.to_owned(),
            connected_at: clock.now(),
            supervisor,
        })
        .await
}

/// `$disconnect`.
pub async fn disconnect(
    store: &dyn ConnectionStore,
    agent_id: &str,
    connection_id: &str,
) -> Result<(), StoreError> {
    store.remove_connection(agent_id, connection_id).await
}

/// What a push did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushReport {
    pub delivered: usize,
    /// Connections that answered 410 Gone, now forgotten.
    pub gone: usize,
    /// Posts that failed otherwise (logged; the SNS message is the record of the event).
    pub failed: usize,
}

/// Posts `notification` to every open connection of its agents, all at once: a slow or failed
/// connection never holds up the others.
pub async fn push(
    store: &dyn ConnectionStore,
    poster: &dyn LivePoster,
    notification: &Notification,
) -> Result<PushReport, StoreError> {
    let mut connections = store.connections(&notification.agent_ids).await?;
    if notification.supervisors {
        for supervisor in store.supervisor_connections().await? {
            if !connections
                .iter()
                .any(|c| c.connection_id == supervisor.connection_id)
            {
                connections.push(supervisor);
            }
        }
    }
    let frame = notification.body.to_string();
    let posts = connections
        .iter()
        .map(|c| poster.post(&c.connection_id, frame.as_bytes()));
    let results = futures_util::future::join_all(posts).await;
    let mut report = PushReport::default();
    for (connection, result) in connections.iter().zip(results) {
        match result {
            Ok(Posted::Delivered) => report.delivered += 1,
            Ok(Posted::Gone) => {
                report.gone += 1;
                if let Err(e) = store
                    .remove_connection(&connection.agent_id, &connection.connection_id)
                    .await
                {
                    tracing::warn!(error = %e, "a gone connection could not be forgotten");
                }
            }
            Err(e) => {
                report.failed += 1;
                tracing::warn!(error = %e, event_type = notification.event_type, "push failed");
            }
        }
    }
    Ok(report)
}

/// Publishes with `inner` (SNS), then pushes to the agents' open consoles. A failed push is
/// logged and never fails the stream record: the notification itself was published.
pub struct PushingNotifier {
    pub inner: Arc<dyn AgentNotifier>,
    pub connections: Arc<dyn ConnectionStore>,
    pub poster: Arc<dyn LivePoster>,
}

#[async_trait]
impl AgentNotifier for PushingNotifier {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        self.inner.publish(notification).await?;
        match push(
            self.connections.as_ref(),
            self.poster.as_ref(),
            notification,
        )
        .await
        {
            Ok(report) => tracing::debug!(?report, "pushed"),
            Err(e) => tracing::warn!(error = %e, "live connections could not be read"),
        }
        Ok(())
    }

    async fn push_live(&self, notification: &Notification) {
        // The inner notifier's own live-only path (SNS has none; a recording keeps it).
        self.inner.push_live(notification).await;
        match push(
            self.connections.as_ref(),
            self.poster.as_ref(),
            notification,
        )
        .await
        {
            Ok(report) => tracing::debug!(?report, "pushed live only"),
            Err(e) => tracing::warn!(error = %e, "live connections could not be read"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::adapters::{InMemoryChannelStore, RecordingLivePoster, RecordingNotifier};

    fn connection(agent: &str, id: &str) -> LiveConnection {
        LiveConnection {
            agent_id: agent.into(),
            connection_id: id.into(),
            connected_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            supervisor: agent == "boss",
        }
    }

    fn notification(agents: &[&str]) -> Notification {
        Notification {
            event_type: "conversation.requested".into(),
            business_number: "whatsapp:+14155238886".into(),
            agent_ids: agents.iter().map(|a| a.to_string()).collect(),
            supervisors: false,
            authenticated: false,
            body: json!({"event_type": "conversation.requested", "conversation_id": "c1"}),
        }
    }

    async fn store_with(connections: &[LiveConnection]) -> InMemoryChannelStore {
        let store = InMemoryChannelStore::new();
        for c in connections {
            store.add_connection(c).await.unwrap();
        }
        store
    }

    #[tokio::test]
    async fn a_notification_reaches_every_console_of_its_agents_and_no_one_else() {
        let store = store_with(&[
            connection("alice", "A1"),
            connection("alice", "A2"),
            connection("bob", "B1"),
            connection("carol", "C1"),
        ])
        .await;
        let poster = RecordingLivePoster::new(&[], &[]);
        let report = push(&store, &poster, &notification(&["alice", "bob"]))
            .await
            .unwrap();
        assert_eq!(report.delivered, 3);
        let mut to: Vec<String> = poster.posted().into_iter().map(|(c, _)| c).collect();
        to.sort();
        assert_eq!(to, ["A1", "A2", "B1"]);
        let frame: serde_json::Value = serde_json::from_str(&poster.posted()[0].1).unwrap();
        assert_eq!(frame["event_type"], "conversation.requested");
    }

    #[tokio::test]
    async fn a_notification_for_supervisors_also_reaches_every_administrators_console_once() {
        let store = store_with(&[
            connection("alice", "A1"),
            connection("boss", "S1"),
            connection("bob", "B1"),
        ])
        .await;
        let poster = RecordingLivePoster::new(&[], &[]);
        let mut for_supervisors = notification(&["alice"]);
        for_supervisors.supervisors = true;
        push(&store, &poster, &for_supervisors).await.unwrap();
        let mut to: Vec<String> = poster.posted().into_iter().map(|(c, _)| c).collect();
        to.sort();
        assert_eq!(to, ["A1", "S1"]);
        // Not for supervisors: the administrator hears nothing.
        let poster = RecordingLivePoster::new(&[], &[]);
        push(&store, &poster, &notification(&["alice"]))
            .await
            .unwrap();
        assert_eq!(poster.posted().len(), 1);
    }

    #[tokio::test]
    async fn a_gone_connection_is_forgotten_and_a_broken_one_does_not_block_the_others() {
        let store = store_with(&[
            connection("alice", "gone"),
            connection("alice", "broken"),
            connection("alice", "fine"),
        ])
        .await;
        let poster = RecordingLivePoster::new(&["gone"], &["broken"]);
        let report = push(&store, &poster, &notification(&["alice"]))
            .await
            .unwrap();
        assert_eq!(
            report,
            PushReport {
                delivered: 1,
                gone: 1,
                failed: 1
            }
        );
        let left: Vec<String> = store
            .connections(&["alice".into()])
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.connection_id)
            .collect();
        assert_eq!(left, ["broken", "fine"]);
    }

    #[tokio::test]
    async fn the_pushing_notifier_publishes_first_and_a_failed_push_never_fails_the_record() {
        let store = Arc::new(store_with(&[connection("alice", "broken")]).await);
        let sns = Arc::new(RecordingNotifier::default());
        let notifier = PushingNotifier {
            inner: sns.clone(),
            connections: store,
            poster: Arc::new(RecordingLivePoster::new(&[], &["broken"])),
        };
        notifier.publish(&notification(&["alice"])).await.unwrap();
        assert_eq!(sns.published().len(), 1);
    }

    #[tokio::test]
    async fn connect_and_disconnect_add_and_remove_the_agents_connection() {
        let store = InMemoryChannelStore::new();
        let clock = crate::adapters::ManualClock::at(Utc::now());
        connect(&store, &clock, "alice", "A1", false).await.unwrap();
        assert_eq!(store.connections(&["alice".into()]).await.unwrap().len(), 1);
        disconnect(&store, "alice", "A1").await.unwrap();
        assert!(
            store
                .connections(&["alice".into()])
                .await
                .unwrap()
                .is_empty()
        );
    }
}
