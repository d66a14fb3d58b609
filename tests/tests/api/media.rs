//! Media end to end: moto's S3 (started by `cargo xtask test`) as the media bucket, and three
//! wiremock servers, each recording what it received: Twilio's API origin, the CDN Twilio
//! redirects to, and another origin.

use std::sync::Arc;

use agent_api::AgentApi;
use base64::Engine;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use send_reply::SendReply;
use serde_json::json;
use whatsapp_channel::adapters::{
    InMemoryChannelStore, S3MediaStore, TwilioConfig, TwilioMediaFetcher, TwilioReplySender,
};
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::MAX_UPLOAD_BYTES;
use whatsapp_channel::ports::{ChannelStore, Clock};
use whatsapp_channel::testing::{inbound_params, signed_request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::agent::{agent_event, request};
use crate::helpers::{Webhook, body_json};

const CUSTOMER: &str = "whatsapp:+447700900123";
const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MESSAGES: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json";
/// Not a real JPEG: the bytes only have to arrive unchanged.
const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 a customer's photo \x00\x01\x02\xff\xd9";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n an agent's label \x00\xff";
/// The API's public URL, under which an upload's address is given.
const PUBLIC_URL: &str = "https://abc123defg.execute-api.eu-west-1.amazonaws.com";

/// moto server's S3. Tests that need it fail without it, in CI and out.
fn s3_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_S3").unwrap_or_else(|_| {
        panic!(
            "moto server (the S3 emulator) is not running: AWS_ENDPOINT_URL_S3 is unset. Run \
             `cargo xtask test`, or `cargo xtask emulators` and source \
             target/xtask/emulators.env (CI={})",
            std::env::var("CI").unwrap_or_default()
        )
    })
}

/// A fresh bucket on moto, and a client addressing it as the functions do.
pub(crate) async fn bucket() -> (aws_sdk_s3::Client, String) {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(s3_endpoint())
        .load()
        .await;
    let client = S3MediaStore::client(&sdk);
    let name = format!("media-{}", uuid::Uuid::now_v7().simple());
    client
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("create the bucket on moto");
    (client, name)
}

