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
use whatsapp_channel::testing::{event_text, new_sid, params, signed_request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Webhook, body_json, dynamo, stores};

const CUSTOMER: &str = "whatsapp:+447700900123";
const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MESSAGES: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json";
const TEMPLATE: &str = "HXb5b62575e6e4ff6129ad7c8efe1f983e";
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
    let mut event: Value =
        serde_json::from_str(&event_text("agent-api.list-conversations")).unwrap();
    event["rawPath"] = path.into();
    event["routeKey"] = "$default".into();
    event["requestContext"]["http"]["method"] = method.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = agent.into();
    if let Some(body) = body {
        event["body"] = body.to_string().into();
        event["headers"]["content-type"] = "application/json".into();
    }
    if let Some(key) = key {
        event["headers"]["idempotency-key"] = key.into();
    }
    lambda_http::request::from_str(&event.to_string()).unwrap()
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

#[tokio::test]
async fn an_accepted_conversation_gets_the_agents_reply_through_twilio() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        let sid = new_sid();
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        let accepted = c.accept(&id, "alice").await;
        assert_eq!(accepted.status(), StatusCode::OK, "{name}");
        assert_eq!(body_json(&accepted)["state"], "active", "{name}");
        assert_eq!(body_json(&accepted)["assigned_agent"], "alice", "{name}");

        let response = c
            .reply(&id, "alice", json!({"body": "It ships today."}), None)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        let message = body_json(&response);
        assert_eq!(message["id"], sid.as_str(), "{name}");
        assert_eq!(message["status"], "queued", "{name}");
        assert_eq!(message["direction"], "outbound", "{name}");

        let forms = c.twilio_forms().await;
        assert_eq!(forms.len(), 1, "{name}");
        assert_eq!(field(&forms[0], "To"), Some(CUSTOMER), "{name}");
        assert_eq!(
            field(&forms[0], "From"),
            Some("whatsapp:+14155238886"),
            "{name}"
        );
        assert_eq!(field(&forms[0], "Body"), Some("It ships today."), "{name}");
        assert_eq!(
            field(&forms[0], "StatusCallback"),
            Some(c.webhook.config.status_url.as_str()),
            "{name}"
        );

        let transcript = c.transcript(&id).await;
        let messages = transcript["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2, "{name}: {transcript}");
        assert_eq!(messages[1]["id"], sid.as_str(), "{name}: {transcript:#}");
        assert_eq!(messages[1]["agent_id"], "alice", "{name}");
    }
}

#[tokio::test]
async fn a_customer_who_wrote_to_the_second_sender_gets_the_reply_from_the_second() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let second = "whatsapp:+14155238887";
        let status = c
            .webhook
            .text_to(&new_sid(), CUSTOMER, second, "Hello, second shop")
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        c.webhook.clock.advance(TimeDelta::seconds(1));
        let id = c.store.list_conversations(1).await.unwrap()[0].id.clone();
        assert_eq!(
            c.accept(&id, "alice").await.status(),
            StatusCode::OK,
            "{name}"
        );
        assert_eq!(
            body_json(&c.accept(&id, "alice").await)["business_number"],
            second,
            "{name}"
        );

        let reply = c.reply(&id, "alice", json!({"body": "Hi!"}), None).await;
        assert_eq!(reply.status(), StatusCode::CREATED, "{name}");
        let template = c
            .reply(
                &id,
                "alice",
                json!({"template": {"content_sid": TEMPLATE, "variables": {"1": "Zoë"}}}),
                None,
            )
            .await;
        assert_eq!(template.status(), StatusCode::CREATED, "{name}");
        let forms = c.twilio_forms().await;
        assert_eq!(forms.len(), 2, "{name}");
        for form in &forms {
            assert_eq!(field(form, "From"), Some(second), "{name}");
        }
    }
}

#[tokio::test]
async fn a_reply_one_second_before_24_hours_is_sent() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        // customer_writes left the clock 1 s after the message: now is 24 h − 1 s after it.
        c.webhook
            .clock
            .advance(TimeDelta::hours(24) - TimeDelta::seconds(2));
        let response = c
            .reply(&id, "alice", json!({"body": "Still here"}), None)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
    }
}

