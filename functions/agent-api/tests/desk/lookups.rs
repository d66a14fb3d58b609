//! The customer summary and transcript search.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use whatsapp_channel::app::desk::search::index_change;
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::ports::ConversationStore;
use whatsapp_channel::testing::{body_json, event, inbound_params, new_sid, t0};

use crate::{CUSTOMER, edited, harness};

#[tokio::test]
async fn the_customer_summary_lists_a_returning_customers_conversations() {
    let mut h = harness();
    let first = h.accepted().await;
    let parsed = whatsapp_channel::domain::ConversationId::parse(&first).unwrap();
    h.store.close(&parsed, "agent-alice", t0()).await.unwrap();
    h.clock.set(t0() + chrono::TimeDelta::minutes(5));
    let second = h.inbound(CUSTOMER, "It's me again").await;
    assert_ne!(first, second);

    let response = h.call(event("agent-api.get-customer")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = body_json(&response);
    assert_eq!(body["address"], CUSTOMER);
    assert_eq!(body["authenticated"], false);
    assert_eq!(body["conversation_count"], 2);
    assert_eq!(body["first_contact_at"], "2026-11-23T10:00:00.000Z");
    assert_eq!(body["last_inbound_at"], "2026-11-23T10:05:00.000Z");
    let recent = body["recent_conversations"].as_array().unwrap();
    assert_eq!(recent[0]["id"], second.as_str());
    assert_eq!(recent[0]["state"], "requested");
    assert_eq!(recent[0]["last_message"]["preview"], "It's me again");
    assert_eq!(recent[1]["id"], first.as_str());
    assert_eq!(recent[1]["state"], "closed");
    assert_eq!(recent[1]["assigned_agent"], "agent-alice");
}

#[tokio::test]
async fn an_unknown_customer_is_404_and_a_bad_address_400() {
    let h = harness();
    assert_eq!(
        h.call(event("agent-api.get-customer")).await.status(),
        StatusCode::NOT_FOUND
    );
    let bad = edited("agent-api.get-customer", None, |v| {
        v["rawPath"] = "/customers/447700900123".into();
        v["requestContext"]["http"]["path"] = "/customers/447700900123".into();
    });
    let response = h.call(bad).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(&response)["error"], "invalid_address");
}

fn search(query: &str) -> Request {
    edited("agent-api.search", None, |v| {
        v["rawQueryString"] = query.into();
        let pairs: serde_json::Map<String, serde_json::Value> =
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, val)| (k.into_owned(), val.into_owned().into()))
                .collect();
        v["queryStringParameters"] = pairs.into();
    })
}

