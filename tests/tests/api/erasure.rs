//! Erasing a customer through local-api, as an administrator tries it, on the embedded store
//! and on DynamoDB Local with moto's S3 for media: two conversations, a note, an upload, a
//! contact entry and searchable words go; another customer's stay; agents may not erase; a held
//! customer cannot be erased; the audit log shows the erasure by pseudonym and not the refused
//! attempt; a scan of the whole table and the bucket finds nothing of theirs; and a new message
//! from the same number starts afresh.

use std::sync::Arc;
use std::time::Duration;

use local_api::StoreChoice;
use serde_json::{Value, json};
use whatsapp_channel::adapters::S3MediaStore;

use crate::helpers::dynamodb_endpoint;
use crate::helpers::local::{Local, a_customer, dynamodb_local, encoded};

/// Words only the erased customer wrote, and their contact name.
const FIRST: &str = "Marmalade invoice 4471 went astray";
const SECOND: &str = "Still waiting on the marmalade refund";
const NAME: &str = "Zebedee Quux";
const UPLOAD: &[u8] = b"\x89PNG\r\n\x1a\n the erased customer's label \x00\xff";

async fn as_admin(
    local: &Local,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    local.call(method, path, "sam", "admins", body).await
}

/// Polls the erasure until it is done, at most 30 s.
async fn finished(local: &Local, id: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        let (status, body) = as_admin(
            local,
            reqwest::Method::GET,
            &format!("/erasures/{id}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        if body["state"] == "done" {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the erasure never finished: {last}");
}

async fn search_hits(local: &Local, word: &str) -> usize {
    let (status, body) = local.get(&format!("/search?q={word}"), "alice").await;
    assert_eq!(status, 200, "{body}");
    body["results"].as_array().map_or(0, Vec::len)
}

/// What the erased customer leaves must not be found anywhere: their number's digits, their
/// name, their words.
fn traces(text: &str, customer: &str) -> Vec<&'static str> {
    let digits = customer.trim_start_matches("whatsapp:+");
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    if text.contains(digits) {
        found.push("number");
    }
    if lower.contains("zebedee") || lower.contains("quux") {
        found.push("name");
    }
    // "marmalade" is another customer's word too; their postings carry their number.
    if lower.contains("4471") || lower.contains("astray") || lower.contains("refund") {
        found.push("words");
    }
    found
}

