//! A customer's quoted reply and a forwarded message, through local-api as Twilio posts them:
//! the transcript shows which message was quoted (ours or theirs, or one we never stored) and
//! that a message was forwarded; a first message from a click-to-WhatsApp ad shows the ad on the
//! message, the conversation and its request.

use local_api::send::{InboundToSend, send_inbound_with};
use local_api::{LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN, StoreChoice};
use serde_json::{Value, json};

use crate::helpers::local::{BUSINESS, Local, a_customer};

/// A signed message from `from` with Twilio's extra parameters; its sid.
async fn customer_sends(local: &Local, from: &str, text: &str, extra: &[(&str, &str)]) -> String {
    let message = InboundToSend {
        from: from.into(),
        to: BUSINESS.into(),
        body: text.into(),
        profile_name: Some("Zoë".into()),
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{}/twilio/inbound", local.base);
    let (status, sid, body) =
        send_inbound_with(&url, LOCAL_AUTH_TOKEN, LOCAL_ACCOUNT_SID, &message, extra)
            .await
            .unwrap();
    assert_eq!(status, 200, "{body}");
    sid
}

fn message<'a>(conversation: &'a Value, text: &str) -> &'a Value {
    conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == text)
        .unwrap_or_else(|| panic!("no message {text:?} in {conversation}"))
}

