//! `GET /conversations/{id}/export` through agent-api's handler over the in-memory store: who
//! may export, the JSON download and the printable page that shows a customer's markup as text.

use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use chrono::TimeDelta;
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request, Response};
use whatsapp_channel::adapters::{InMemoryChannelStore, InMemoryMediaStore, ManualClock};
use whatsapp_channel::app::agents::close_conversation;
use whatsapp_channel::app::desk::notes::add_note;
use whatsapp_channel::app::outcomes::record_outcome;
use whatsapp_channel::app::outcomes::records::link;
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::outcomes::RecordRef;
use whatsapp_channel::domain::{AgentId, ConversationId, InboundMessage};
use whatsapp_channel::ports::{
    Clock, ConversationStore, Disposition, FetchError, MediaFetcher, MediaFile, MessageRecord,
    OutcomeStore, SessionStore,
};
use whatsapp_channel::testing::{body_json, body_text, event_text, inbound_params, new_sid, t0};

const CUSTOMER: &str = "whatsapp:+447700900123";
const SCRIPT_NAME: &str = "<script>alert(1)</script>";
const WORDS: &str = "My card <b>4242</b> & my \"refund\"";
const HOST: &str = "abc123defg.execute-api.eu-west-1.amazonaws.com";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    clock: Arc<ManualClock>,
    api: AgentApi,
}

fn harness() -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = Arc::new(ManualClock::at(t0()));
    let api = AgentApi::new(store.clone(), clock.clone());
    Harness { store, clock, api }
}

/// No attachment is fetched from Twilio here.
struct NoTwilio;

#[async_trait::async_trait]
impl MediaFetcher for NoTwilio {
    async fn fetch(&self, _: &str) -> Result<MediaFile, FetchError> {
        Err(FetchError::NotTwilio)
    }
}

/// The harness with a media store (the bucket's in-memory twin).
fn harness_with_media() -> (Harness, Arc<InMemoryMediaStore>) {
    let mut h = harness();
    let media = Arc::new(InMemoryMediaStore::new());
    h.api = AgentApi::new(h.store.clone(), h.clock.clone()).with_media(
        media.clone(),
        Arc::new(NoTwilio),
        "https://public.example",
    );
    (h, media)
}

impl Harness {
    async fn call(&self, request: Request) -> Response<Body> {
        function_handler(&self.api, request).await.unwrap()
    }

    /// A conversation from a customer who calls themself `<script>…`, with an attachment,
    /// accepted by agent-alice, with a note; closed and wrapped up when `wrapped_up`.
    async fn conversation(&self, wrapped_up: bool) -> String {
        let mut params = inbound_params(&new_sid(), CUSTOMER, WORDS);
        for (name, value) in &mut params {
            match name.as_str() {
                "ProfileName" => *value = SCRIPT_NAME.to_owned(),
                "NumMedia" => *value = "1".to_owned(),
                _ => {}
            }
        }
        params.push((
            "MediaUrl0".into(),
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1".into(),
        ));
        params.push(("MediaContentType0".into(), "image/jpeg".into()));
        let message = InboundMessage::from_params(params).unwrap();
        let store = self.store.as_ref();
        let clock = self.clock.as_ref();
        let id = receive_inbound(store, clock, &message)
            .await
            .unwrap()
            .conversation_id;
        let alice = AgentId::parse("agent-alice").unwrap();
        store
            .accept(&id, alice.as_str(), true, clock.now())
            .await
            .unwrap();
        self.clock.advance(TimeDelta::seconds(30));
        add_note(
            store,
            clock,
            &id,
            &alice,
            "Customer <i>verified</i> by phone".into(),
            None,
        )
        .await
        .unwrap();
        self.clock.advance(TimeDelta::seconds(30));
        self.outbound(&id).await;
        if wrapped_up {
            self.wrap_up(&id, &alice).await;
        }
        id.as_str().to_owned()
    }