async fn an_administrator_erases_a_customer(
    choice: StoreChoice,
    bucket: Option<(aws_sdk_s3::Client, String)>,
) -> (String, Vec<String>, String) {
    let media = bucket.clone();
    let (local, _) = Local::configured(choice, move |api| match media {
        Some((client, name)) => api.with_media_store(Arc::new(S3MediaStore::new(client, name))),
        None => api,
    })
    .await;
    let customer = a_customer();
    let other = a_customer();
    // Their first conversation: accepted, a note, an upload, closed.
    local.inbound(&customer, FIRST).await;
    let first = local.conversation_of(&customer).await;
    let (status, body) = local
        .post(
            &format!("/conversations/{first}/accept"),
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local
        .post(
            &format!("/conversations/{first}/notes"),
            "alice",
            json!({"body": "Zebedee prefers mornings"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A reply: its idempotency record keeps the answer, words and all, for 24 hours.
    let reply = reqwest::Client::new()
        .post(format!("{}/conversations/{first}/messages", local.base))
        .header("X-Agent-Id", "alice")
        .header("Idempotency-Key", "reply-1")
        .json(&json!({"body": "Sorry the invoice went astray"}))
        .send()
        .await
        .unwrap();
    assert!(
        reply.status().is_success(),
        "{}",
        reply.text().await.unwrap_or_default()
    );
    let upload = reqwest::Client::new()
        .post(format!("{}/conversations/{first}/media", local.base))
        .header("X-Agent-Id", "alice")
        .header("Content-Type", "image/png")
        .body(UPLOAD.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        upload.status().as_u16(),
        201,
        "{}",
        upload.text().await.unwrap_or_default()
    );
    let (status, body) = local
        .post(&format!("/conversations/{first}/close"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    // Their second conversation, their contact entry, and another customer's words.
    local.inbound(&customer, SECOND).await;
    let second = local.conversation_of(&customer).await;
    assert_ne!(first, second);
    let (status, body) = as_admin(
        &local,
        reqwest::Method::PUT,
        &format!("/contacts/{}", encoded(&customer)),
        Some(json!({"name": NAME, "contact_id": "crm-88"})),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    local
        .inbound(&other, "Is the marmalade shop open on Sunday")
        .await;
    local
        .eventually("/search?q=marmalade", |b| {
            b["results"].as_array().is_some_and(|r| r.len() == 3)
        })
        .await;

    // Agents may not erase; a held customer cannot be erased.
    let erase = format!("/customers/{}", encoded(&customer));
    let (status, body) = local
        .call(reqwest::Method::DELETE, &erase, "alice", "", None)
        .await;
    assert_eq!(status, 403, "{body}");
    let hold = format!("/customers/{}/hold", encoded(&customer));
    let (status, _) = as_admin(
        &local,
        reqwest::Method::PUT,
        &hold,
        Some(json!({"hold": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = as_admin(&local, reqwest::Method::DELETE, &erase, None).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "legal_hold");
    let (status, _) = as_admin(
        &local,
        reqwest::Method::PUT,
        &hold,
        Some(json!({"hold": false})),
    )
    .await;
    assert_eq!(status, 200);

    // Exports too large for a response, kept in the bucket: one of the first conversation,
    // one of the customer's (under the pseudonym the audit log names them by), one of another.
    let exports = match &bucket {
        Some((s3, name)) => {
            let (status, audit) = as_admin(
                &local,
                reqwest::Method::GET,
                &format!("/audit?customer={}", encoded(&customer)),
                None,
            )
            .await;
            assert_eq!(status, 200, "{audit}");
            let pseudonym = audit["entries"][0]["target"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{audit}"))
                .to_owned();
            assert!(pseudonym.starts_with("hmac:"), "{audit}");
            let keys = [
                format!("exports/{first}/0196a0c88f2e7b1a9c3d1e2f3a4b5c6d.json"),
                format!("exports/customers/{pseudonym}/0196a0c88f2e7b1a9c3d1e2f3a4b5c6d.json"),
                "exports/customers/hmac:00ff/0196a0c88f2e7b1a9c3d1e2f3a4b5c6d.json".to_owned(),
            ];
            for key in &keys {
                s3.put_object()
                    .bucket(name)
                    .key(key)
                    .content_type("application/json")
                    .body(b"{}".to_vec().into())
                    .send()
                    .await
                    .unwrap();
            }
            Some((s3.clone(), name.clone(), keys))
        }
        None => None,
    };

    // The erasure: 202 with its id; done in steps.
    let (status, accepted) = as_admin(&local, reqwest::Method::DELETE, &erase, None).await;
    assert_eq!(status, 202, "{accepted}");
    let id = accepted["erasure_id"].as_str().unwrap().to_owned();
    assert!(
        accepted["customer"].as_str().unwrap().starts_with("hmac:"),
        "{accepted}"
    );
    assert!(
        !accepted
            .to_string()
            .contains(customer.trim_start_matches("whatsapp:+"))
    );
    let done = finished(&local, &id).await;
    let counts = &done["counts"];
    assert_eq!(counts["conversations"], 2, "{done}");
    assert!(counts["messages"].as_u64().unwrap() >= 2, "{done}");
    assert_eq!(counts["contact"], 1, "{done}");
    // The upload, and with a bucket the conversation's and the customer's exports.
    let media = if exports.is_some() { 3 } else { 1 };
    assert_eq!(counts["media"], media, "{done}");
    if let Some((s3, name, keys)) = &exports {
        let listed = s3.list_objects_v2().bucket(name).send().await.unwrap();
        let left: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
        assert!(!left.contains(&keys[0].as_str()), "{left:?}");
        assert!(!left.contains(&keys[1].as_str()), "{left:?}");
        assert!(
            left.contains(&keys[2].as_str()),
            "another's export stays: {left:?}"
        );
    }
    assert_eq!(counts["idempotency"], 1, "the reply's record: {done}");
    assert!(counts["postings"].as_u64().unwrap() >= 8, "{done}");
    assert!(
        counts["conversation_items"].as_u64().unwrap() >= 1,
        "{done}"
    );
    assert_eq!(done["passes"], 2, "the pass and the final sweep: {done}");

    // Nothing answers for them; the other customer's words stay.
    let (status, _) = local.get(&erase, "alice").await;
    assert_eq!(status, 404);
    for conversation in [&first, &second] {
        let (status, _) = local
            .get(&format!("/conversations/{conversation}"), "alice")
            .await;
        assert_eq!(status, 404);
    }
    assert_eq!(search_hits(&local, "marmalade").await, 1);
    assert_eq!(search_hits(&local, "4471").await, 0);
    let (status, _) = as_admin(
        &local,
        reqwest::Method::GET,
        &format!("{erase}/export"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // The audit log: the erasure, by pseudonym; the agent's refused attempt is no entry.
    let (status, page) = as_admin(
        &local,
        reqwest::Method::GET,
        "/audit?action=customer.erase",
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(entries[0]["actor"], "sam");
    assert_eq!(entries[0]["target"]["id"], accepted["customer"]);
    assert_eq!(entries[0]["detail"]["erasure_id"], id.as_str());
    assert!(traces(&page.to_string(), &customer).is_empty(), "{page}");

    // A new message from the same number starts afresh.
    local.inbound(&customer, "Hello again").await;
    let fresh = local.conversation_of(&customer).await;
    assert!(fresh != first && fresh != second);
    let (_, summary) = local.get(&erase, "alice").await;
    assert_eq!(
        summary["recent_conversations"].as_array().map(Vec::len),
        Some(1),
        "{summary}"
    );

    (customer, vec![first, second], fresh)
}

#[tokio::test]
async fn an_administrator_erases_a_customer_through_local_api_on_the_embedded_store() {
    an_administrator_erases_a_customer(StoreChoice::Embedded, None).await;
}

#[tokio::test]
async fn an_erasure_on_dynamodb_local_leaves_no_item_and_no_object_of_the_customer() {
    let choice = dynamodb_local("erasure");
    let StoreChoice::DynamoDb { table } = &choice else {
        unreachable!()
    };
    let table = table.clone();
    let (s3, bucket) = crate::media::bucket().await;
    let (customer, conversations, fresh) =
        an_administrator_erases_a_customer(choice, Some((s3.clone(), bucket.clone()))).await;
    // The whole table, scanned: nothing holds their number, name or words, except what the
    // fresh conversation of the last step holds (their number, "Hello again").
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(dynamodb_endpoint())
        .load()
        .await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let mut start = None;
    let mut items = Vec::new();
    loop {
        let page = client
            .scan()
            .table_name(&table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    assert!(items.len() > 5, "{} items", items.len());
    for item in &items {
        let text = format!("{item:?}");
        let found = traces(&text, &customer);
        // The fresh conversation's own items (its session, message, postings of "hello" and
        // "again", warnings) hold the number: nothing else may.
        let of_fresh = text.contains(fresh.as_str())
            || text.contains("TERM#hello")
            || text.contains("TERM#again");
        assert!(
            found.is_empty() || (found == ["number"] && of_fresh),
            "{found:?} in {text}"
        );
        // Only the kinds kept by rule (no personal data) may still name an erased
        // conversation: the audit log's entries and the notifications' markers.
        let kind = item
            .get("type")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str);
        if !matches!(kind, Some("audit" | "notification")) {
            for conversation in &conversations {
                assert!(
                    !text.contains(conversation.as_str()),
                    "an item of an erased conversation: {text}"
                );
            }
        }
    }
    // The bucket: none of their conversations' objects.
    let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    for conversation in &conversations {
        assert!(
            !keys.iter().any(|k| k.contains(conversation.as_str())),
            "{keys:?}"
        );
    }
}
