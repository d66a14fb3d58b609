//! live-connections over the events in `events/`, on the in-memory store.

use std::sync::Arc;

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use chrono::{TimeZone, Utc};
use lambda_runtime::{Context, LambdaEvent};
use live_connections::{LiveConnections, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::ports::ConnectionStore;
use whatsapp_channel::testing::events_dir;

fn event(name: &str) -> ApiGatewayWebsocketProxyRequest {
    serde_json::from_str(&std::fs::read_to_string(events_dir().join(name)).unwrap()).unwrap()
}

fn setup() -> (Arc<InMemoryChannelStore>, LiveConnections) {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    (store.clone(), LiveConnections::new(store, clock))
}

async fn call(state: &LiveConnections, payload: ApiGatewayWebsocketProxyRequest) -> i64 {
    function_handler(state, LambdaEvent::new(payload, Context::default()))
        .await
        .unwrap()
        .status_code
}

#[tokio::test]
async fn connect_records_the_authorized_agents_connection_and_disconnect_forgets_it() {
    let (store, state) = setup();
    assert_eq!(
        call(&state, event("live-connections.connect.json")).await,
        200
    );
    let open = store.connections(&["agent-alice".into()]).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].connection_id, "Lf0ZzdeWliACHbg=");
    assert_eq!(
        open[0].connected_at,
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
    );

    assert_eq!(
        call(&state, event("live-connections.disconnect.json")).await,
        200
    );
    assert!(
        store
            .connections(&["agent-alice".into()])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_connect_without_an_authorized_agent_is_refused_and_nothing_is_stored() {
    let (store, state) = setup();
    let mut connect = event("live-connections.connect.json");
    connect.request_context.authorizer.fields.clear();
    assert_eq!(call(&state, connect).await, 401);
    assert!(
        store
            .connections(&["agent-alice".into()])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_event_without_a_connection_id_is_a_bad_request() {
    let (_, state) = setup();
    let mut connect = event("live-connections.connect.json");
    connect.request_context.connection_id = None;
    assert_eq!(call(&state, connect).await, 400);
}