#[tokio::test]
async fn a_quoted_reply_shows_the_quoted_message_and_a_forwarded_one_says_so() {
    let (local, _) = Local::recording(StoreChoice::Embedded).await;
    let customer = a_customer();
    let first = customer_sends(&local, &customer, "Where is my order #1234?", &[]).await;
    let id = local.conversation_of(&customer).await;
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, reply) = local
        .post(
            &format!("/conversations/{id}/messages"),
            "alice",
            json!({"body": "It ships today, and a very long explanation follows that no quote shows whole because quotes are short."}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let ours = reply["id"].as_str().unwrap().to_owned();
    customer_sends(
        &local,
        &customer,
        "Great, thanks",
        &[
            ("OriginalRepliedMessageSid", &ours),
            ("OriginalRepliedMessageSender", BUSINESS),
        ],
    )
    .await;
    customer_sends(
        &local,
        &customer,
        "I meant this one",
        &[("OriginalRepliedMessageSid", &first)],
    )
    .await;
    customer_sends(
        &local,
        &customer,
        "And this?",
        &[(
            "OriginalRepliedMessageSid",
            "SM0123456789abcdef0123456789abcdef",
        )],
    )
    .await;
    customer_sends(
        &local,
        &customer,
        "Look at this deal",
        &[("Forwarded", "true")],
    )
    .await;
    customer_sends(
        &local,
        &customer,
        "Everyone has this",
        &[("Forwarded", "true"), ("FrequentlyForwarded", "true")],
    )
    .await;
    let (status, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    assert_eq!(status, 200, "{conversation}");

    let quoting_ours = &message(&conversation, "Great, thanks")["reply_to"];
    assert_eq!(quoting_ours["id"], ours.as_str());
    assert_eq!(quoting_ours["direction"], "outbound");
    let preview = quoting_ours["preview"].as_str().unwrap();
    assert!(preview.starts_with("It ships today"), "{preview}");
    assert_eq!(
        preview.chars().count(),
        81,
        "80 characters and an ellipsis: {preview}"
    );
    assert!(preview.ends_with('…'));

    let quoting_theirs = &message(&conversation, "I meant this one")["reply_to"];
    assert_eq!(
        *quoting_theirs,
        json!({"id": first, "direction": "inbound", "preview": "Where is my order #1234?"})
    );
    let unknown = &message(&conversation, "And this?")["reply_to"];
    assert_eq!(
        *unknown,
        json!({"id": "SM0123456789abcdef0123456789abcdef", "direction": null, "preview": null})
    );

    let forwarded = message(&conversation, "Look at this deal");
    assert_eq!(forwarded["forwarded"], true);
    assert!(
        forwarded.get("frequently_forwarded").is_none(),
        "{forwarded}"
    );
    let viral = message(&conversation, "Everyone has this");
    assert_eq!(
        (
            viral["forwarded"].clone(),
            viral["frequently_forwarded"].clone()
        ),
        (json!(true), json!(true))
    );
    // A plain message carries neither.
    let plain = message(&conversation, "Where is my order #1234?");
    assert!(
        plain.get("reply_to").is_none() && plain.get("forwarded").is_none(),
        "{plain}"
    );
}

#[tokio::test]
async fn a_first_message_from_an_ad_shows_the_ad_on_the_message_the_conversation_and_the_request() {
    let (local, notifier) = Local::recording(StoreChoice::Embedded).await;
    let (status, body) = local
        .put(
            "/agents/alice/presence",
            "alice",
            json!({"status": "available"}),
        )
        .await;
    assert!(status < 300, "{body}");
    let customer = a_customer();
    customer_sends(
        &local,
        &customer,
        "Is this still on sale?",
        &[
            ("ReferralHeadline", "Winter boots, 30% off"),
            ("ReferralBody", "Only this week"),
            ("ReferralSourceType", "ad"),
            ("ReferralSourceUrl", "https://fb.me/abc123"),
            ("ReferralCtwaClid", "ARAkLk-clid"),
        ],
    )
    .await;
    let id = local.conversation_of(&customer).await;
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    let ad = json!({"headline": "Winter boots, 30% off", "body": "Only this week", "source_type": "ad", "source_url": "https://fb.me/abc123"});
    assert_eq!(conversation["ad"], ad, "{conversation}");
    assert_eq!(message(&conversation, "Is this still on sale?")["ad"], ad);
    let mut request = None;
    for _ in 0..100 {
        request = notifier.published().into_iter().find(|n| {
            n.event_type == "conversation.requested" && n.body["conversation_id"] == id.as_str()
        });
        if request.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(request.expect("the request was published").body["ad"], ad);

    // A link that is not http(s) is never shown; a referral with nothing to show is no ad.
    let other = a_customer();
    customer_sends(
        &local,
        &other,
        "Hi",
        &[
            ("ReferralHeadline", "Spring"),
            ("ReferralSourceUrl", "javascript:alert(1)"),
        ],
    )
    .await;
    let (_, conversation) = local
        .get(
            &format!("/conversations/{}", local.conversation_of(&other).await),
            "alice",
        )
        .await;
    assert_eq!(conversation["ad"], json!({"headline": "Spring"}));
    let plain = a_customer();
    customer_sends(&local, &plain, "Hello", &[("ReferralNumMedia", "0")]).await;
    let (_, conversation) = local
        .get(
            &format!("/conversations/{}", local.conversation_of(&plain).await),
            "alice",
        )
        .await;
    assert!(conversation.get("ad").is_none(), "{conversation}");
}

#[tokio::test]
async fn a_message_of_a_kind_not_rendered_is_kept_and_named_not_dropped() {
    let (local, _) = Local::recording(StoreChoice::Embedded).await;
    let customer = a_customer();
    customer_sends(&local, &customer, "Hello", &[]).await;
    let id = local.conversation_of(&customer).await;
    let interactive = InboundToSend {
        from: customer.clone(),
        to: BUSINESS.into(),
        body: String::new(),
        profile_name: Some("Zoë".into()),
        media_url: None,
        media_content_type: None,
    };
    let url = format!("{}/twilio/inbound", local.base);
    let (status, sid, body) = send_inbound_with(
        &url,
        LOCAL_AUTH_TOKEN,
        LOCAL_ACCOUNT_SID,
        &interactive,
        &[("MessageType", "interactive")],
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    let kept = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == sid.as_str())
        .unwrap_or_else(|| panic!("the message was dropped: {conversation}"));
    assert_eq!(kept["unsupported"], "interactive", "{kept}");
    assert!(message(&conversation, "Hello").get("unsupported").is_none());
}

#[tokio::test]
async fn a_customers_reaction_shows_its_emoji_on_the_message_it_reacts_to() {
    let (local, _) = Local::recording(StoreChoice::Embedded).await;
    let customer = a_customer();
    customer_sends(&local, &customer, "Is it shipped?", &[]).await;
    let id = local.conversation_of(&customer).await;
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, reply) = local
        .post(
            &format!("/conversations/{id}/messages"),
            "alice",
            json!({"body": "Yes, this morning."}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let ours = reply["id"].as_str().unwrap().to_owned();
    let reaction = customer_sends(
        &local,
        &customer,
        "👍",
        &[
            ("MessageType", "reaction"),
            ("OriginalRepliedMessageSid", &ours),
        ],
    )
    .await;
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    let messages = conversation["messages"].as_array().unwrap();
    let reacted = messages.iter().find(|m| m["id"] == ours.as_str()).unwrap();
    assert_eq!(reacted["reactions"][0]["emoji"], "👍", "{conversation}");
    let own = messages
        .iter()
        .find(|m| m["id"] == reaction.as_str())
        .unwrap();
    assert_eq!(own["reaction"], json!({"emoji": "👍", "to": ours}));
    assert!(own.get("unsupported").is_none(), "{own}");
    assert!(
        own.get("reply_to").is_none(),
        "a reaction is not a quote: {own}"
    );
}

#[tokio::test]
async fn an_ads_image_opens_through_our_media_route_never_twilios_address() {
    let (local, _) = Local::recording(StoreChoice::Embedded).await;
    let customer = a_customer();
    let twilio_media = format!(
        "{}/local/twilio/2010-04-01/Accounts/{LOCAL_ACCOUNT_SID}/Messages/MM{}/Media/ME1",
        local.base,
        uuid::Uuid::now_v7().simple()
    );
    let sid = customer_sends(
        &local,
        &customer,
        "I saw your ad",
        &[
            ("ReferralHeadline", "Winter boots"),
            ("ReferralMediaUrl", &twilio_media),
            ("ReferralMediaContentType", "image/png"),
            ("ReferralNumMedia", "1"),
        ],
    )
    .await;
    let id = local.conversation_of(&customer).await;
    let (_, conversation) = local.get(&format!("/conversations/{id}"), "alice").await;
    let route = format!("/conversations/{id}/messages/{sid}/media/ad");
    assert_eq!(
        conversation["ad"]["media_url"],
        route.as_str(),
        "{conversation}"
    );
    assert_eq!(
        message(&conversation, "I saw your ad")["ad"]["media_url"],
        route.as_str()
    );
    let response = reqwest::Client::new()
        .get(format!("{}{route}", local.base))
        .header("X-Agent-Id", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(response.bytes().await.unwrap().starts_with(b"\x89PNG"));
    // A message without an ad has no ad media.
    let plain = customer_sends(&local, &customer, "Hello again", &[]).await;
    let (status, _) = local
        .get(
            &format!("/conversations/{id}/messages/{plain}/media/ad"),
            "alice",
        )
        .await;
    assert_eq!(status, 404);
}