#[tokio::test]
async fn a_reply_one_second_after_24_hours_is_refused_and_nothing_reaches_twilio() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        // Now is 24 h + 1 s after the customer's message.
        c.webhook.clock.advance(TimeDelta::hours(24));
        for body in [
            json!({"body": "Sorry for the wait"}),
            json!({"media_url": "https://cdn.example.com/label.pdf"}),
        ] {
            let response = c.reply(&id, "alice", body, None).await;
            assert_eq!(response.status(), StatusCode::CONFLICT, "{name}");
            let error = body_json(&response);
            assert_eq!(error["error"], "window_expired", "{name}");
            assert_eq!(error["message"], WINDOW_TEXT, "{name}");
            assert_eq!(
                error["window_expired_at"], "2026-11-24T10:00:00.000Z",
                "{name}"
            );
        }
        assert!(
            c.twilio_forms().await.is_empty(),
            "{name}: Twilio was called"
        );
        assert_eq!(
            c.transcript(&id).await["messages"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_template_is_sent_after_the_window_closed() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        c.webhook.clock.advance(TimeDelta::days(3));
        let template =
            json!({"template": {"content_sid": TEMPLATE, "variables": {"1": "12/1", "2": "3pm"}}});
        let response = c.reply(&id, "alice", template, None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        assert_eq!(
            body_json(&response)["template"]["content_sid"],
            TEMPLATE,
            "{name}"
        );
        let forms = c.twilio_forms().await;
        assert_eq!(field(&forms[0], "ContentSid"), Some(TEMPLATE), "{name}");
        let variables: Value =
            serde_json::from_str(field(&forms[0], "ContentVariables").unwrap()).unwrap();
        assert_eq!(variables, json!({"1": "12/1", "2": "3pm"}), "{name}");
        assert_eq!(field(&forms[0], "Body"), None, "{name}");
    }
}

#[tokio::test]
async fn a_free_form_reply_is_refused_once_the_session_item_is_gone() {
    let dynamo = dynamo().await;
    let c = channel(dynamo.store.clone()).await;
    c.mount_created(&new_sid()).await;
    let id = c.customer_writes().await;
    c.accept(&id, "alice").await;
    c.webhook.clock.advance(TimeDelta::hours(30));
    // What DynamoDB's TTL eventually does.
    for item in dynamo.items().await {
        if item["sk"].as_s().is_ok_and(|sk| sk == "SESSION") {
            dynamo
                .client
                .delete_item()
                .table_name(dynamo.store.table())
                .key("pk", item["pk"].clone())
                .key("sk", item["sk"].clone())
                .send()
                .await
                .unwrap();
        }
    }
    let response = c.reply(&id, "alice", json!({"body": "hello?"}), None).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(&response)["message"], WINDOW_TEXT);
    assert!(c.twilio_forms().await.is_empty());
}

#[tokio::test]
async fn only_the_assigned_agent_may_reply_and_nobody_before_an_accept() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        let early = c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        assert_eq!(early.status(), StatusCode::CONFLICT, "{name}");
        assert_eq!(body_json(&early)["error"], "not_accepted", "{name}");
        c.accept(&id, "alice").await;
        let other = c.reply(&id, "bob", json!({"body": "hi"}), None).await;
        assert_eq!(other.status(), StatusCode::FORBIDDEN, "{name}");
        assert!(c.twilio_forms().await.is_empty(), "{name}");
        let missing = c
            .reply(
                &ConversationId::generate().to_string(),
                "alice",
                json!({"body": "hi"}),
                None,
            )
            .await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{name}");
    }
}

