//! local-api refuses what a browser on another site could send it: a request naming a foreign
//! `Host` (DNS rebinding) and a `/ws` handshake from another page's `Origin`.

use serde_json::Value;

/// The handshake headers of `GET /ws?agent=alice`, plus `extra`; the answer's status and body.
async fn ws_handshake(base: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .get(format!("{base}/ws?agent=alice"))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_live_socket_from_another_sites_page_is_refused_and_one_from_the_console_opens() {
    let (base, _stop) =
        crate::helpers::local::start_with(local_api::StoreChoice::Embedded, None).await;
    let (status, body) = ws_handshake(&base, &[("Origin", "http://evil.example")]).await;
    assert_eq!(
        (status, &body["error"]),
        (403, &"origin_not_allowed".into())
    );

    let own = base.clone();
    let (status, _) = ws_handshake(&base, &[("Origin", own.as_str())]).await;
    assert_eq!(status, 101);
    // A non-browser client sends no Origin.
    let (status, _) = ws_handshake(&base, &[]).await;
    assert_eq!(status, 101);
}

#[tokio::test]
async fn a_request_naming_a_foreign_host_is_refused() {
    let (base, _stop) =
        crate::helpers::local::start_with(local_api::StoreChoice::Embedded, None).await;
    let client = reqwest::Client::new();
    let rebound = client
        .get(format!("{base}/conversations"))
        .header("Host", "evil.example:8080")
        .header("X-Agent-Id", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status().as_u16(), 403);
    let body: Value = rebound.json().await.unwrap();
    assert_eq!(body["error"], "host_not_allowed");
    let (status, _) = ws_handshake(&base, &[("Host", "evil.example")]).await;
    assert_eq!(status, 403);

    let own = client
        .get(format!("{base}/conversations"))
        .header("X-Agent-Id", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status().as_u16(), 200);
}
