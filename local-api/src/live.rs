//! `GET /ws?agent=<agent id>`: the live channel locally, on the path it takes in AWS. Opening a
//! socket is `$connect` (a connection recorded in the store), closing it `$disconnect`, and
//! notify-agent's notifications reach the sockets through the same fan-out use case
//! (`app::live::push`), with this hub in the place of API Gateway's PostToConnection.

use std::collections::HashMap;
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
use whatsapp_channel::app;
use whatsapp_channel::domain::valid_agent_id;
use whatsapp_channel::ports::{Clock, ConnectionStore, LivePoster, PostError, Posted};

/// The open sockets, by connection id: local-api's stand-in for API Gateway's connections.
#[derive(Default)]
pub struct LiveHub {
    sockets: Mutex<HashMap<String, mpsc::UnboundedSender<String>>>,
}

impl LiveHub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn open(&self, connection_id: &str) -> mpsc::UnboundedReceiver<String> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().insert(connection_id.to_owned(), tx);
        rx
    }

    fn close(&self, connection_id: &str) {
        self.lock().remove(connection_id);
    }

    /// How many sockets are open.
    pub fn open_sockets(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<String>>> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// PostToConnection, locally: a socket that is not open any more is Gone, as API Gateway says.
#[async_trait]
impl LivePoster for LiveHub {
    async fn post(&self, connection_id: &str, frame: &[u8]) -> Result<Posted, PostError> {
        let text = String::from_utf8_lossy(frame).into_owned();
        match self.lock().get(connection_id).map(|tx| tx.send(text)) {
            Some(Ok(())) => Ok(Posted::Delivered),
            _ => Ok(Posted::Gone),
        }
    }
}

/// What a socket needs: the hub, and the store and clock `$connect` and `$disconnect` use.
#[derive(Clone)]
pub struct Live {
    pub hub: Arc<LiveHub>,
    pub connections: Arc<dyn ConnectionStore>,
    pub clock: Arc<dyn Clock>,
    /// The administrators' group (`ADMIN_GROUP`): a socket whose `groups` hold it is a
    /// supervisor's.
    pub admin_group: String,
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
pub fn upgrade(live: Live, mut request: hyper::Request<Incoming>) -> Response<Full<Bytes>> {
    let agent = request
        .uri()
        .query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(name, _)| name == "agent")
                .map(|(_, v)| v.into_owned())
        })
        .filter(|agent| valid_agent_id(agent));
    // Locally the groups come as `&groups=a,b` (the authorizer's context in AWS).
    let supervisor = request
        .uri()
        .query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(name, _)| name == "groups")
                .map(|(_, v)| v.split(',').any(|g| g.trim() == live.admin_group))
        })
        .unwrap_or(false);
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
                serve_socket(live, &agent, supervisor, socket).await;
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
    live: Live,
    agent: &str,
    supervisor: bool,
    socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
) {
    let connection_id = uuid::Uuid::now_v7().simple().to_string();
    let mut frames = live.hub.open(&connection_id);
    if let Err(e) = app::live::connect(
        live.connections.as_ref(),
        live.clock.as_ref(),
        agent,
        &connection_id,
        supervisor,
    )
    .await
    {
        tracing::warn!(error = %e, "the live connection could not be recorded");
        live.hub.close(&connection_id);
        return;
    }
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
    live.hub.close(&connection_id);
    if let Err(e) = app::live::disconnect(live.connections.as_ref(), agent, &connection_id).await {
        tracing::warn!(error = %e, "the live connection could not be forgotten");
    }
    tracing::debug!(agent, "live socket closed");
}