    /// agent-alice's template, which Twilio could not deliver; built from JSON so that the
    /// record's later fields keep their defaults.
    async fn outbound(&self, id: &ConversationId) {
        let record: MessageRecord = serde_json::from_value(serde_json::json!({
            "id": new_sid(),
            "conversation_id": id.as_str(),
            "direction": "outbound",
            "status": "failed",
            "error_code": "63016",
            "created_at": self.clock.now().timestamp_millis(),
            "agent_id": "agent-alice",
            "template": {
                "content_sid": "HX0123456789abcdef0123456789abcdef",
                "variables": {"1": "12/1"},
                "name": "order_update",
                "text": "Your order <img src=x onerror=alert(1)> ships 12/1",
            },
        }))
        .unwrap();
        self.store.put_message(&record).await.unwrap();
    }

    async fn wrap_up(&self, id: &ConversationId, alice: &AgentId) {
        let store = self.store.as_ref();
        let clock = self.clock.as_ref();
        self.clock.advance(TimeDelta::seconds(30));
        close_conversation(store, clock, id, alice).await.unwrap();
        store
            .put_disposition(&Disposition {
                code: "refunded".into(),
                label: "Refund issued".into(),
                updated_by: "admin-ann".into(),
                updated_at: clock.now(),
            })
            .await
            .unwrap();
        let outcome =
            br#"{"disposition": "refunded", "summary": "Refunded <twice>", "tags": ["refund"]}"#;
        record_outcome(store, clock, id, alice.as_str(), false, outcome)
            .await
            .unwrap()
            .unwrap();
        let record =
            RecordRef::parse("crm", "CASE-42", Some("https://crm.example.com/cases/42")).unwrap();
        link(store, id, record, alice.as_str(), clock.now())
            .await
            .unwrap()
            .unwrap();
    }
}

impl Harness {
    /// Six long texts of about a megabyte each: the conversation's export passes 5 MiB.
    async fn grow(&self, id: &str) {
        let parsed = ConversationId::parse(id).unwrap();
        for _ in 0..6 {
            self.clock.advance(TimeDelta::seconds(1));
            let record: MessageRecord = serde_json::from_value(serde_json::json!({
                "id": new_sid(),
                "conversation_id": parsed.as_str(),
                "direction": "outbound",
                "status": "delivered",
                "created_at": self.clock.now().timestamp_millis(),
                "agent_id": "agent-alice",
                "body": "word ".repeat(200_000),
            }))
            .unwrap();
            self.store.put_message(&record).await.unwrap();
        }
    }
}

