//! Media as a new user tries them: local-api (embedded store, media in memory) and its Twilio
//! stub, over HTTP.

use serde_json::{Value, json};

const CUSTOMER: &str = "whatsapp:+447700900123";

fn new_media_sid() -> String {
    format!("MM{}", uuid::Uuid::now_v7().simple())
}

/// As a new user tries it: local-api (embedded store, in-memory media) and its Twilio stub.
#[tokio::test]
async fn through_local_api_an_inbound_image_opens_and_an_upload_is_sent_as_media_url() {
    let (base, _stop) =
        crate::helpers::local::start_with(local_api::StoreChoice::Embedded, None).await;
    let sid = new_media_sid();
    let message = local_api::send::InboundToSend {
        from: CUSTOMER.into(),
        to: "whatsapp:+14155238886".into(),
        body: String::new(),
        profile_name: Some("Zoë".into()),
        media_url: Some(format!(
            "{base}/local/twilio/2010-04-01/Accounts/{}/Messages/{sid}/Media/ME1",
            local_api::LOCAL_ACCOUNT_SID
        )),
        media_content_type: Some("image/png".into()),
    };
    let (status, sid, _) = local_api::send::send_inbound(
        &format!("{base}/twilio/inbound"),
        local_api::LOCAL_AUTH_TOKEN,
        local_api::LOCAL_ACCOUNT_SID,
        &message,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);

    let client = reqwest::Client::new();
    let get = |path: String| {
        client
            .get(format!("{base}{path}"))
            .header("X-Agent-Id", "alice")
    };
    let list: Value = get("/conversations".into())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["conversations"][0]["id"].as_str().unwrap().to_owned();
    let transcript: Value = get(format!("/conversations/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let route = transcript["messages"][0]["media"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(route, format!("/conversations/{id}/messages/{sid}/media/0"));

    let image = get(route.clone()).send().await.unwrap();
    assert_eq!(image.status().as_u16(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(image.bytes().await.unwrap().starts_with(b"\x89PNG"));
    let anonymous = client.get(format!("{base}{route}")).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // The copy is not shared at local-api's address for uploads.
    let copy = format!("{base}/media/inbound/{id}/{sid}/0");
    assert_eq!(reqwest::get(copy).await.unwrap().status().as_u16(), 404);

    let accepted = client
        .post(format!("{base}/conversations/{id}/accept"))
        .header("X-Agent-Id", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 200);
    let uploaded = client
        .post(format!("{base}/conversations/{id}/media"))
        .header("X-Agent-Id", "alice")
        .header("Content-Type", "application/pdf")
        .body(b"%PDF-1.4 a label".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status().as_u16(), 201);
    let media_url = uploaded.json::<Value>().await.unwrap()["media_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        media_url.starts_with(&format!("{base}/media/uploads/{id}/")),
        "{media_url}"
    );
    // Twilio sends HEAD and GET to a media URL; local-api answers both without credentials.
    let head = client.head(&media_url).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.headers()["content-type"], "application/pdf");
    let fetched = reqwest::get(&media_url).await.unwrap();
    assert_eq!(fetched.headers()["content-type"], "application/pdf");
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"%PDF-1.4 a label");

    let sent = client
        .post(format!("{base}/conversations/{id}/messages"))
        .header("X-Agent-Id", "alice")
        .json(&json!({"media_url": media_url}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status().as_u16(), 201);
    let refused = client
        .post(format!("{base}/conversations/{id}/media"))
        .header("X-Agent-Id", "alice")
        .header("Content-Type", "application/x-msdownload")
        .body(b"MZ".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 415);
}

/// The upload's address is checked against the clock it was made by: after `POST /local/clock`
/// moved local-api's clock 7 h ahead, a new upload still opens (it used to answer 404).
#[tokio::test]
async fn an_upload_made_after_the_local_clock_moved_ahead_still_opens() {
    use crate::helpers::local::{Local, a_customer};
    let local = Local::start_with(local_api::StoreChoice::Embedded, None).await;
    let customer = a_customer();
    local.inbound(&customer, "Here is my order").await;
    let id = local.conversation_of(&customer).await;
    let accept = format!("/conversations/{id}/accept");
    assert_eq!(local.post(&accept, "alice", json!({})).await.0, 200);
    let moved = json!({"advance_seconds": 7 * 3600});
    assert_eq!(local.post("/local/clock", "alice", moved).await.0, 200);

    let uploaded = reqwest::Client::new()
        .post(format!("{}/conversations/{id}/media", local.base))
        .header("X-Agent-Id", "alice")
        .header("Content-Type", "application/pdf")
        .body(b"%PDF-1.4 a label".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status().as_u16(), 201);
    let media_url = uploaded.json::<Value>().await.unwrap()["media_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let fetched = reqwest::get(&media_url).await.unwrap();
    assert_eq!(fetched.status().as_u16(), 200, "{media_url}");
}

/// An export too large for a response, through local-api (embedded store, in-memory media): a
/// 303 to local-api's own `/media/exports/…`, which a client follows to the whole file.
#[tokio::test]
async fn through_local_api_an_export_too_large_for_a_response_is_followed_to_the_whole_file() {
    use std::sync::{Arc, Mutex};
    use whatsapp_channel::ports::ChannelStore;

    let slot: Arc<Mutex<Option<Arc<dyn ChannelStore>>>> = Arc::default();
    let keep = slot.clone();
    let (local, _) =
        crate::helpers::local::Local::configured(local_api::StoreChoice::Embedded, move |api| {
            *keep.lock().unwrap() = Some(api.store.clone());
            api
        })
        .await;
    let store = slot.lock().unwrap().clone().unwrap();
    local.inbound(CUSTOMER, "Hello").await;
    let id = local.conversation_of(CUSTOMER).await;
    crate::helpers::grow_past_the_export_limit(
        store.as_ref(),
        &id,
        chrono::Utc::now().timestamp_millis(),
    )
    .await;
    let export = format!("{}/conversations/{id}/export", local.base);
    let admin = |client: &reqwest::Client| {
        client
            .get(&export)
            .header("X-Agent-Id", "sam")
            .header("X-Agent-Groups", "admins")
    };
    let manual = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answered = admin(&manual).send().await.unwrap();
    assert_eq!(answered.status().as_u16(), 303);
    let location = answered
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        location.starts_with(&format!("{}/media/exports/{id}/", local.base)),
        "{location}"
    );
    let body: Value = answered.json().await.unwrap();
    assert_eq!(body["url"], location.as_str());

    // Followed as a browser (or `curl -L`) follows it.
    let followed = admin(&reqwest::Client::new()).send().await.unwrap();
    assert_eq!(followed.status().as_u16(), 200);
    assert_eq!(followed.url().path().split('/').nth(2), Some("exports"));
    let whole: Value = followed.json().await.unwrap();
    assert_eq!(whole["id"], id.as_str());
    assert_eq!(whole["messages"].as_array().map(Vec::len), Some(7));
}