/// The channel with media: agent-api and send-reply over one store, the bucket on moto.
struct Channel {
    store: Arc<dyn ChannelStore>,
    webhook: Webhook,
    agents: AgentApi,
    replies: SendReply,
    twilio: MockServer,
    cdn: MockServer,
    other: MockServer,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

async fn channel() -> Channel {
    let store: Arc<dyn ChannelStore> = Arc::new(InMemoryChannelStore::new());
    let (twilio, cdn, other) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let webhook = Webhook::new(store.clone());
    let config = TwilioConfig {
        api_base_url: twilio.uri(),
        account_sid: ACCOUNT.into(),
        auth_token: webhook.config.auth_token.clone(),
    };
    let (s3, bucket) = bucket().await;
    let agents = AgentApi::new(store.clone(), webhook.clock.clone()).with_media(
        Arc::new(S3MediaStore::new(s3.clone(), bucket.clone())),
        Arc::new(TwilioMediaFetcher::new(&config).unwrap()),
        PUBLIC_URL,
    );
    let replies = SendReply::new(
        store.clone(),
        Arc::new(TwilioReplySender::new(config).unwrap()),
        webhook.clock.clone(),
        ReplySettings {
            status_callback: webhook.config.status_url.clone(),
        },
    );
    Channel {
        store,
        webhook,
        agents,
        replies,
        twilio,
        cdn,
        other,
        s3,
        bucket,
    }
}

/// An agent-route request shaped like the events, as `agent`, with a raw body of a type.
fn agent_request(
    method: &str,
    path: &str,
    agent: &str,
    body: Option<(&str, &[u8])>,
    accept: Option<&str>,
) -> Request {
    let mut event = agent_event(method, path, Some(agent));
    if let Some((content_type, bytes)) = body {
        event["body"] = base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .into();
        event["isBase64Encoded"] = true.into();
        event["headers"]["content-type"] = content_type.into();
    }
    if let Some(accept) = accept {
        event["headers"]["accept"] = accept.into();
    }
    request(&event)
}

/// A request without any agent identity (no authorizer claims), as Twilio's would be.
fn anonymous_request(method: &str, path: &str) -> Request {
    request(&agent_event(method, path, None))
}

fn media_path(sid: &str) -> String {
    format!(
        "/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}/Media/ME0123456789abcdef0123456789abcdef"
    )
}

fn location(response: &Response<Body>) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Channel {
    /// A customer's image whose `MediaUrl0` is `media_url`; returns (conversation, MessageSid).
    async fn customer_sends_image(&self, sid: &str, media_url: &str) -> String {
        let mut params = inbound_params(sid, CUSTOMER, "");
        params.retain(|(name, _)| name != "NumMedia" && name != "MessageType");
        for (name, value) in [
            ("NumMedia", "1"),
            ("MessageType", "image"),
            ("MediaUrl0", media_url),
            ("MediaContentType0", "image/jpeg"),
        ] {
            params.push((name.into(), value.into()));
        }
        let request = signed_request(&self.webhook.config, "/twilio/inbound", &params);
        assert_eq!(self.webhook.call(request).await.status(), StatusCode::OK);
        self.store.list_conversations(1).await.unwrap()[0]
            .id
            .clone()
    }

    /// Twilio answers its media URL with a redirect to the CDN, which serves the photo.
    async fn twilio_serves(&self, sid: &str) {
        Mock::given(method("GET"))
            .and(path(media_path(sid)))
            .respond_with(ResponseTemplate::new(307).insert_header(
                "location",
                format!("{}/v1/photo.jpg?Expires=1&Signature=cdn", self.cdn.uri()),
            ))
            .mount(&self.twilio)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/photo.jpg"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(PHOTO, "image/jpeg"))
            .mount(&self.cdn)
            .await;
    }

    async fn agent(&self, request: Request) -> Response<Body> {
        agent_api::function_handler(&self.agents, request)
            .await
            .unwrap()
    }

    async fn open(
        &self,
        id: &str,
        sid: &str,
        index: usize,
        accept: Option<&str>,
    ) -> Response<Body> {
        let route = format!("/conversations/{id}/messages/{sid}/media/{index}");
        self.agent(agent_request("GET", &route, "alice", None, accept))
            .await
    }

    async fn upload(
        &self,
        id: &str,
        agent: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Response<Body> {
        let route = format!("/conversations/{id}/media");
        self.agent(agent_request(
            "POST",
            &route,
            agent,
            Some((content_type, bytes)),
            None,
        ))
        .await
    }

    async fn uploads_in_bucket(&self) -> usize {
        self.s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix("uploads/")
            .send()
            .await
            .unwrap()
            .key_count
            .unwrap_or_default()
            .try_into()
            .unwrap()
    }
}

fn new_media_sid() -> String {
    format!("MM{}", uuid::Uuid::now_v7().simple())
}

fn basic(account: &str, token: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{account}:{token}"))
    )
}

fn authorization(request: &wiremock::Request) -> Option<String> {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn an_inbound_image_opens_through_the_media_route_with_credentials_for_twilios_origin_only() {
    let c = channel().await;
    let sid = new_media_sid();
    c.twilio_serves(&sid).await;
    let id = c
        .customer_sends_image(&sid, &format!("{}{}", c.twilio.uri(), media_path(&sid)))
        .await;

    // The transcript points at our route, not at Twilio.
    let transcript = body_json(
        &c.agent(agent_request(
            "GET",
            &format!("/conversations/{id}"),
            "alice",
            None,
            None,
        ))
        .await,
    );
    let route = format!("/conversations/{id}/messages/{sid}/media/0");
    assert_eq!(transcript["messages"][0]["media"][0]["url"], route.as_str());
    assert_eq!(
        transcript["messages"][0]["media"][0]["content_type"],
        "image/jpeg"
    );

    let opened = c.open(&id, &sid, 0, None).await;
    assert_eq!(
        opened.status(),
        StatusCode::FOUND,
        "{:?}",
        body_json(&opened)
    );
    let copy = reqwest::get(location(&opened)).await.unwrap();
    assert_eq!(copy.status().as_u16(), 200);
    assert_eq!(copy.headers()["content-type"], "image/jpeg");
    assert_eq!(copy.bytes().await.unwrap().as_ref(), PHOTO);

    let to_twilio = c.twilio.received_requests().await.unwrap();
    assert_eq!(to_twilio.len(), 1);
    assert_eq!(
        authorization(&to_twilio[0]).as_deref(),
        Some(basic(ACCOUNT, &c.webhook.config.auth_token).as_str()),
        "Twilio's origin gets the account's Basic credentials"
    );
    let to_cdn = c.cdn.received_requests().await.unwrap();
    assert_eq!(to_cdn.len(), 1);
    assert_eq!(
        authorization(&to_cdn[0]),
        None,
        "the CDN gets no credentials"
    );

    // Later views use the copy: Twilio is asked once. The console asks for the address as JSON.
    let again = c.open(&id, &sid, 0, Some("application/json")).await;
    assert_eq!(again.status(), StatusCode::OK);
    let url = body_json(&again)["url"].as_str().unwrap().to_owned();
    assert_eq!(
        reqwest::get(url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        PHOTO
    );
    assert_eq!(c.twilio.received_requests().await.unwrap().len(), 1);
    assert_eq!(c.cdn.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_media_url_on_another_origin_is_refused_and_that_origin_gets_no_request() {
    let c = channel().await;
    let sid = new_media_sid();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(PHOTO, "image/jpeg"))
        .mount(&c.other)
        .await;
    let id = c
        .customer_sends_image(&sid, &format!("{}{}", c.other.uri(), media_path(&sid)))
        .await;

    let refused = c.open(&id, &sid, 0, None).await;
    assert_eq!(refused.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(body_json(&refused)["error"], "media_url_not_twilio");
    assert!(c.other.received_requests().await.unwrap().is_empty());
    assert!(c.twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_attachments_are_404_and_twilio_refusing_the_file_is_502() {
    let c = channel().await;
    let sid = new_media_sid();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"code": 20404})))
        .mount(&c.twilio)
        .await;
    let id = c
        .customer_sends_image(&sid, &format!("{}{}", c.twilio.uri(), media_path(&sid)))
        .await;

    for (message, index) in [
        (sid.as_str(), 1),
        ("MM0123456789abcdef0123456789abcdef", 0),
        ("x", 0),
    ] {
        let missing = c.open(&id, message, index, None).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{message} {index}");
        assert_eq!(body_json(&missing)["error"], "not_found");
    }
    let other_conversation = c
        .open("01a20a57-f1b0-7342-9a4c-552c53ee9bf3", &sid, 0, None)
        .await;
    assert_eq!(other_conversation.status(), StatusCode::NOT_FOUND);

    let refused = c.open(&id, &sid, 0, None).await;
    assert_eq!(refused.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(body_json(&refused)["error"], "twilio_media_refused");
    assert_eq!(body_json(&refused)["twilio_status"], 404);
}

#[tokio::test]
async fn an_agents_upload_goes_out_as_media_url_and_is_fetchable_without_credentials() {
    let c = channel().await;
    let id = c
        .customer_sends_image(&new_media_sid(), "https://api.twilio.com/unused")
        .await;
    let accept = agent_request(
        "POST",
        &format!("/conversations/{id}/accept"),
        "alice",
        None,
        None,
    );
    assert_eq!(c.agent(accept).await.status(), StatusCode::OK);

    // Only the assigned agent attaches.
    assert_eq!(
        c.upload(&id, "bob", "image/png", PNG).await.status(),
        StatusCode::FORBIDDEN
    );
    let uploaded = c.upload(&id, "alice", "image/png", PNG).await;
    assert_eq!(
        uploaded.status(),
        StatusCode::CREATED,
        "{:?}",
        body_json(&uploaded)
    );
    let media_url = body_json(&uploaded)["media_url"]
        .as_str()
        .unwrap()
        .to_owned();

    // What Twilio will do: HEAD, then GET, with no credentials of any kind.
    let address = media_url
        .strip_prefix(&format!("{PUBLIC_URL}/media/uploads/{id}/"))
        .map(|name| format!("/media/uploads/{id}/{name}"))
        .unwrap_or_else(|| panic!("{media_url}"));
    let head = c.agent(anonymous_request("HEAD", &address)).await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-type"], "image/png");
    assert_eq!(
        head.headers()["content-length"],
        PNG.len().to_string().as_str()
    );
    let fetched = c.agent(anonymous_request("GET", &address)).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.headers()["content-type"], "image/png");
    assert!(matches!(fetched.body(), Body::Binary(bytes) if bytes == PNG));
    // The copy is in the bucket on moto, as stored.
    let key = address.trim_start_matches("/media/");
    let object =
        c.s3.get_object()
            .bucket(&c.bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    assert_eq!(object.content_type.as_deref(), Some("image/png"));
    // A customer's media never opens at such an address.
    let inbound = c
        .agent(anonymous_request(
            "GET",
            &format!("/media/inbound/{id}/x/0"),
        ))
        .await;
    assert_eq!(inbound.status(), StatusCode::NOT_FOUND);

    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "sid": "MM0123456789abcdef0123456789abcdef", "status": "queued",
        })))
        .mount(&c.twilio)
        .await;
    let reply = agent_request(
        "POST",
        &format!("/conversations/{id}/messages"),
        "alice",
        Some((
            "application/json",
            json!({"media_url": media_url, "body": "Your label"})
                .to_string()
                .as_bytes(),
        )),
        None,
    );
    let sent = send_reply::function_handler(&c.replies, reply)
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED, "{:?}", body_json(&sent));
    let forms: Vec<Vec<(String, String)>> = c
        .twilio
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == MESSAGES)
        .map(|r| whatsapp_channel::form::decode_lenient(&r.body))
        .collect();
    assert_eq!(forms.len(), 1);
    let field = |name: &str| {
        forms[0]
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("MediaUrl").as_deref(), Some(media_url.as_str()));
    assert_eq!(field("Body").as_deref(), Some("Your label"));

    // Six hours after the upload, the address answers no more.
    let since_upload = chrono::Utc::now() - c.webhook.clock.now();
    c.webhook
        .clock
        .advance(since_upload + chrono::TimeDelta::hours(6));
    let expired = c.agent(anonymous_request("GET", &address)).await;
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_executable_gets_415_and_a_file_over_the_limit_413_and_nothing_is_stored() {
    let c = channel().await;
    let id = c
        .customer_sends_image(&new_media_sid(), "https://api.twilio.com/unused")
        .await;
    let accept = agent_request(
        "POST",
        &format!("/conversations/{id}/accept"),
        "alice",
        None,
        None,
    );
    assert_eq!(c.agent(accept).await.status(), StatusCode::OK);

    for content_type in [
        "application/x-msdownload",
        "application/octet-stream",
        "application/x-sh",
        "text/html",
    ] {
        let refused = c.upload(&id, "alice", content_type, b"MZ\x90\x00").await;
        assert_eq!(
            refused.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert_eq!(body_json(&refused)["error"], "unsupported_media_type");
    }
    let too_large = vec![0u8; MAX_UPLOAD_BYTES + 1];
    let refused = c.upload(&id, "alice", "application/pdf", &too_large).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_json(&refused)["error"], "media_too_large");
    assert_eq!(c.uploads_in_bucket().await, 0);

    let unknown = c
        .upload(
            "01a20a57-f1b0-7342-9a4c-552c53ee9bf3",
            "alice",
            "image/png",
            PNG,
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_export_too_large_for_a_response_is_a_303_to_a_presigned_download_of_all_of_it() {
    let c = channel().await;
    let id = c
        .customer_sends_image(&new_media_sid(), "https://api.twilio.com/none")
        .await;
    crate::helpers::grow_past_the_export_limit(
        c.store.as_ref(),
        &id,
        c.webhook.clock.now().timestamp_millis(),
    )
    .await;
    let mut event = agent_event("GET", &format!("/conversations/{id}/export"), Some("sam"));
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[admins]".into();
    let response = c.agent(request(&event)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let url = location(&response);
    let body = body_json(&response);
    assert_eq!(body["url"], url.as_str(), "{body}");
    assert!(url.contains(&format!("/exports/{id}/")), "{url}");
    assert!(url.contains("X-Amz-Signature="), "a presigned GET: {url}");

    let fetched = reqwest::get(&url).await.unwrap();
    assert_eq!(fetched.status().as_u16(), 200);
    let header = |name: &str| {
        fetched
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"conversation-{id}.json\"")
    );
    let bytes = fetched.bytes().await.unwrap();
    assert_eq!(Some(bytes.len() as u64), body["bytes"].as_u64());
    let export: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(export["id"], id.as_str());
    assert_eq!(export["messages"].as_array().map(Vec::len), Some(7));
}