#[tokio::test]
async fn search_finds_words_whatever_their_case_and_accents_newest_first() {
    let mut h = harness();
    h.inbound(CUSTOMER, "My parcel zebra42 is late").await;
    h.clock.set(t0() + chrono::TimeDelta::minutes(1));
    h.inbound("whatsapp:+447700900999", "Is the Zébra42 in stock?")
        .await;
    let response = h.call(event("agent-api.search")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = body_json(&response);
    let results = body["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        1,
        "the event filters to one customer: {body}"
    );
    assert!(results[0]["snippet"].as_str().unwrap().contains("zebra42"));

    let all = body_json(&h.call(search("q=ZEBRA42")).await);
    let results = all["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{all}");
    assert_eq!(results[0]["customer"], "whatsapp:+447700900999");
    assert_eq!(results[0]["created_at"], "2026-11-23T10:01:00.000Z");
    // Every word must match.
    let both = body_json(&h.call(search("q=zebra42+late")).await);
    assert_eq!(both["results"].as_array().unwrap().len(), 1, "{both}");
}

#[tokio::test]
async fn search_pages_with_a_cursor_until_none_is_left() {
    let mut h = harness();
    for minute in 0..3 {
        h.clock.set(t0() + chrono::TimeDelta::minutes(minute));
        h.inbound(CUSTOMER, &format!("order {minute}")).await;
    }
    let mut seen = Vec::new();
    let mut query = "q=order&limit=2".to_owned();
    for _ in 0..3 {
        let page = body_json(&h.call(search(&query)).await);
        for r in page["results"].as_array().unwrap() {
            seen.push(r["snippet"].as_str().unwrap().to_owned());
        }
        match page["cursor"].as_str() {
            Some(cursor) => {
                let encoded: String = form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
                query = format!("q=order&limit=2&cursor={encoded}");
            }
            None => break,
        }
    }
    assert_eq!(seen, vec!["order 2", "order 1", "order 0"]);
}

#[tokio::test]
async fn a_search_without_words_or_with_bad_filters_is_400() {
    let h = harness();
    for (query, code) in [
        ("", "invalid_query"),
        ("q=%21%21", "invalid_query"),
        ("q=order&customer=447700900123", "invalid_customer"),
        ("q=order&from=yesterday", "invalid_time"),
        (
            "q=order&from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z",
            "invalid_time",
        ),
        ("q=order&cursor=abc", "invalid_cursor"),
        ("q=order&limit=0", "invalid_limit"),
    ] {
        let response = h.call(search(query)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body_json(&response)["error"], code, "{query}");
    }
}

/// 64 distinct two-letter words: `aa ab … cl`, 191 characters.
fn sixty_four_words() -> String {
    let letters: Vec<char> = ('a'..='z').collect();
    (0..64)
        .map(|i| format!("{}{}", letters[i / 26], letters[i % 26]))
        .collect::<Vec<_>>()
        .join("+")
}

#[tokio::test]
async fn a_64_word_search_is_400_too_many_words() {
    let mut h = harness();
    h.inbound(CUSTOMER, "aa ab ac ad").await;
    let response = h.call(search(&format!("q={}", sixty_four_words()))).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = body_json(&response);
    assert_eq!(body["error"], "too_many_words", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("at most 8 words"),
        "{body}"
    );
    // Eight words are still searched.
    let eight = body_json(
        &h.call(search("q=aa+ab+ac+ad+aa+ab+ac+ad+ae+af+ag+ah"))
            .await,
    );
    assert_eq!(eight["results"].as_array().unwrap().len(), 0, "{eight}");
    let four = body_json(&h.call(search("q=aa+ab+ac+ad")).await);
    assert_eq!(four["results"].as_array().unwrap().len(), 1, "{four}");
}

#[tokio::test]
async fn search_narrows_by_agent_and_time() {
    let mut h = harness();
    let id = h.accepted().await;
    h.clock.set(t0() + chrono::TimeDelta::minutes(1));
    let message =
        InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, "zebra42 here")).unwrap();
    receive_inbound(h.store.as_ref(), h.clock.as_ref(), &message)
        .await
        .unwrap();
    while let Ok(change) = h.stream.try_recv() {
        index_change(h.store.as_ref(), &change).await.unwrap();
    }
    let alice = body_json(&h.call(search("q=zebra42&agent=agent-alice")).await);
    assert_eq!(alice["results"][0]["conversation_id"], id.as_str());
    let bob = body_json(&h.call(search("q=zebra42&agent=agent-bob")).await);
    assert!(bob["results"].as_array().unwrap().is_empty());
    let later = body_json(&h.call(search("q=zebra42&from=2026-11-23T10:02:00Z")).await);
    assert!(later["results"].as_array().unwrap().is_empty());
    let earlier = body_json(&h.call(search("q=zebra42&to=2026-11-23T10:01:00Z")).await);
    assert_eq!(earlier["results"].as_array().unwrap().len(), 1);
}

/// Links `crm:{case}` to conversation `id` in the store.
async fn link(h: &crate::Harness, id: &str, case: &str) {
    use whatsapp_channel::ports::{OutcomeStore, RecordLink};
    h.store
        .link_record(&RecordLink {
            conversation_id: id.into(),
            system: "crm".into(),
            id: case.into(),
            url: None,
            linked_by: "agent-alice".into(),
            linked_at: t0(),
        })
        .await
        .unwrap();
}

