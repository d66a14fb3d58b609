//! local-api as a user runs it (`cargo run -p local-api`: its Twilio stub, its stream feeding
//! notify-agent), on a free port, and driven over HTTP as an agent and as Twilio.

use std::sync::Arc;
use std::time::Duration;

use local_api::send::{InboundToSend, send_inbound};
use local_api::{LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN, LocalApi, StoreChoice};
use serde_json::Value;
use tokio::net::TcpListener;
use whatsapp_channel::adapters::{RecordingNotifier, SystemClock};
use whatsapp_channel::app::routing::RoutingSettings;
use whatsapp_channel::ports::AgentNotifier;

use super::dynamodb_endpoint;

/// The business number local-api answers for by default (Twilio's sandbox).
pub(crate) const BUSINESS: &str = "whatsapp:+14155238886";

/// A fresh table on DynamoDB Local, named `{prefix}-…`, for local-api to create.
pub(crate) fn dynamodb_local(prefix: &str) -> StoreChoice {
    dynamodb_endpoint();
    StoreChoice::DynamoDb {
        table: format!("{prefix}-{}", uuid::Uuid::now_v7().simple()),
    }
}

/// A customer's number no other test uses.
pub(crate) fn a_customer() -> String {
    format!(
        "whatsapp:+4477009{:05}",
        uuid::Uuid::now_v7().as_u128() % 100_000
    )
}

/// local-api as `cargo run -p local-api` starts it, with notifications going to `notifier`
/// (none: no event source); returns its base URL and the sender that stops it.
pub(crate) async fn start_with(
    choice: StoreChoice,
    notifier: Option<Arc<dyn AgentNotifier>>,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    start_routed(choice, notifier, RoutingSettings::broadcast()).await
}

/// [`start_with`], routing requests as `routing` says (the stories before routing run in
/// broadcast mode; the routing stories in offer mode).
pub(crate) async fn start_routed(
    choice: StoreChoice,
    notifier: Option<Arc<dyn AgentNotifier>>,
    routing: RoutingSettings,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    start_configured(choice, notifier, routing, |api| api).await
}

/// [`start_routed`] with `configure` applied to the runner's state before it starts (a CSAT
/// survey, a records webhook…).
pub(crate) async fn start_configured(
    choice: StoreChoice,
    notifier: Option<Arc<dyn AgentNotifier>>,
    routing: RoutingSettings,
    configure: impl FnOnce(LocalApi) -> LocalApi,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (webhook, _) = local_api::webhook_config(port).unwrap();
    let backing = local_api::store(&choice).await.unwrap();
    let twilio = local_api::twilio_side(port, &webhook);
    assert!(twilio.stubbed, "tests run local-api on its Twilio stub");
    let clock = Arc::new(SystemClock::default());
    let api = Arc::new(configure(
        LocalApi::new(&webhook, &twilio, backing.store.clone(), clock.clone())
            .unwrap()
            .with_routing(routing)
            .with_wrap_up(chrono::TimeDelta::zero()),
    ));
    if let Some(notifier) = notifier {
        local_api::start_notifications(&backing, notifier, &api)
            .await
            .unwrap();
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(local_api::serve(listener, api, async {
        let _ = stopped.await;
    }));
    (format!("http://127.0.0.1:{port}"), stop)
}

/// A running local-api; stopped when dropped.
pub(crate) struct Local {
    pub(crate) base: String,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub(crate) fn encoded(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

impl Local {
    /// local-api with its notifications going to `notifier` (none: no event source).
    pub(crate) async fn start_with(
        choice: StoreChoice,
        notifier: Option<Arc<dyn AgentNotifier>>,
    ) -> Self {
        let (base, stop) = start_with(choice, notifier).await;
        Self {
            base,
            client: reqwest::Client::new(),
            _stop: stop,
        }
    }

    /// local-api in `routing`'s mode, whose notifications are recorded.
    pub(crate) async fn routed(
        choice: StoreChoice,
        routing: RoutingSettings,
    ) -> (Self, Arc<RecordingNotifier>) {
        let notifier = Arc::new(RecordingNotifier::new());
        let (base, stop) = start_routed(choice, Some(notifier.clone()), routing).await;
        (
            Self {
                base,
                client: reqwest::Client::new(),
                _stop: stop,
            },
            notifier,
        )
    }

    /// local-api whose notifications are recorded.
    pub(crate) async fn recording(choice: StoreChoice) -> (Self, Arc<RecordingNotifier>) {
        let notifier = Arc::new(RecordingNotifier::new());
        let local = Self::start_with(choice, Some(notifier.clone())).await;
        (local, notifier)
    }

    /// local-api whose notifications are recorded, its state changed by `configure` first.
    pub(crate) async fn configured(
        choice: StoreChoice,
        configure: impl FnOnce(LocalApi) -> LocalApi,
    ) -> (Self, Arc<RecordingNotifier>) {
        Self::configured_routed(choice, RoutingSettings::broadcast(), configure).await
    }

    /// [`Self::configured`] in `routing`'s mode.
    pub(crate) async fn configured_routed(
        choice: StoreChoice,
        routing: RoutingSettings,
        configure: impl FnOnce(LocalApi) -> LocalApi,
    ) -> (Self, Arc<RecordingNotifier>) {
        let notifier = Arc::new(RecordingNotifier::new());
        let (base, stop) =
            start_configured(choice, Some(notifier.clone()), routing, configure).await;
        let local = Self {
            base,
            client: reqwest::Client::new(),
            _stop: stop,
        };
        (local, notifier)
    }

    /// A request as `agent` (in `groups`, comma-separated); the status and JSON body.
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        agent: &str,
        groups: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-Agent-Id", agent)
            .header("X-Agent-Groups", groups);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub(crate) async fn get(&self, path: &str, agent: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, agent, "", None).await
    }

    pub(crate) async fn post(&self, path: &str, agent: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, agent, "", Some(body))
            .await
    }

    pub(crate) async fn put(&self, path: &str, agent: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, agent, "", Some(body))
            .await
    }

    /// A signed message from `from` to [`BUSINESS`], as Twilio posts it; 200 expected.
    pub(crate) async fn inbound(&self, from: &str, text: &str) {
        let message = InboundToSend {
            from: from.into(),
            to: BUSINESS.into(),
            body: text.into(),
            profile_name: Some("Zoë".into()),
            media_url: None,
            media_content_type: None,
        };
        let url = format!("{}/twilio/inbound", self.base);
        let (status, _, _) = send_inbound(&url, LOCAL_AUTH_TOKEN, LOCAL_ACCOUNT_SID, &message)
            .await
            .unwrap();
        assert_eq!(status, 200);
    }

    /// The id of `customer`'s newest conversation.
    pub(crate) async fn conversation_of(&self, customer: &str) -> String {
        let path = format!("/customers/{}", encoded(customer));
        let (status, summary) = self.get(&path, "alice").await;
        assert_eq!(status, 200, "{summary}");
        summary["recent_conversations"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Polls `path` until `done` holds (the stream is asynchronous), at most 30 s: DynamoDB
    /// Local's stream lags by seconds while the whole suite shares two cores with it.
    pub(crate) async fn eventually(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..300 {
            let (status, body) = self.get(path, "alice").await;
            if status == 200 && done(&body) {
                return body;
            }
            last = body;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{path} never got there: {last}");
    }
}