/// `GET /media/{key}`: a link's public address, as a browser follows it (no identity).
fn public_get(key: &str) -> Request {
    let mut event: serde_json::Value =
        serde_json::from_str(&event_text("agent-api.get-conversation")).unwrap();
    let path = format!("/media/{key}");
    let route = "GET /media/{key+}";
    event["rawPath"] = path.clone().into();
    event["routeKey"] = route.into();
    event["requestContext"]["routeKey"] = route.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["pathParameters"] = serde_json::json!({ "key": key });
    if let Some(context) = event["requestContext"].as_object_mut() {
        context.remove("authorizer");
    }
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

/// `GET /conversations/{id}/export[?format=…]` as `agent`, in `groups` when given.
fn export(id: &str, agent: &str, groups: Option<&str>, format: Option<&str>) -> Request {
    let mut event: serde_json::Value =
        serde_json::from_str(&event_text("agent-api.get-conversation")).unwrap();
    let path = format!("/conversations/{id}/export");
    let route = "GET /conversations/{conversationId}/export";
    event["rawPath"] = path.clone().into();
    event["routeKey"] = route.into();
    event["requestContext"]["routeKey"] = route.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["pathParameters"]["conversationId"] = id.into();
    if let Some(format) = format {
        event["rawQueryString"] = format!("format={format}").into();
        event["queryStringParameters"] = serde_json::json!({ "format": format });
    }
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["sub"] = agent.into();
    if let Some(groups) = groups {
        claims["cognito:groups"] = groups.into();
    }
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn header_of(response: &Response<Body>, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_assigned_agent_prints_a_page_with_messages_notes_and_outcome_and_markup_as_text() {
    let h = harness();
    let id = h.conversation(true).await;
    let response = h.call(export(&id, "agent-alice", None, Some("html"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(
        header_of(&response, header::CONTENT_SECURITY_POLICY),
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
    );
    assert_eq!(
        header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        "private, no-store"
    );
    let page = body_text(&response);
    for expected in [
        "<html lang=\"en\">",
        "<meta charset=\"utf-8\">",
        "@media print",
        "<title>Conversation with &lt;script&gt;alert(1)&lt;/script&gt;</title>",
        "My card &lt;b&gt;4242&lt;/b&gt; &amp; my &quot;refund&quot;",
        "Customer &lt;i&gt;verified&lt;/i&gt; by phone",
        "Refund issued (refunded)",
        "Refunded &lt;twice&gt;",
        "refund",
        "<a href=\"https://crm.example.com/cases/42\">crm: CASE-42</a>",
        &format!("<a href=\"https://{HOST}/conversations/{id}/messages/"),
        "Attachment 1 (image/jpeg)",
        "agent-alice",
        "+447700900123",
        "Agent agent-alice",
        "Your order &lt;img src=x onerror=alert(1)&gt; ships 12/1",
        "Template order_update",
        "(error 63016)",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    // Only the page's own elements: no script, nothing the customer or an agent wrote, and
    // nothing loaded from elsewhere.
    let elements = [
        "!DOCTYPE",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "h1",
        "h2",
        "dl",
        "dt",
        "dd",
        "main",
        "ol",
        "ul",
        "li",
        "p",
        "strong",
        "time",
        "a",
        "blockquote",
    ];
    for tag in page.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(elements.contains(&name.as_str()), "<{name} in {page}");
    }
    assert!(!page.contains("@import") && !page.contains("url("));
    // The transcript is in time order: the message, then the note.
    let message = page.find("My card").unwrap();
    let note = page.find("Internal note").unwrap();
    let reply = page.find("Your order").unwrap();
    assert!(message < note && note < reply);
}

#[tokio::test]
async fn another_agent_is_refused_with_403_not_assigned() {
    let h = harness();
    let id = h.conversation(false).await;
    for format in [None, Some("html")] {
        let response = h.call(export(&id, "agent-bob", None, format)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(body_json(&response)["error"], "not_assigned");
    }
}

#[tokio::test]
async fn an_administrator_exports_a_conversation_assigned_to_someone_else() {
    let h = harness();
    let id = h.conversation(false).await;
    let response = h
        .call(export(&id, "admin-ann", Some("[admins]"), Some("json")))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_json(&response)["id"], id.as_str());
}

#[tokio::test]
async fn the_json_download_holds_the_messages_notes_outcome_and_absolute_attachment_links() {
    let h = harness();
    let id = h.conversation(true).await;
    let response = h.call(export(&id, "agent-alice", None, None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "application/json"
    );
    assert_eq!(
        header_of(&response, header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"conversation-{id}.json\"")
    );
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        "private, no-store"
    );
    let body = body_json(&response);
    assert_eq!(body["format_version"], 1);
    assert_eq!(body["exported_at"], "2026-11-23T10:01:30.000Z");
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["customer"]["display_name"], SCRIPT_NAME);
    let message = &body["messages"][0];
    assert_eq!(message["body"], WORDS);
    assert_eq!(message["status"], "received");
    assert_eq!(body["messages"][1]["status"], "failed");
    let url = message["media"][0]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("https://{HOST}/conversations/{id}/messages/")),
        "{url}"
    );
    assert_eq!(
        body["notes"][0]["body"],
        "Customer <i>verified</i> by phone"
    );
    assert_eq!(body["outcome"]["label"], "Refund issued");
    assert_eq!(body["tags"], serde_json::json!(["refund"]));
    assert_eq!(body["records"][0]["id"], "CASE-42");
}

#[tokio::test]
async fn another_format_is_400_and_an_unknown_conversation_404() {
    let h = harness();
    let id = h.conversation(false).await;
    let pdf = h.call(export(&id, "agent-alice", None, Some("pdf"))).await;
    assert_eq!(pdf.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&pdf)["error"], "invalid_format");
    let unknown = h
        .call(export(
            "01a20a57-f1b0-7342-9a4c-552c53ee9bf3",
            "agent-alice",
            None,
            None,
        ))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(&unknown)["error"], "not_found");
}

#[tokio::test]
async fn an_export_over_what_a_response_may_carry_is_a_clear_422_not_a_gateway_error() {
    let h = harness();
    let id = h.conversation(false).await;
    h.grow(&id).await;
    for format in [Some("json"), Some("html")] {
        let response = h.call(export(&id, "agent-alice", None, format)).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{format:?}"
        );
        let body = body_json(&response);
        assert_eq!(body["error"], "export_too_large");
        assert!(body["message"].as_str().unwrap().contains("MB"), "{body}");
    }
}