fn conversation_ids(page: &serde_json::Value) -> Vec<&str> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conversation_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_record_alone_finds_its_conversations_newest_first_a_page_at_a_time() {
    let mut h = harness();
    let mut ids = Vec::new();
    for (minute, customer) in [
        "whatsapp:+447700900201",
        "whatsapp:+447700900202",
        "whatsapp:+447700900203",
    ]
    .into_iter()
    .enumerate()
    {
        h.clock
            .set(t0() + chrono::TimeDelta::minutes(minute as i64));
        ids.push(h.inbound(customer, "Where is my parcel?").await);
    }
    let (oldest, middle, newest) = (&ids[0], &ids[1], &ids[2]);
    link(&h, oldest, "CASE-42").await;
    link(&h, newest, "CASE-42").await;
    link(&h, middle, "CASE-1").await;
    // The newest conversation's customer writes again: its result is that message.
    h.clock.set(t0() + chrono::TimeDelta::minutes(5));
    h.inbound("whatsapp:+447700900203", "Any news on CASE-42?")
        .await;

    let response = h.call(search("record=crm%3ACASE-42")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = body_json(&response);
    assert_eq!(
        conversation_ids(&page),
        [newest.as_str(), oldest.as_str()],
        "{page}"
    );
    let first = &page["results"][0];
    assert_eq!(first["snippet"], "Any news on CASE-42?", "{page}");
    assert_eq!(first["created_at"], "2026-11-23T10:05:00.000Z");
    assert_eq!(first["customer"], "whatsapp:+447700900203");
    assert_eq!(first["direction"], "inbound");
    assert!(
        first["message_id"].as_str().unwrap().starts_with("SM"),
        "{page}"
    );
    assert!(page["cursor"].is_null(), "{page}");

    // A page at a time: the cursor leads to the older one, and no further.
    let one = body_json(&h.call(search("record=crm%3ACASE-42&limit=1")).await);
    assert_eq!(conversation_ids(&one), [newest.as_str()], "{one}");
    let cursor: String =
        form_urlencoded::byte_serialize(one["cursor"].as_str().unwrap().as_bytes()).collect();
    let two = body_json(
        &h.call(search(&format!(
            "record=crm%3ACASE-42&limit=1&cursor={cursor}"
        )))
        .await,
    );
    assert_eq!(conversation_ids(&two), [oldest.as_str()], "{two}");
    assert!(two["cursor"].is_null(), "{two}");

    // Filters narrow the record's conversations; another record finds its own.
    let by_customer = body_json(
        &h.call(search(
            "record=crm%3ACASE-42&customer=whatsapp%3A%2B447700900201",
        ))
        .await,
    );
    assert_eq!(conversation_ids(&by_customer), [oldest.as_str()]);
    let started_late = body_json(
        &h.call(search("record=crm%3ACASE-42&from=2026-11-23T10:01:00Z"))
            .await,
    );
    assert_eq!(conversation_ids(&started_late), [newest.as_str()]);
    let nobody = body_json(&h.call(search("record=crm%3ACASE-42&agent=agent-bob")).await);
    assert!(conversation_ids(&nobody).is_empty(), "{nobody}");
    let other = body_json(&h.call(search("record=crm%3ACASE-1")).await);
    assert_eq!(conversation_ids(&other), [middle.as_str()]);
    let none = body_json(&h.call(search("record=crm%3ACASE-404")).await);
    assert_eq!(none["results"], serde_json::json!([]), "{none}");
}

#[tokio::test]
async fn a_search_with_neither_words_nor_a_record_says_it_needs_one() {
    let h = harness();
    let response = h.call(search("customer=whatsapp%3A%2B447700900123")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = body_json(&response);
    assert_eq!(body["error"], "invalid_query", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("record"),
        "{body}"
    );
}
