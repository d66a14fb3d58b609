//! Privacy through local-api, on the embedded store and on DynamoDB Local: an administrator
//! places a legal hold and exports everything stored about a customer, agents may do neither,
//! and the audit log shows who did what (each sign-in once), names the customer only by
//! pseudonym, holds no message body, and records no refused attempt.

use local_api::StoreChoice;
use serde_json::{Value, json};

use crate::helpers::local::{Local, a_customer, dynamodb_local, encoded};

const WORDS: &str = "My parcel 7731 never arrived";

async fn as_admin(
    local: &Local,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    local.call(method, path, "sam", "admins", body).await
}

fn actions(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("no entries: {page}"))
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn holds_exports_and_the_audit_log(store: StoreChoice) {
    let (local, _) = Local::recording(store).await;
    let customer = a_customer();
    local.inbound(&customer, WORDS).await;
    let id = local.conversation_of(&customer).await;
    for _ in 0..3 {
        // Three requests of one token: one sign-in.
        let (status, _) = local.get(&format!("/conversations/{id}"), "alice").await;
        assert_eq!(status, 200);
    }
    let (status, body) = local
        .post(&format!("/conversations/{id}/accept"), "alice", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");

    // The hold: administrators only; the summary shows it.
    let hold = format!("/customers/{}/hold", encoded(&customer));
    let (status, body) = local.put(&hold, "alice", json!({"hold": true})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "forbidden");
    let (status, body) = as_admin(
        &local,
        reqwest::Method::PUT,
        &hold,
        Some(json!({"hold": "yes"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_hold");
    let (status, body) = as_admin(
        &local,
        reqwest::Method::PUT,
        &hold,
        Some(json!({"hold": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hold"], true);
    assert_eq!(body["set_by"], "sam");
    let (_, summary) = local
        .get(&format!("/customers/{}", encoded(&customer)), "alice")
        .await;
    assert_eq!(summary["legal_hold"]["set_by"], "sam", "{summary}");

    // The export: administrators only; every message the customer sent.
    let export = format!("/customers/{}/export", encoded(&customer));
    let (status, _) = local.get(&export, "alice").await;
    assert_eq!(status, 403);
    let (status, data) = as_admin(&local, reqwest::Method::GET, &export, None).await;
    assert_eq!(status, 200, "{data}");
    assert_eq!(data["customer"], customer.as_str());
    assert_eq!(data["legal_hold"]["hold"], true);
    assert_eq!(data["conversations"][0]["id"], id.as_str());
    assert_eq!(
        data["conversations"][0]["messages"][0]["body"], WORDS,
        "{data}"
    );
    let (status, body) = as_admin(
        &local,
        reqwest::Method::GET,
        &format!("/customers/{}/export", encoded("whatsapp:+447700900000")),
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");

    // The log: administrators only.
    let (status, _) = local.get("/audit", "alice").await;
    assert_eq!(status, 403);
    let (status, page) = as_admin(&local, reqwest::Method::GET, "/audit", None).await;
    assert_eq!(status, 200, "{page}");
    let all = actions(&page);
    for wanted in [
        "customer.export",
        "customer.hold",
        "conversation.accept",
        "signin",
    ] {
        assert!(all.iter().any(|a| a == wanted), "{wanted} missing: {all:?}");
    }
    let alice_sign_ins = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "signin" && e["actor"] == "alice")
        .count();
    assert_eq!(alice_sign_ins, 1, "{page}");
    // Newest first; the refused hold and export are no entries (one hold, one export).
    assert_eq!(all[0], "customer.export", "{all:?}");
    assert_eq!(all.iter().filter(|a| *a == "customer.hold").count(), 1);
    assert_eq!(all.iter().filter(|a| *a == "customer.export").count(), 1);
    // A customer only by pseudonym; no body.
    let text = page.to_string();
    let digits = customer.trim_start_matches("whatsapp:+");
    assert!(!text.contains(digits), "the number shows: {text}");
    assert!(!text.contains("Zoë") && !text.contains("7731"), "{text}");
    let held = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "customer.hold")
        .unwrap();
    assert_eq!(held["target"]["kind"], "customer");
    assert!(held["target"]["id"].as_str().unwrap().starts_with("hmac:"));
    assert_eq!(held["detail"]["hold"], true);

    // Filters: by customer (the server computes the pseudonym), by action, by actor.
    let (_, theirs) = as_admin(
        &local,
        reqwest::Method::GET,
        &format!("/audit?customer={}", encoded(&customer)),
        None,
    )
    .await;
    assert_eq!(actions(&theirs), ["customer.export", "customer.hold"]);
    let (_, accepts) = as_admin(
        &local,
        reqwest::Method::GET,
        "/audit?action=conversation.accept&actor=alice",
        None,
    )
    .await;
    assert_eq!(actions(&accepts), ["conversation.accept"]);
    assert_eq!(accepts["entries"][0]["target"]["id"], id.as_str());
    // Paging: one at a time, each page older than the last.
    let (_, first) = as_admin(&local, reqwest::Method::GET, "/audit?limit=1", None).await;
    let cursor = first["cursor"].as_str().expect("a cursor").to_owned();
    let (_, second) = as_admin(
        &local,
        reqwest::Method::GET,
        &format!("/audit?limit=1&cursor={}", encoded(&cursor)),
        None,
    )
    .await;
    assert_eq!(actions(&second), [all[1].clone()]);
    let (status, body) = as_admin(
        &local,
        reqwest::Method::GET,
        "/audit?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_time");

    // Released: the summary says so, and the release is an entry too.
    let (status, body) = as_admin(
        &local,
        reqwest::Method::PUT,
        &hold,
        Some(json!({"hold": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hold"], false);
    let (_, summary) = local
        .get(&format!("/customers/{}", encoded(&customer)), "alice")
        .await;
    assert!(summary["legal_hold"].is_null(), "{summary}");
    let (_, page) = as_admin(
        &local,
        reqwest::Method::GET,
        "/audit?action=customer.hold",
        None,
    )
    .await;
    assert_eq!(page["entries"][0]["detail"]["hold"], false, "{page}");
}

#[tokio::test]
async fn holds_exports_and_the_audit_log_on_the_embedded_store() {
    holds_exports_and_the_audit_log(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn holds_exports_and_the_audit_log_on_dynamodb_local() {
    holds_exports_and_the_audit_log(dynamodb_local("privacy")).await;
}
