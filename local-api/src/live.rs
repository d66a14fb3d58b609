//! `GET /ws?agent=<agent id>`: the live channel locally. Every notification notify-agent's
//! handler publishes (fed by local-api's in-process stream) is also sent, as the same JSON an
//! SNS subscriber gets, as one text frame to each open socket of each agent it addresses. In AWS
//! the API Gateway WebSocket API plays this part; the frames are the same.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use whatsapp_channel::domain::valid_agent_id;
use whatsapp_channel::ports::{AgentNotifier, Notification, NotifyError};

/// Each agent's open sockets: an id and the sender of its frames.
type Sockets = HashMap<String, Vec<(u64, mpsc::UnboundedSender<String>)>>;

/// The open sockets, by agent.
#[derive(Default)]
pub struct LiveHub {
    sockets: Mutex<Sockets>,
    next_id: AtomicU64,
}

impl LiveHub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn subscribe(&self, agent: &str) -> (u64, mpsc::UnboundedReceiver<String>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock()
            .entry(agent.to_owned())
            .or_default()
            .push((id, tx));
        (id, rx)
    }

    fn unsubscribe(&self, agent: &str, id: u64) {
        let mut sockets = self.lock();
        if let Some(list) = sockets.get_mut(agent) {
            list.retain(|(socket, _)| *socket != id);
            if list.is_empty() {
                sockets.remove(agent);
            }
        }
    }

    /// Sends `frame` to every socket of `agents`; a closed socket is dropped, never an error.
    pub fn push(&self, agents: &[String], frame: &str) -> usize {
        let mut sent = 0;
        let mut sockets = self.lock();
        for agent in agents {
            if let Some(list) = sockets.get_mut(agent) {
                list.retain(|(_, tx)| tx.send(frame.to_owned()).is_ok());
                sent += list.len();
            }
        }
        sent
    }

    /// How many sockets are open, for tests and the start-up banner.
    pub fn open_sockets(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sockets> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Publishes as `inner` does, then pushes the same notification to the agents' open sockets.
pub struct PushingNotifier {
    pub inner: Arc<dyn AgentNotifier>,
    pub hub: Arc<LiveHub>,
}

#[async_trait]
impl AgentNotifier for PushingNotifier {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        self.inner.publish(notification).await?;
        self.hub
            .push(&notification.agent_ids, &notification.body.to_string());
        Ok(())
    }
}

fn plain(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "error": code, "message": message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Answers the WebSocket handshake of `GET /ws?agent=`, then serves the socket until it closes.
pub fn upgrade(hub: Arc<LiveHub>, mut request: hyper::Request<Incoming>) -> Response<Full<Bytes>> {
    let agent = request
        .uri()
        .query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(name, _)| name == "agent")
                .map(|(_, v)| v.into_owned())
        })
        .filter(|agent| valid_agent_id(agent));
    let Some(agent) = agent else {
        return plain(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Connect with ?agent=<your agent id>.",
        );
    };
    let is_websocket = request
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(key) = request.headers().get(SEC_WEBSOCKET_KEY).cloned() else {
        return plain(
            StatusCode::BAD_REQUEST,
            "not_a_websocket",
            "GET /ws is a WebSocket: send Upgrade: websocket and Sec-WebSocket-Key.",
        );
    };
    if !is_websocket {
        return plain(
            StatusCode::BAD_REQUEST,
            "not_a_websocket",
            "GET /ws is a WebSocket: send Upgrade: websocket and Sec-WebSocket-Key.",
        );
    }
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let socket =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                serve_socket(hub, &agent, socket).await;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
        }
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(
        UPGRADE,
        hyper::header::HeaderValue::from_static("websocket"),
    );
    headers.insert(
        CONNECTION,
        hyper::header::HeaderValue::from_static("Upgrade"),
    );
    if let Ok(value) = accept.parse() {
        headers.insert(SEC_WEBSOCKET_ACCEPT, value);
    }
    response
}

async fn serve_socket(
    hub: Arc<LiveHub>,
    agent: &str,
    socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
) {
    let (id, mut frames) = hub.subscribe(agent);
    tracing::debug!(agent, "live socket open");
    let (mut sink, mut incoming) = socket.split();
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Some(text) => {
                    if sink.send(Message::text(text)).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            message = incoming.next() => match message {
                // The client speaks only to keep the socket alive; anything else is ignored.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    hub.unsubscribe(agent, id);
    tracing::debug!(agent, "live socket closed");
}
