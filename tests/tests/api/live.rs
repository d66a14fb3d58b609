//! Live connections on DynamoDB Local and on the in-memory twin: added at `$connect`, found by
//! agent, forgotten at `$disconnect` or after a 410, and expiring on their own (TTL).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use whatsapp_channel::adapters::{InMemoryChannelStore, RecordingLivePoster};
use whatsapp_channel::app::live::{PushReport, push};
use whatsapp_channel::ports::{ConnectionStore, LiveConnection, Notification};

use crate::helpers::dynamo;

fn connection(agent: &str, id: &str) -> LiveConnection {
    LiveConnection {
        agent_id: agent.into(),
        connection_id: id.into(),
        connected_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        supervisor: agent.starts_with("boss"),
    }
}

async fn stores() -> Vec<(&'static str, Arc<dyn ConnectionStore>)> {
    vec![
        ("dynamodb", dynamo().await.store as Arc<dyn ConnectionStore>),
        ("memory", Arc::new(InMemoryChannelStore::new())),
    ]
}

fn ids(mut list: Vec<LiveConnection>) -> Vec<String> {
    list.sort_by(|a, b| a.connection_id.cmp(&b.connection_id));
    list.into_iter().map(|c| c.connection_id).collect()
}

#[tokio::test]
async fn connections_are_found_by_agent_and_forgotten_at_disconnect_on_both_stores() {
    for (name, store) in stores().await {
        for c in [
            connection("alice", "A1="),
            connection("alice", "A2="),
            connection("bob", "B1="),
        ] {
            store.add_connection(&c).await.unwrap();
        }
        // A reconnect with the same id replaces, never doubles.
        store
            .add_connection(&connection("alice", "A1="))
            .await
            .unwrap();
        let both = store
            .connections(&["alice".into(), "bob".into()])
            .await
            .unwrap();
        assert_eq!(ids(both), ["A1=", "A2=", "B1="], "{name}");
        assert_eq!(
            store.connections(&["alice".into()]).await.unwrap()[0].agent_id,
            "alice",
            "{name}"
        );
        store.remove_connection("alice", "A1=").await.unwrap();
        assert_eq!(
            ids(store.connections(&["alice".into()]).await.unwrap()),
            ["A2="],
            "{name}"
        );
        assert!(
            store
                .connections(&["carol".into()])
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn administrators_connections_are_found_as_supervisors_on_both_stores() {
    for (name, store) in stores().await {
        for c in [
            connection("alice", "A1="),
            connection("boss", "S1="),
            connection("boss-2", "S2="),
        ] {
            store.add_connection(&c).await.unwrap();
        }
        assert_eq!(
            ids(store.supervisor_connections().await.unwrap()),
            ["S1=", "S2="],
            "{name}"
        );
        store.remove_connection("boss", "S1=").await.unwrap();
        assert_eq!(
            ids(store.supervisor_connections().await.unwrap()),
            ["S2="],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_connection_item_expires_three_hours_after_it_opened() {
    let table = dynamo().await;
    table
        .store
        .add_connection(&connection("alice", "A1="))
        .await
        .unwrap();
    let items = table.items().await;
    let item = items
        .iter()
        .find(|i| i["type"].as_s().is_ok_and(|t| t == "connection"))
        .expect("a connection item");
    assert_eq!(item["pk"].as_s().unwrap(), "AGENT#alice");
    assert_eq!(item["sk"].as_s().unwrap(), "CONN#A1=");
    let opened = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .unwrap()
        .timestamp();
    assert_eq!(
        item["expires_at"].as_n().unwrap(),
        &(opened + 3 * 3600).to_string()
    );
}

#[tokio::test]
async fn a_push_on_dynamodb_local_forgets_a_gone_connection() {
    let table = dynamo().await;
    for c in [connection("alice", "gone="), connection("alice", "fine=")] {
        table.store.add_connection(&c).await.unwrap();
    }
    let poster = RecordingLivePoster::new(&["gone="], &[]);
    let notification = Notification {
        event_type: "message.received".into(),
        business_number: "whatsapp:+14155238886".into(),
        agent_ids: vec!["alice".into()],
        supervisors: false,
        authenticated: false,
        body: serde_json::json!({"event_type": "message.received"}),
    };
    let report = push(table.store.as_ref(), &poster, &notification)
        .await
        .unwrap();
    assert_eq!(
        report,
        PushReport {
            delivered: 1,
            gone: 1,
            failed: 0
        }
    );
    assert_eq!(
        ids(table.store.connections(&["alice".into()]).await.unwrap()),
        ["fine="]
    );
}