#[tokio::test]
async fn an_export_over_what_a_response_may_carry_is_stored_and_answered_with_a_303_to_all_of_it() {
    let (h, media) = harness_with_media();
    let id = h.conversation(false).await;
    h.grow(&id).await;
    for (format, content_type) in [("json", "application/json"), ("html", "text/html")] {
        let response = h.call(export(&id, "agent-alice", None, Some(format))).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{format}");
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            "private, no-store"
        );
        let location = header_of(&response, header::LOCATION).to_owned();
        let body = body_json(&response);
        assert_eq!(body["url"], location.as_str(), "{body}");
        let expires = h.clock.now() + TimeDelta::minutes(5);
        assert_eq!(
            body["expires_at"],
            expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        let key = location
            .strip_prefix(&format!("https://{HOST}/media/"))
            .unwrap_or_else(|| panic!("{location}"));
        assert!(key.starts_with(&format!("exports/{id}/")), "{key}");
        assert!(key.ends_with(&format!(".{format}")), "{key}");

        // Followed, the link gives the whole export, as large as the body said.
        let fetched = h.call(public_get(key)).await;
        assert_eq!(fetched.status(), StatusCode::OK, "{format}");
        assert!(header_of(&fetched, header::CONTENT_TYPE).starts_with(content_type));
        let bytes = match fetched.body() {
            Body::Binary(bytes) => bytes.clone(),
            Body::Text(text) => text.clone().into_bytes(),
            Body::Empty => Vec::new(),
            _ => unreachable!(),
        };
        assert_eq!(
            Some(bytes.len()),
            body["bytes"].as_u64().map(|b| b as usize)
        );
        assert!(bytes.len() > 5 * 1024 * 1024, "{}", bytes.len());
        assert_eq!(media.get(key).unwrap().bytes, bytes);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text.matches(&"word ".repeat(200_000)).count(),
            6,
            "{format}"
        );
        if format == "json" {
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(json["id"], id.as_str());
            assert_eq!(json["messages"].as_array().map(Vec::len), Some(8));
        } else {
            assert!(text.trim_end().ends_with("</html>"), "{format}");
        }
    }
}

