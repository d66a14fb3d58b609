//! send-reply and agent-api over one store (DynamoDB Local and in memory), Twilio stubbed by
//! wiremock: the channel every story of replying below is told on.

mod assignment;
mod delivery;
mod idempotency;
mod sending;
mod window;

use std::sync::Arc;

use agent_api::AgentApi;
use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use send_reply::SendReply;
use serde_json::{Value, json};
use whatsapp_channel::adapters::{TwilioConfig, TwilioReplySender};
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::{ConversationId, MessageSid, MessageStatus, StatusCallback};
use whatsapp_channel::ports::ChannelStore;
use whatsapp_channel::testing::{new_sid, params, signed_request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::agent::{agent_event, request};
use crate::helpers::{Webhook, body_json, dynamo, stores};

const CUSTOMER: &str = "whatsapp:+447700900123";
const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MESSAGES: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json";
const TEMPLATE: &str = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";
const WINDOW_TEXT: &str =
    "This conversation has exceeded the 24 hour limit to respond to the customer.";

/// The channel over one store, with Twilio stubbed by wiremock.
struct Channel {
    store: Arc<dyn ChannelStore>,
    webhook: Webhook,
    agents: AgentApi,
    replies: SendReply,
    twilio: MockServer,
}

fn twilio_created(sid: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "sid": sid, "status": "queued", "error_code": null,
        "date_created": "Mon, 23 Nov 2026 10:00:00 +0000",
    }))
}

async fn channel(store: Arc<dyn ChannelStore>) -> Channel {
    let twilio = MockServer::start().await;
    let webhook = Webhook::new(store.clone());
    let sender = TwilioReplySender::new(TwilioConfig {
        api_base_url: twilio.uri(),
        account_sid: ACCOUNT.into(),
        auth_token: webhook.config.auth_token.clone(),
    })
    .unwrap();
    let settings = ReplySettings {
        status_callback: webhook.config.status_url.clone(),
    };
    Channel {
        agents: AgentApi::new(store.clone(), webhook.clock.clone()),
        replies: SendReply::new(
            store.clone(),
            Arc::new(sender),
            webhook.clock.clone(),
            settings,
        ),
        store,
        webhook,
        twilio,
    }
}

/// An agent-route request shaped like the events, as `agent`.
fn agent_request(
    method: &str,
    path: &str,
    agent: &str,
    body: Option<&Value>,
    key: Option<&str>,
) -> Request {
    let mut event = agent_event(method, path, Some(agent));
    if let Some(body) = body {
        event["body"] = body.to_string().into();
        event["headers"]["content-type"] = "application/json".into();
    }
    if let Some(key) = key {
        event["headers"]["idempotency-key"] = key.into();
    }
    request(&event)
}

impl Channel {
    /// A customer message; returns its conversation id.
    async fn customer_writes(&self) -> String {
        assert_eq!(
            self.webhook
                .text(&new_sid(), CUSTOMER, "Where is my order?")
                .await,
            StatusCode::OK
        );
        // Agents answer a moment later, not in the same millisecond.
        self.webhook.clock.advance(TimeDelta::seconds(1));
        self.store.list_conversations(1).await.unwrap()[0]
            .id
            .clone()
    }

    async fn accept(&self, id: &str, agent: &str) -> Response<Body> {
        let request = agent_request(
            "POST",
            &format!("/conversations/{id}/accept"),
            agent,
            None,
            None,
        );
        agent_api::function_handler(&self.agents, request)
            .await
            .unwrap()
    }

    async fn close(&self, id: &str, agent: &str) -> Response<Body> {
        let request = agent_request(
            "POST",
            &format!("/conversations/{id}/close"),
            agent,
            None,
            None,
        );
        agent_api::function_handler(&self.agents, request)
            .await
            .unwrap()
    }

    async fn reply(&self, id: &str, agent: &str, body: Value, key: Option<&str>) -> Response<Body> {
        let request = agent_request(
            "POST",
            &format!("/conversations/{id}/messages"),
            agent,
            Some(&body),
            key,
        );
        send_reply::function_handler(&self.replies, request)
            .await
            .unwrap()
    }

    async fn transcript(&self, id: &str) -> Value {
        let request = agent_request(
            "GET",
            &format!("/conversations/{id}"),
            "agent-x",
            None,
            None,
        );
        body_json(
            &agent_api::function_handler(&self.agents, request)
                .await
                .unwrap(),
        )
    }

    async fn twilio_forms(&self) -> Vec<Vec<(String, String)>> {
        self.twilio
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| whatsapp_channel::form::decode_lenient(&r.body))
            .collect()
    }

    async fn mount_created(&self, sid: &str) {
        Mock::given(method("POST"))
            .and(path(MESSAGES))
            .respond_with(twilio_created(sid))
            .mount(&self.twilio)
            .await;
    }
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}
