//! The OpenAPI document against real answers, inside `cargo test`: an agent's whole path through
//! local-api (embedded store, its Twilio stub), each response checked against the operation's
//! documented status, content type and schema. schemathesis (`cargo xtask test`) fuzzes the
//! refusals; this walks the successes it rarely reaches (a reply, a deferred reply and its
//! cancellation, an upload), so a view type that drifts from the document fails here.

use local_api::StoreChoice;
use local_api::send::{InboundToSend, send_inbound};
use serde_json::Value;

use crate::helpers::local::start_with;
use crate::openapi_check::conforms;

#[tokio::test]
async fn an_agents_whole_path_answers_as_the_openapi_document_says() {
    let (base, _stop) = start_with(StoreChoice::Embedded, None).await;
    let document = local_api::openapi::document();
    let client = reqwest::Client::new();
    // alice administers (the directory); bob is an agent only.
    let as_agent = |request: reqwest::RequestBuilder, agent: &str| {
        let request = request.header("X-Agent-Id", agent);
        if agent == "alice" {
            request.header("X-Agent-Groups", "admins")
        } else {
            request
        }
    };
    let customer = "whatsapp:+447700900123";
    let message = InboundToSend {
        from: customer.into(),
        to: local_api::LOCAL_WHATSAPP_FROM.into(),
        body: "Where is my order?".into(),
        profile_name: Some("Zoë".into()),
        media_url: None,
        media_content_type: None,
    };
    let (status, _, _) = send_inbound(
        &format!("{base}/twilio/inbound"),
        local_api::LOCAL_AUTH_TOKEN,
        local_api::LOCAL_ACCOUNT_SID,
        &message,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let unsigned = client
        .post(format!("{base}/twilio/status"))
        .form(&[("MessageSid", "SM0123456789abcdef0123456789abcdef")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        conforms(&document, "POST", "/twilio/status", unsigned)
            .await
            .0,
        403
    );

    let presence = as_agent(client.put(format!("{base}/agents/alice/presence")), "alice")
        .json(&serde_json::json!({"status": "available"}))
        .send()
        .await
        .unwrap();
    let path = "/agents/{agentId}/presence";
    assert_eq!(conforms(&document, "PUT", path, presence).await.0, 200);
    let contact_url = format!("{base}/contacts/whatsapp%3A%2B447700900123");
    for expected in [201, 200] {
        let contact = as_agent(client.put(&contact_url), "alice")
            .json(&serde_json::json!({"name": "Zoë", "contact_id": "C-1", "tier": "gold"}))
            .send()
            .await
            .unwrap();
        let answer = conforms(&document, "PUT", "/contacts/{address}", contact).await;
        assert_eq!(answer.0, expected);
    }

    let list = as_agent(client.get(format!("{base}/conversations")), "alice")
        .send()
        .await
        .unwrap();
    let (_, list) = conforms(&document, "GET", "/conversations", list).await;
    let id = list["conversations"][0]["id"].as_str().unwrap().to_owned();
    let one = "/conversations/{conversationId}";
    let read = as_agent(client.get(format!("{base}/conversations/{id}")), "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(conforms(&document, "GET", one, read).await.0, 200);
    let accept = "/conversations/{conversationId}/accept";
    let accepted = as_agent(
        client.post(format!("{base}/conversations/{id}/accept")),
        "alice",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(conforms(&document, "POST", accept, accepted).await.0, 200);
    let taken = as_agent(
        client.post(format!("{base}/conversations/{id}/accept")),
        "bob",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(conforms(&document, "POST", accept, taken).await.0, 409);

    let replies = "/conversations/{conversationId}/messages";
    let reply = |body: Value, key: &str| {
        as_agent(
            client.post(format!("{base}/conversations/{id}/messages")),
            "alice",
        )
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
    };
    let sent = reply(serde_json::json!({"body": "It ships today."}), "k1")
        .await
        .unwrap();
    assert_eq!(conforms(&document, "POST", replies, sent).await.0, 201);
    let upload = as_agent(
        client.post(format!("{base}/conversations/{id}/media")),
        "alice",
    )
    .header("content-type", "image/png")
    .body(vec![0x89, b'P', b'N', b'G'])
    .send()
    .await
    .unwrap();
    let media = "/conversations/{conversationId}/media";
    let (status, uploaded) = conforms(&document, "POST", media, upload).await;
    assert_eq!(status, 201);
    let address = uploaded["media_url"].as_str().unwrap();
    let key = &address[address.find("/media/").unwrap()..];
    let shared = client.get(format!("{base}{key}")).send().await.unwrap();
    assert_eq!(
        conforms(&document, "GET", "/media/{key+}", shared).await.0,
        200
    );

    desk_routes(&document, &client, &base, &id).await;

    let moved = client
        .post(format!("{base}/local/clock"))
        .json(&serde_json::json!({"advance_seconds": 86_401}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    let late = reply(serde_json::json!({"body": "Still there?"}), "k2")
        .await
        .unwrap();
    let (status, refused) = conforms(&document, "POST", replies, late).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("window_expired"))
    );
    let deferred = reply(
        serde_json::json!({"body": "Your refund went out.", "defer": true}),
        "k3",
    )
    .await
    .unwrap();
    let (status, deferred) = conforms(&document, "POST", replies, deferred).await;
    assert_eq!(status, 202);
    let cancel_url = format!(
        "{base}/conversations/{id}/messages/{}",
        deferred["id"].as_str().unwrap()
    );
    let cancel = "/conversations/{conversationId}/messages/{messageId}";
    for expected in [204, 409] {
        let cancelled = as_agent(client.delete(&cancel_url), "alice")
            .send()
            .await
            .unwrap();
        assert_eq!(
            conforms(&document, "DELETE", cancel, cancelled).await.0,
            expected
        );
    }

    let transfer = "/conversations/{conversationId}/transfer";
    let handed = as_agent(
        client.post(format!("{base}/conversations/{id}/transfer")),
        "alice",
    )
    .json(&serde_json::json!({"agent_id": "bob"}))
    .send()
    .await
    .unwrap();
    assert_eq!(conforms(&document, "POST", transfer, handed).await.0, 200);
    let close = "/conversations/{conversationId}/close";
    let not_yours = as_agent(
        client.post(format!("{base}/conversations/{id}/close")),
        "carol",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(conforms(&document, "POST", close, not_yours).await.0, 403);
    let closed = as_agent(
        client.post(format!("{base}/conversations/{id}/close")),
        "bob",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(conforms(&document, "POST", close, closed).await.0, 200);
    let read = as_agent(client.get(format!("{base}/conversations/{id}")), "bob")
        .send()
        .await
        .unwrap();
    let (_, transcript) = conforms(&document, "GET", one, read).await;
    assert_eq!(transcript["events"].as_array().map(Vec::len), Some(1));
    assert_eq!(transcript["notes"].as_array().map(Vec::len), Some(1));
    let missing = as_agent(
        client.get(format!(
            "{base}/conversations/01a20a57-f1b0-7342-9a4c-552c53ee9bf3"
        )),
        "alice",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(conforms(&document, "GET", one, missing).await.0, 404);
    let anonymous = client
        .get(format!("{base}/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        conforms(&document, "GET", "/conversations", anonymous)
            .await
            .0,
        401
    );
}

/// The desk's routes (issue 12) on the accepted conversation `id`, as alice (an administrator)
/// and bob (an agent).
async fn desk_routes(document: &Value, client: &reqwest::Client, base: &str, id: &str) {
    let alice = |request: reqwest::RequestBuilder| {
        request
            .header("X-Agent-Id", "alice")
            .header("X-Agent-Groups", "admins")
    };
    let agents = alice(client.get(format!("{base}/agents")))
        .send()
        .await
        .unwrap();
    let (status, agents) = conforms(document, "GET", "/agents", agents).await;
    assert_eq!(
        (status, agents["agents"][0]["agent_id"].as_str()),
        (200, Some("alice"))
    );

    let notes = "/conversations/{conversationId}/notes";
    for expected in [201, 200] {
        let note = alice(client.post(format!("{base}/conversations/{id}/notes")))
            .header("Idempotency-Key", "note-1")
            .json(&serde_json::json!({"body": "Gold customer: refund first."}))
            .send()
            .await
            .unwrap();
        assert_eq!(conforms(document, "POST", notes, note).await.0, expected);
    }

    let one = "/quick-replies/{id}";
    let url = format!("{base}/quick-replies/ships-today");
    let body = serde_json::json!({"title": "Ships today", "body": "Your order ships today."});
    for expected in [201, 200] {
        let put = alice(client.put(&url)).json(&body).send().await.unwrap();
        assert_eq!(conforms(document, "PUT", one, put).await.0, expected);
    }
    let not_admin = client
        .put(&url)
        .header("X-Agent-Id", "bob")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(conforms(document, "PUT", one, not_admin).await.0, 403);
    let list = alice(client.get(format!("{base}/quick-replies")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        conforms(document, "GET", "/quick-replies", list).await.0,
        200
    );
    let gone = alice(client.delete(&url)).send().await.unwrap();
    assert_eq!(conforms(document, "DELETE", one, gone).await.0, 204);

    let customer = alice(client.get(format!("{base}/customers/whatsapp%3A%2B447700900123")))
        .send()
        .await
        .unwrap();
    let (status, summary) = conforms(document, "GET", "/customers/{address}", customer).await;
    assert_eq!(
        (status, summary["authenticated"].as_bool()),
        (200, Some(true))
    );
    let found = alice(client.get(format!("{base}/search?q=order&limit=5")))
        .send()
        .await
        .unwrap();
    assert_eq!(conforms(document, "GET", "/search", found).await.0, 200);
    let no_words = alice(client.get(format!("{base}/search?q=")))
        .send()
        .await
        .unwrap();
    assert_eq!(conforms(document, "GET", "/search", no_words).await.0, 400);
    let many = alice(client.get(format!("{base}/search?q=aa+bb+cc+dd+ee+ff+gg+hh+ii")))
        .send()
        .await
        .unwrap();
    let (status, refused) = conforms(document, "GET", "/search", many).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (400, Some("too_many_words"))
    );

    let start = alice(client.post(format!("{base}/conversations")))
        .header("Idempotency-Key", "start-1")
        .json(&serde_json::json!({
            "customer": "whatsapp:+447700900555",
            "template": {"content_sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90", "variables": {"1": "12/1"}},
        }))
        .send()
        .await
        .unwrap();
    let (status, started) = conforms(document, "POST", "/conversations", start).await;
    assert_eq!(
        (status, started["message"]["status"].as_str()),
        (201, Some("queued"))
    );
}
