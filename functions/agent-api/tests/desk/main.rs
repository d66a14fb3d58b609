//! agent-api's desk routes from `events/` over the in-memory store, with their refusals:
//! around a conversation (conversation.rs) and finding conversations (lookups.rs).

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::{Body, Request, Response};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::desk::search::index_change;
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::ports::{Clock, ConversationStore, StreamChange};
use whatsapp_channel::testing::{event_text, inbound_params, new_sid, t0};

pub(crate) const CUSTOMER: &str = "whatsapp:+447700900123";

pub(crate) struct Harness {
    pub(crate) store: Arc<InMemoryChannelStore>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) api: AgentApi,
    pub(crate) stream: tokio::sync::mpsc::UnboundedReceiver<StreamChange>,
}

pub(crate) fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let stream = store.stream();
    let clock = Arc::new(ManualClock::at(t0()));
    let api = AgentApi::new(store.clone(), clock.clone());
    Harness {
        store,
        clock,
        api,
        stream,
    }
}

impl Harness {
    pub(crate) async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.api, request).await.unwrap()
    }

    /// A customer message; returns its conversation's id.
    pub(crate) async fn inbound(&mut self, from: &str, text: &str) -> String {
        let message = InboundMessage::from_params(inbound_params(&new_sid(), from, text)).unwrap();
        let id = receive_inbound(self.store.as_ref(), self.clock.as_ref(), &message)
            .await
            .unwrap()
            .conversation_id
            .as_str()
            .to_owned();
        // What notify-agent does with the stream: index the message's words.
        while let Ok(change) = self.stream.try_recv() {
            index_change(self.store.as_ref(), &change).await.unwrap();
        }
        id
    }

    /// A conversation accepted by `agent-alice` (the events' caller).
    pub(crate) async fn accepted(&mut self) -> String {
        let id = self.inbound(CUSTOMER, "Hello").await;
        let parsed = whatsapp_channel::domain::ConversationId::parse(&id).unwrap();
        self.store
            .accept(&parsed, "agent-alice", true, self.clock.now())
            .await
            .unwrap();
        id
    }
}

/// `events/<name>.json` with its caller, groups, conversation id or body replaced.
pub(crate) fn edited(
    name: &str,
    id: Option<&str>,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Request {
    let mut text = event_text(name);
    if let Some(id) = id {
        text = text.replace("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", id);
    }
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut value);
    lambda_http::request::from_str(&value.to_string()).unwrap()
}

pub(crate) fn caller(value: &mut serde_json::Value, agent: &str, groups: Option<&str>) {
    let claims = &mut value["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["sub"] = agent.into();
    match groups {
        Some(g) => claims["cognito:groups"] = g.into(),
        None => {
            claims.as_object_mut().unwrap().remove("cognito:groups");
        }
    }
}

mod assist;
mod conversation;
mod lookups;
mod outcomes;
mod privacy;