#[tokio::test]
async fn a_stored_exports_link_is_refused_once_it_has_expired_and_for_any_other_key() {
    let (h, _media) = harness_with_media();
    let id = h.conversation(false).await;
    h.grow(&id).await;
    let response = h.call(export(&id, "agent-alice", None, None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = header_of(&response, header::LOCATION).to_owned();
    let key = location
        .strip_prefix(&format!("https://{HOST}/media/"))
        .unwrap()
        .to_owned();
    h.clock.advance(TimeDelta::seconds(299));
    assert_eq!(h.call(public_get(&key)).await.status(), StatusCode::OK);
    for other in [
        key.replace(".json", ".html"),
        key.replace(&id, "0196a0c8-8f2e-7b1a-9c3d-1e2f3a4b5c6d"),
    ] {
        assert_eq!(
            h.call(public_get(&other)).await.status(),
            StatusCode::NOT_FOUND,
            "{other}"
        );
    }
    h.clock.advance(TimeDelta::seconds(1));
    assert_eq!(
        h.call(public_get(&key)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_small_export_with_a_media_store_is_still_answered_in_the_response() {
    let (h, _media) = harness_with_media();
    let id = h.conversation(false).await;
    let response = h.call(export(&id, "agent-alice", None, Some("json"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_json(&response)["id"], id.as_str());
}

/// `GET /audit` as an administrator.
fn audit() -> Request {
    let mut event: serde_json::Value =
        serde_json::from_str(&event_text("agent-api.get-conversation")).unwrap();
    let route = "GET /audit";
    event["rawPath"] = "/audit".into();
    event["routeKey"] = route.into();
    event["requestContext"]["routeKey"] = route.into();
    event["requestContext"]["http"]["path"] = "/audit".into();
    event["pathParameters"] = serde_json::json!({});
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["sub"] = "admin-ann".into();
    claims["cognito:groups"] = "[admins]".into();
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[tokio::test]
async fn an_export_small_in_bytes_but_over_the_limit_once_escaped_for_the_response_is_stored() {
    // 1.5 million backslashes: about 3 MB of JSON, twice that escaped into Lambda's envelope.
    let (h, media) = harness_with_media();
    let without = harness();
    for h in [&h, &without] {
        let id = h.conversation(false).await;
        let record: MessageRecord = serde_json::from_value(serde_json::json!({
            "id": new_sid(),
            "conversation_id": id,
            "direction": "outbound",
            "status": "delivered",
            "created_at": h.clock.now().timestamp_millis(),
            "agent_id": "agent-alice",
            "body": "\\".repeat(1_500_000),
        }))
        .unwrap();
        h.store.put_message(&record).await.unwrap();
        let response = h.call(export(&id, "agent-alice", None, None)).await;
        if std::ptr::eq(h, &without) {
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            continue;
        }
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let bytes = body_json(&response)["bytes"].as_u64().unwrap();
        assert!(bytes < 5 * 1024 * 1024, "{bytes}");
        let location = header_of(&response, header::LOCATION).to_owned();
        let key = location
            .strip_prefix(&format!("https://{HOST}/media/"))
            .unwrap();
        assert_eq!(media.get(key).unwrap().bytes.len() as u64, bytes);
        // The export is audited like one answered in the response.
        let entries = body_json(&h.call(audit()).await)["entries"].clone();
        let exported = entries
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "conversation.export")
            .unwrap_or_else(|| panic!("{entries}"));
        assert_eq!(exported["target"]["id"], id.as_str());
        assert_eq!(exported["detail"]["format"], "json");
    }
}

#[tokio::test]
async fn a_customers_export_too_large_for_a_response_is_stored_under_their_audit_pseudonym() {
    let (h, media) = harness_with_media();
    let id = h.conversation(false).await;
    h.grow(&id).await;
    let mut event: serde_json::Value =
        serde_json::from_str(&event_text("agent-api.export-customer")).unwrap();
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    claims["sub"] = "admin-ann".into();
    claims["cognito:groups"] = "[admins]".into();
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = h.call(request).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = header_of(&response, header::LOCATION).to_owned();
    let key = location
        .strip_prefix(&format!("https://{HOST}/media/"))
        .unwrap();
    assert!(!key.contains("447700900123"), "{key}");
    let entries = body_json(&h.call(audit()).await)["entries"].clone();
    let exported = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "customer.export")
        .unwrap_or_else(|| panic!("{entries}"));
    let pseudonym = exported["target"]["id"].as_str().unwrap();
    assert!(
        key.starts_with(&format!("exports/customers/{pseudonym}/")),
        "{key}"
    );
    let file = media.get(key).unwrap();
    assert_eq!(file.content_type, "application/json");
    let data: serde_json::Value = serde_json::from_slice(&file.bytes).unwrap();
    assert_eq!(data["customer"], CUSTOMER);
    assert_eq!(
        data["conversations"][0]["messages"]
            .as_array()
            .map(Vec::len),
        Some(8)
    );
    let fetched = h.call(public_get(key)).await;
    assert_eq!(fetched.status(), StatusCode::OK);
}