#[tokio::test]
async fn exactly_one_of_many_concurrent_accepts_wins() {
    for (name, store) in stores().await {
        let c = Arc::new(channel(store).await);
        let id = c.customer_writes().await;
        let mut tasks = tokio::task::JoinSet::new();
        for agent in ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"] {
            let (c, id) = (c.clone(), id.clone());
            tasks.spawn(async move { (agent, c.accept(&id, agent).await.status()) });
        }
        let mut winners = Vec::new();
        while let Some(result) = tasks.join_next().await {
            let (agent, status) = result.unwrap();
            match status {
                StatusCode::OK => winners.push(agent),
                StatusCode::CONFLICT => {}
                other => panic!("{name}: {agent} got {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "{name}: {winners:?}");
        assert_eq!(
            c.transcript(&id).await["assigned_agent"],
            winners[0],
            "{name}"
        );
        let again = c.accept(&id, winners[0]).await;
        assert_eq!(
            again.status(),
            StatusCode::OK,
            "{name}: an accept is safe to retry"
        );
    }
}

#[tokio::test]
async fn a_closed_conversation_keeps_its_transcript_and_takes_no_more_replies() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        assert_eq!(
            c.close(&id, "alice").await.status(),
            StatusCode::CONFLICT,
            "{name}: not accepted"
        );
        c.accept(&id, "alice").await;
        c.reply(&id, "alice", json!({"body": "Done!"}), None).await;
        assert_eq!(
            c.close(&id, "bob").await.status(),
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let closed = c.close(&id, "alice").await;
        assert_eq!(closed.status(), StatusCode::OK, "{name}");
        assert_eq!(body_json(&closed)["state"], "closed", "{name}");
        let transcript = c.transcript(&id).await;
        assert_eq!(
            transcript["messages"].as_array().unwrap().len(),
            2,
            "{name}"
        );
        let after = c
            .reply(&id, "alice", json!({"body": "one more"}), None)
            .await;
        assert_eq!(after.status(), StatusCode::CONFLICT, "{name}");
        assert_eq!(body_json(&after)["error"], "conversation_closed", "{name}");

        // The customer writing again is a new conversation request.
        c.webhook.clock.advance(TimeDelta::minutes(5));
        c.webhook.text(&new_sid(), CUSTOMER, "One more thing").await;
        let conversations = c.store.list_conversations(10).await.unwrap();
        assert_eq!(conversations.len(), 2, "{name}");
        assert_ne!(conversations[0].id, id, "{name}");
    }
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_first_result_with_one_twilio_call() {
    for (name, store) in stores().await {
        let c = Arc::new(channel(store).await);
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let (c, id) = (c.clone(), id.clone());
            tasks.spawn(async move {
                let response = c
                    .reply(&id, "alice", json!({"body": "Once"}), Some("key-1"))
                    .await;
                (response.status(), body_json(&response))
            });
        }
        let mut bodies = Vec::new();
        while let Some(result) = tasks.join_next().await {
            let (status, body) = result.unwrap();
            assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
            bodies.push(body);
        }
        assert!(bodies.iter().all(|b| *b == bodies[0]), "{name}");
        let again = c
            .reply(&id, "alice", json!({"body": "Once"}), Some("key-1"))
            .await;
        assert_eq!(body_json(&again), bodies[0], "{name}");
        assert_eq!(c.twilio_forms().await.len(), 1, "{name}: one Twilio call");

        let reused = c
            .reply(
                &id,
                "alice",
                json!({"body": "Something else"}),
                Some("key-1"),
            )
            .await;
        assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(
            body_json(&reused)["error"],
            "idempotency_key_reused",
            "{name}"
        );
        assert_eq!(
            c.transcript(&id).await["messages"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_retried_reply_after_the_conversation_closed_gets_the_first_answer() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let first = c
            .reply(&id, "alice", json!({"body": "Bye"}), Some("key-9"))
            .await;
        assert_eq!(first.status(), StatusCode::CREATED, "{name}");
        assert_eq!(
            c.close(&id, "alice").await.status(),
            StatusCode::OK,
            "{name}"
        );

        let retry = c
            .reply(&id, "alice", json!({"body": "Bye"}), Some("key-9"))
            .await;
        assert_eq!(retry.status(), StatusCode::CREATED, "{name}");
        assert_eq!(body_json(&retry), body_json(&first), "{name}");
        let fresh = c
            .reply(&id, "alice", json!({"body": "Bye"}), Some("key-10"))
            .await;
        assert_eq!(
            fresh.status(),
            StatusCode::CONFLICT,
            "{name}: a new reply is refused"
        );
        assert_eq!(c.twilio_forms().await.len(), 1, "{name}: one Twilio call");
    }
}

#[tokio::test]
async fn twilio_errors_reach_the_agent_with_twilios_code_and_are_recorded() {
    let cases = [
        (400, 21211, StatusCode::UNPROCESSABLE_ENTITY),
        (400, 21408, StatusCode::UNPROCESSABLE_ENTITY),
        (400, 21610, StatusCode::UNPROCESSABLE_ENTITY),
        (400, 21617, StatusCode::UNPROCESSABLE_ENTITY),
        (401, 20003, StatusCode::BAD_GATEWAY),
        (500, 20500, StatusCode::BAD_GATEWAY),
    ];
    for (http, code, expected) in cases {
        for (name, store) in stores().await {
            let c = channel(store).await;
            Mock::given(method("POST")).and(path(MESSAGES))
                .respond_with(ResponseTemplate::new(http).set_body_json(json!({
                    "code": code, "message": format!("Twilio says {code}"),
                    "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": http,
                })))
                .mount(&c.twilio).await;
            let id = c.customer_writes().await;
            c.accept(&id, "alice").await;
            let response = c
                .reply(&id, "alice", json!({"body": "hi"}), Some("k"))
                .await;
            assert_eq!(response.status(), expected, "{name} {code}");
            let error = body_json(&response);
            assert_eq!(error["error"], "twilio_rejected", "{name} {code}");
            assert_eq!(error["twilio_code"], code, "{name} {code}");
            assert_eq!(
                c.twilio_forms().await.len(),
                1,
                "{name} {code}: not retried"
            );
            let transcript = c.transcript(&id).await;
            let failed = &transcript["messages"][1];
            assert_eq!(failed["status"], "failed", "{name} {code}");
            assert_eq!(failed["error_code"], code.to_string(), "{name} {code}");
            // A retry with the key gets the same answer and does not call Twilio again.
            let retry = c
                .reply(&id, "alice", json!({"body": "hi"}), Some("k"))
                .await;
            assert_eq!(retry.status(), expected, "{name} {code}");
            assert_eq!(c.twilio_forms().await.len(), 1, "{name} {code}");
        }
    }
}

#[tokio::test]
async fn a_rate_limited_send_is_retried_and_sent_once() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        let sid = new_sid();
        Mock::given(method("POST"))
            .and(path(MESSAGES))
            .respond_with(ResponseTemplate::new(429).set_body_json(
                json!({"code": 20429, "message": "Too Many Requests", "status": 429}),
            ))
            .up_to_n_times(1)
            .mount(&c.twilio)
            .await;
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let response = c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        assert_eq!(body_json(&response)["id"], sid.as_str(), "{name}");
        assert_eq!(c.twilio_forms().await.len(), 2, "{name}");
        assert_eq!(
            c.transcript(&id).await["messages"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{name}"
        );
    }
}

#[tokio::test]
async fn status_callbacks_move_a_reply_forward_and_63016_tells_the_agent_a_template_is_needed() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        let sid = new_sid();
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        let callback = |status: &str, code: Option<&str>| {
            let mut form = params(&[
                ("MessageSid", &sid),
                ("MessageStatus", status),
                ("AccountSid", ACCOUNT),
            ]);
            if let Some(code) = code {
                form.push(("ErrorCode".into(), code.into()));
            }
            signed_request(&c.webhook.config, "/twilio/status", &form)
        };
        assert_eq!(
            c.webhook.call(callback("sent", None)).await.status(),
            StatusCode::NO_CONTENT,
            "{name}"
        );
        assert_eq!(
            c.transcript(&id).await["messages"][1]["status"],
            "sent",
            "{name}"
        );
        c.webhook.call(callback("failed", Some("63016"))).await;
        c.webhook.call(callback("delivered", None)).await;
        let message = &c.transcript(&id).await["messages"][1];
        assert_eq!(message["status"], "failed", "{name}");
        assert_eq!(message["error_code"], "63016", "{name}");
        assert!(
            message["error_message"]
                .as_str()
                .unwrap()
                .contains("24-hour window"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_status_that_arrives_before_the_reply_is_recorded_is_kept() {
    for (name, store) in stores().await {
        let c = channel(store.clone()).await;
        let sid = new_sid();
        c.mount_created(&sid).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        // Twilio calls back before send-reply has written the sid.
        let early = StatusCallback {
            message_sid: MessageSid::parse(&sid).unwrap(),
            status: MessageStatus::Delivered,
            error_code: None,
            error_message: None,
        };
        store
            .apply_status(&early, crate::helpers::t0())
            .await
            .unwrap();
        // A lower early status after it changes nothing.
        let lower = StatusCallback {
            status: MessageStatus::Sent,
            ..early.clone()
        };
        assert_eq!(
            store
                .apply_status(&lower, crate::helpers::t0())
                .await
                .unwrap(),
            whatsapp_channel::ports::StatusApplied::Ignored,
            "{name}"
        );
        assert!(
            store.message(&early.message_sid).await.unwrap().is_none(),
            "{name}"
        );
        c.reply(&id, "alice", json!({"body": "hi"}), None).await;
        assert_eq!(
            c.transcript(&id).await["messages"][1]["status"],
            "delivered",
            "{name}"
        );
    }
}

#[tokio::test]
async fn invalid_replies_are_refused_with_400_or_422_and_nothing_is_sent() {
    for (name, store) in stores().await {
        let c = channel(store).await;
        c.mount_created(&new_sid()).await;
        let id = c.customer_writes().await;
        c.accept(&id, "alice").await;
        let cases = [
            (json!("just a string"), StatusCode::BAD_REQUEST),
            (json!({"body": 12}), StatusCode::BAD_REQUEST),
            (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"body": "   "}), StatusCode::UNPROCESSABLE_ENTITY),
            (
                json!({"body": "x".repeat(1601)}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"media_url": "http://cdn.example.com/a.jpg"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"template": {"content_sid": "HX1"}}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (body, expected) in cases {
            let response = c.reply(&id, "alice", body.clone(), None).await;
            assert_eq!(response.status(), expected, "{name}: {body}");
            let error = body_json(&response);
            assert!(
                error["error"].is_string() && error["message"].is_string(),
                "{name}"
            );
        }
        assert!(c.twilio_forms().await.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn a_reply_costs_four_dynamodb_requests() {
    let dynamo = dynamo().await;
    let c = channel(dynamo.store.clone()).await;
    c.mount_created(&new_sid()).await;
    let id = c.customer_writes().await;
    c.accept(&id, "alice").await;
    dynamo.requests.take();
    let response = c
        .reply(&id, "alice", json!({"body": "hi"}), Some("k"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        dynamo.requests.take(),
        [
            "GetItem",
            "BatchGetItem",
            "TransactWriteItems",
            "TransactWriteItems"
        ]
    );
}
