//! The desk's "done when", tried as a user would: local-api (with its Twilio stub and its
//! stream feeding notify-agent) on the embedded store and on DynamoDB Local.

use std::time::Duration;

use local_api::StoreChoice;
use serde_json::json;

use crate::helpers::local::{Local, a_customer, dynamodb_local, encoded};

async fn the_desk_works_end_to_end(choice: StoreChoice) {
    let (desk, notifier) = Local::recording(choice).await;
    // As in notify_e2e: DynamoDB Local's stream reader settles before the first change.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let customer = a_customer();
    let word = format!("Zebra{}", uuid::Uuid::now_v7().simple());
    desk.inbound(&customer, &format!("Where is parcel {word}?"))
        .await;
    let first = desk.conversation_of(&customer).await;
    let (status, _) = desk
        .post(
            &format!("/conversations/{first}/accept"),
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);

    // A note shows in the conversation and never reaches Twilio (no message is added).
    let (status, note) = desk
        .post(
            &format!("/conversations/{first}/notes"),
            "carol",
            json!({"body": "VIP: refund without asking"}),
        )
        .await;
    assert_eq!(status, 201, "{note}");
    let (_, conversation) = desk.get(&format!("/conversations/{first}"), "alice").await;
    assert_eq!(
        conversation["notes"][0]["body"],
        "VIP: refund without asking"
    );
    assert_eq!(conversation["notes"][0]["author"], "carol");
    assert_eq!(conversation["messages"].as_array().unwrap().len(), 1);

    // Only the assigned agent transfers; afterwards only the new agent replies.
    let transfer = format!("/conversations/{first}/transfer");
    let (status, refused) = desk
        .post(&transfer, "carol", json!({"agent_id": "carol"}))
        .await;
    assert_eq!(status, 403, "{refused}");
    let (status, moved) = desk
        .post(&transfer, "alice", json!({"agent_id": "bob"}))
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["assigned_agent"], "bob");
    let reply = format!("/conversations/{first}/messages");
    let (status, refused) = desk
        .post(&reply, "alice", json!({"body": "Still me"}))
        .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"], "not_assigned");
    let (status, sent) = desk
        .post(&reply, "bob", json!({"body": "Bob here, it ships today."}))
        .await;
    assert_eq!(status, 201, "{sent}");
    let (_, conversation) = desk.get(&format!("/conversations/{first}"), "bob").await;
    assert_eq!(
        conversation["events"][0]["event_type"],
        "conversation.transferred"
    );
    assert_eq!(conversation["events"][0]["to_agent"], "bob");
    // Bob is told (SNS, and the live channel through the same notifier).
    let mut told = false;
    // Up to 30 s: DynamoDB Local's stream lags while the suite shares two cores.
    for _ in 0..300 {
        told = notifier.published().iter().any(|n| {
            n.event_type == "conversation.transferred"
                && n.agent_ids == vec!["bob".to_owned()]
                && n.body["conversation_id"] == first.as_str()
                && n.body["from_agent"] == "alice"
        });
        if told {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(told, "{:#?}", notifier.published());

    // Closed, then the customer returns: a second conversation.
    let (status, _) = desk
        .post(&format!("/conversations/{first}/close"), "bob", json!({}))
        .await;
    assert_eq!(status, 200);
    desk.inbound(&customer, "Me again, thanks!").await;
    let second = desk.conversation_of(&customer).await;
    assert_ne!(first, second);
    // An administrator closes the request nobody took: closing works from every state.
    let (status, closed) = desk
        .call(
            reqwest::Method::POST,
            &format!("/conversations/{second}/close"),
            "dana",
            "admins",
            None,
        )
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "closed");

    // The summary lists the contact and both conversations.
    let contact = format!("/contacts/{}", encoded(&customer));
    let (status, _) = desk
        .call(
            reqwest::Method::PUT,
            &contact,
            "dana",
            "admins",
            Some(json!({"name": "Zoë O'Brien", "contact_id": "C-1042", "tier": "gold"})),
        )
        .await;
    assert_eq!(status, 201);
    let (_, summary) = desk
        .get(&format!("/customers/{}", encoded(&customer)), "alice")
        .await;
    assert_eq!(summary["authenticated"], true);
    assert_eq!(summary["contact"]["name"], "Zoë O'Brien");
    assert_eq!(summary["contact"]["tier"], "gold");
    assert_eq!(summary["conversation_count"], 2);
    let recent = summary["recent_conversations"].as_array().unwrap();
    assert_eq!(recent[0]["id"], second.as_str());
    assert_eq!(recent[0]["state"], "closed");
    assert_eq!(recent[1]["id"], first.as_str());
    assert_eq!(recent[1]["state"], "closed");
    assert_eq!(recent[1]["assigned_agent"], "bob");
    assert_eq!(
        recent[1]["last_message"]["preview"],
        "Bob here, it ships today."
    );

    // Search finds the closed conversation by a word in it, whatever the case, and not when
    // filtered to another customer.
    let lower = word.to_lowercase();
    let search = format!("/search?q={lower}");
    let found = desk
        .eventually(&search, |b| !b["results"].as_array().unwrap().is_empty())
        .await;
    assert_eq!(
        found["results"][0]["conversation_id"],
        first.as_str(),
        "{found}"
    );
    assert!(
        found["results"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains(&word)
    );
    let other = format!(
        "/search?q={lower}&customer={}",
        encoded("whatsapp:+447700900999")
    );
    let (status, none) = desk.get(&other, "alice").await;
    assert_eq!(status, 200);
    assert!(none["results"].as_array().unwrap().is_empty(), "{none}");
    // Agents' replies are found too, once they carry Twilio's sid.
    desk.eventually("/search?q=ships+today", |b| {
        b["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["conversation_id"] == first.as_str())
    })
    .await;

    // Quick replies: written by administrators, read by every agent.
    let qr = "/quick-replies/shipping";
    let body = json!({"title": "Shipping", "body": "Orders ship within 24 hours."});
    let (status, _) = desk
        .call(reqwest::Method::PUT, qr, "alice", "", Some(body.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, _) = desk
        .call(reqwest::Method::PUT, qr, "dana", "admins", Some(body))
        .await;
    assert_eq!(status, 201);
    let (status, listed) = desk.get("/quick-replies", "alice").await;
    assert_eq!(status, 200);
    assert!(
        listed["quick_replies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["id"] == "shipping" && q["body"] == "Orders ship within 24 hours."),
        "{listed}"
    );
    let (status, _) = desk
        .call(reqwest::Method::DELETE, qr, "alice", "", None)
        .await;
    assert_eq!(status, 403);
    let (status, _) = desk
        .call(reqwest::Method::DELETE, qr, "dana", "admins", None)
        .await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn the_desk_works_end_to_end_on_the_embedded_store() {
    the_desk_works_end_to_end(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn the_desk_works_end_to_end_on_dynamodb_local() {
    the_desk_works_end_to_end(dynamodb_local("desk")).await;
}
