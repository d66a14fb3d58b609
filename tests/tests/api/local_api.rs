use local_api::send::{InboundToSend, send_inbound};
use local_api::{LOCAL_ACCOUNT_SID, StoreChoice};

use crate::helpers::local::{dynamodb_local, start_with};

/// local-api on a free port over the given store, without an event source; returns its base
/// URL and the sender that stops it.
async fn start(choice: StoreChoice) -> (String, tokio::sync::oneshot::Sender<()>) {
    start_with(choice, None).await
}

async fn send_inbound_shows_up_in_the_queue(choice: StoreChoice) {
    let (base, _stop) = start(choice).await;
    let message = InboundToSend {
        from: "whatsapp:+447700900123".into(),
        to: "whatsapp:+14155238886".into(),
        body: "Hi, où est ma commande? & 1+1=2 😕".into(),
        profile_name: Some("Zoë".into()),
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{base}/twilio/inbound");
    let (status, sid, text) = send_inbound(
        &url,
        local_api::LOCAL_AUTH_TOKEN,
        LOCAL_ACCOUNT_SID,
        &message,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(text, webhook_ingest::EMPTY_TWIML);

    let client = reqwest::Client::new();
    let list: serde_json::Value = client
        .get(format!("{base}/conversations"))
        .header("X-Agent-Id", "agent-1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversation = &list["conversations"][0];
    assert_eq!(conversation["customer"]["display_name"], "Zoë");
    assert_eq!(conversation["window"]["open"], true);
    let id = conversation["id"].as_str().unwrap();
    let one: serde_json::Value = client
        .get(format!("{base}/conversations/{id}"))
        .header("X-Agent-Id", "agent-1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["messages"][0]["id"], sid);
    assert_eq!(
        one["messages"][0]["body"],
        "Hi, où est ma commande? & 1+1=2 😕"
    );

    // Without X-Agent-Id there is no authorizer claim: the handler refuses.
    let anonymous = client
        .get(format!("{base}/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // An unsigned post is refused.
    let unsigned = client.post(&url).body("MessageSid=x").send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
}

#[tokio::test]
async fn send_inbound_through_local_api_shows_a_conversation_on_the_embedded_store() {
    send_inbound_shows_up_in_the_queue(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn send_inbound_through_local_api_shows_a_conversation_on_dynamodb_local() {
    send_inbound_shows_up_in_the_queue(dynamodb_local("local-api")).await;
}

/// Through local-api and its Twilio stub: accept, reply, status callbacks, then the process's
/// clock moved past 24 hours refuses free-form replies and still sends templates.
async fn reply_window_through_local_api(choice: StoreChoice) {
    let (base, _stop) = start(choice).await;
    let customer = format!(
        "whatsapp:+4477009{:05}",
        uuid::Uuid::now_v7().as_u128() % 100_000
    );
    let message = InboundToSend {
        from: customer.clone(),
        to: "whatsapp:+14155238886".into(),
        body: "Is my parcel lost?".into(),
        profile_name: None,
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{base}/twilio/inbound");
    let (status, _, _) = send_inbound(
        &url,
        local_api::LOCAL_AUTH_TOKEN,
        LOCAL_ACCOUNT_SID,
        &message,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let client = reqwest::Client::new();
    let agent = |request: reqwest::RequestBuilder| request.header("X-Agent-Id", "alice");
    let list: serde_json::Value =
        agent(client.get(format!("{base}/conversations?state=requested")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let id = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer"]["address"] == customer.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let accepted = agent(client.post(format!("{base}/conversations/{id}/accept")))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 200);
    let taken = client
        .post(format!("{base}/conversations/{id}/accept"))
        .header("X-Agent-Id", "bob")
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status().as_u16(), 409);

    let reply = agent(client.post(format!("{base}/conversations/{id}/messages")))
        .header("Idempotency-Key", "first-reply")
        .json(&serde_json::json!({"body": "Let me check."}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 201);
    let sent: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(sent["status"], "queued");

    // The stub calls back `sent` then `delivered`, signed, as Twilio does.
    let mut status = String::new();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let one: serde_json::Value = agent(client.get(format!("{base}/conversations/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status = one["messages"][1]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if status == "delivered" {
            break;
        }
    }
    assert_eq!(status, "delivered");

    let moved = client
        .post(format!("{base}/local/clock"))
        .json(&serde_json::json!({"advance_seconds": 86_401}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status().as_u16(), 200);
    let refused = agent(client.post(format!("{base}/conversations/{id}/messages")))
        .json(&serde_json::json!({"body": "Are you still there?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 409);
    let error: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(error["error"], "window_expired");
    assert_eq!(
        error["message"],
        "This conversation has exceeded the 24 hour limit to respond to the customer."
    );
    let template = agent(client.post(format!("{base}/conversations/{id}/messages")))
        .json(&serde_json::json!({"template": {"content_sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90", "variables": {"1": "Alice"}}}))
        .send().await.unwrap();
    assert_eq!(template.status().as_u16(), 201);
}

#[tokio::test]
async fn replies_follow_the_24_hour_window_through_local_api_on_the_embedded_store() {
    reply_window_through_local_api(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn replies_follow_the_24_hour_window_through_local_api_on_dynamodb_local() {
    reply_window_through_local_api(dynamodb_local("local-api")).await;
}

#[tokio::test]
async fn imported_contacts_make_their_senders_authenticated() {
    let (base, _stop) = start(StoreChoice::Embedded).await;
    let lines = concat!(
        r#"{"address": "whatsapp:+447700900777", "name": "Zoë O'Brien", "contact_id": "C-1042", "tier": "gold"}"#,
        "\n",
        r#"{"address": "+447700900778", "name": "Not WhatsApp", "contact_id": "C-1043"}"#,
        "\n",
    );
    let (imported, refused) = local_api::send::import_contacts(&base, "admin", lines)
        .await
        .unwrap();
    assert_eq!((imported, refused), (1, 1));
    let message = InboundToSend {
        from: "whatsapp:+447700900777".into(),
        to: "whatsapp:+14155238886".into(),
        body: "Hi".into(),
        profile_name: Some("zoe".into()),
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{base}/twilio/inbound");
    send_inbound(
        &url,
        local_api::LOCAL_AUTH_TOKEN,
        LOCAL_ACCOUNT_SID,
        &message,
    )
    .await
    .unwrap();
    let list: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/conversations"))
        .header("X-Agent-Id", "alice")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let customer = &list["conversations"][0]["customer"];
    assert_eq!(customer["authenticated"], true);
    assert_eq!(customer["contact_id"], "C-1042");
    assert_eq!(customer["display_name"], "Zoë O'Brien");
    assert_eq!(customer["profile_name"], "zoe");
    assert_eq!(customer["summary"]["tier"], "gold");
}

#[tokio::test]
async fn local_api_serves_the_agent_console_in_local_sign_in_mode() {
    let (base, _stop) = start(StoreChoice::Embedded).await;
    let client = reqwest::Client::new();
    let page = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.text().await.unwrap().contains("Agent console"));

    let config: serde_json::Value = client
        .get(format!("{base}/console/config.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config, serde_json::json!({"mode": "local"}));
}

#[tokio::test]
async fn local_api_serves_the_openapi_document_without_an_agent_identity() {
    let (base, _stop) = start(StoreChoice::Embedded).await;
    let response = reqwest::get(format!("{base}/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let served: serde_json::Value = response.json().await.unwrap();
    assert_eq!(served, local_api::openapi::document());
    assert_eq!(served["openapi"], "3.1.0");
}

#[tokio::test]
async fn the_date_header_follows_local_apis_clock_so_the_console_counts_down_on_it() {
    let (base, _stop) = start(StoreChoice::Embedded).await;
    let client = reqwest::Client::new();
    let date = |response: &reqwest::Response| {
        let raw = response.headers()["date"].to_str().unwrap().to_owned();
        chrono::DateTime::parse_from_rfc2822(&raw.replace("GMT", "+0000")).unwrap()
    };
    let before = date(&client.get(format!("{base}/")).send().await.unwrap());
    let moved = client
        .post(format!("{base}/local/clock"))
        .body(r#"{"advance_seconds": 86400}"#)
        .send()
        .await
        .unwrap();
    let after = date(&moved);
    let jump = (after - before).num_seconds();
    assert!(
        (86_400..86_460).contains(&jump),
        "the Date header moved {jump} s"
    );
}

#[test]
fn x_agent_groups_become_the_cognito_groups_claim_and_never_reach_a_handler_as_headers() {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let (parts, ()) = lambda_http::http::Request::builder()
        .uri("/contacts/x")
        .header("X-Agent-Id", "alice")
        .header("X-Agent-Groups", "admins, ops")
        .body(())
        .unwrap()
        .into_parts();
    let request = local_api::to_lambda_request(parts, b"");
    assert!(request.headers().get("x-agent-groups").is_none());
    assert!(request.headers().get("x-agent-id").is_none());
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        panic!("not an HTTP API request");
    };
    let claims = &context
        .authorizer
        .as_ref()
        .unwrap()
        .jwt
        .as_ref()
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["cognito:groups"], "[admins ops]");
}
