//! The privacy store on DynamoDB Local and on the in-memory twin: the audit log appended once
//! however often an entry is, searched newest first across days with filters and a cursor; a
//! sign-in marked once per token; a customer's legal hold placed, read and released. On DynamoDB,
//! the items' keys and TTL as items.rs documents them, and a search that reads at most 2,000
//! items a call and pages on.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;

use chrono::{DateTime, TimeDelta, Utc};
use whatsapp_channel::adapters::dynamodb::partitions;
use whatsapp_channel::ports::{AuditEntry, AuditQuery, ChannelStore, LegalHold, PrivacyStore};

use crate::helpers::{dynamo, stores};

/// 2026-03-14T23:00:00Z: an hour before a UTC day ends.
fn evening() -> DateTime<Utc> {
    DateTime::from_timestamp(1_773_529_200, 0).unwrap()
}

fn entry(n: u32, at: DateTime<Utc>, actor: &str, action: &str, target: &str) -> AuditEntry {
    AuditEntry {
        id: format!("0190a0b1-0000-7000-8000-{n:012}"),
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        target_kind: "customer".to_owned(),
        target_id: target.to_owned(),
        request_id: format!("req-{n}"),
        detail: n
            .is_multiple_of(2)
            .then(|| serde_json::json!({ "hold": true, "n": n })),
        expires_at: at + TimeDelta::days(400),
    }
}

fn search(from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> AuditQuery {
    AuditQuery {
        from,
        to,
        actor: None,
        action: None,
        target_id: None,
        before: None,
        limit,
    }
}

/// Every page of `query`, following its cursor.
async fn pages(store: &dyn ChannelStore, mut query: AuditQuery) -> Vec<Vec<AuditEntry>> {
    let mut pages = Vec::new();
    loop {
        let page = store.audit(&query).await.unwrap();
        pages.push(page.entries);
        match page.cursor {
            Some(cursor) => query.before = Some(cursor),
            None => return pages,
        }
        assert!(pages.len() < 50, "the cursor does not move");
    }
}

fn ids(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.request_id.as_str()).collect()
}

#[tokio::test]
async fn the_audit_log_is_appended_once_and_searched_newest_first_across_days() {
    for (name, store) in stores().await {
        // Six entries over two UTC days, 20 minutes apart (req-0 oldest), one appended twice.
        let entries: Vec<AuditEntry> = (0..6)
            .map(|n: u32| {
                let at = evening() + TimeDelta::minutes(20 * i64::from(n));
                let (actor, action) = if n.is_multiple_of(2) {
                    ("sam", "customer.hold")
                } else {
                    ("alice", "conversation.read")
                };
                entry(n, at, actor, action, &format!("hmac:{}", n % 3))
            })
            .collect();
        for e in &entries {
            store.append_audit(e).await.unwrap();
        }
        let mut again = entries[1].clone();
        again.actor = "mallory".to_owned();
        store.append_audit(&again).await.unwrap();

        let all = search(
            evening() - TimeDelta::hours(1),
            evening() + TimeDelta::hours(3),
            50,
        );
        let page = store.audit(&all).await.unwrap();
        assert_eq!(
            ids(&page.entries),
            ["req-5", "req-4", "req-3", "req-2", "req-1", "req-0"],
            "{name}"
        );
        assert_eq!(page.cursor, None, "{name}");
        // Never overwritten: the first append stands, detail and all.
        assert_eq!(page.entries[4], entries[1], "{name}");
        assert_eq!(page.entries[1], entries[4], "{name}");

        // Two a page, across the day's end (req-3 is the first entry of the next day).
        let paged = pages(store.as_ref(), search(all.from, all.to, 2)).await;
        let paged: Vec<Vec<&str>> = paged.iter().map(|p| ids(p)).collect();
        assert_eq!(
            paged,
            [
                vec!["req-5", "req-4"],
                vec!["req-3", "req-2"],
                vec!["req-1", "req-0"]
            ],
            "{name}"
        );

        // Filters: by actor, by action and target, paged one at a time.
        let by_sam = AuditQuery {
            actor: Some("sam".to_owned()),
            ..search(all.from, all.to, 1)
        };
        let by_sam: Vec<Vec<AuditEntry>> = pages(store.as_ref(), by_sam).await;
        let by_sam: Vec<&str> = by_sam.iter().flat_map(|p| ids(p)).collect();
        assert_eq!(by_sam, ["req-4", "req-2", "req-0"], "{name}");
        let read_of_1 = AuditQuery {
            action: Some("conversation.read".to_owned()),
            target_id: Some("hmac:1".to_owned()),
            ..all.clone()
        };
        let page = store.audit(&read_of_1).await.unwrap();
        assert_eq!(ids(&page.entries), ["req-1"], "{name}");

        // The time range, both ends inclusive: from req-1 to req-4.
        let range = search(entries[1].at, entries[4].at, 50);
        let page = store.audit(&range).await.unwrap();
        assert_eq!(
            ids(&page.entries),
            ["req-4", "req-3", "req-2", "req-1"],
            "{name}"
        );
        // A range of the second day alone, and one with nothing in it.
        let next_day = search(entries[3].at, all.to, 50);
        let page = store.audit(&next_day).await.unwrap();
        assert_eq!(ids(&page.entries), ["req-5", "req-4", "req-3"], "{name}");
        let empty = search(all.to + TimeDelta::days(1), all.to + TimeDelta::days(2), 50);
        assert_eq!(store.audit(&empty).await.unwrap(), Default::default());
    }
}

#[tokio::test]
async fn a_sign_in_is_marked_once_per_token_and_a_hold_is_placed_read_and_released() {
    for (name, store) in stores().await {
        let until = Utc::now() + TimeDelta::days(400);
        assert!(
            store
                .first_sign_in("alice", 1_800_000_000, until)
                .await
                .unwrap()
        );
        assert!(
            !store
                .first_sign_in("alice", 1_800_000_000, until)
                .await
                .unwrap()
        );
        // Another token of hers, and another agent's token of the same time.
        assert!(
            store
                .first_sign_in("alice", 1_800_003_600, until)
                .await
                .unwrap()
        );
        assert!(
            store
                .first_sign_in("bob", 1_800_000_000, until)
                .await
                .unwrap()
        );

        let customer = "whatsapp:+447700900123";
        assert_eq!(store.legal_hold(customer).await.unwrap(), None, "{name}");
        let hold = LegalHold {
            address: customer.to_owned(),
            set_by: "sam".to_owned(),
            set_at: evening(),
        };
        store.set_legal_hold(customer, Some(&hold)).await.unwrap();
        assert_eq!(
            store.legal_hold(customer).await.unwrap(),
            Some(hold.clone())
        );
        assert_eq!(
            store.legal_hold("whatsapp:+447700900124").await.unwrap(),
            None,
            "{name}"
        );
        store.set_legal_hold(customer, None).await.unwrap();
        assert_eq!(store.legal_hold(customer).await.unwrap(), None, "{name}");
        // Releasing what is not held is no error.
        store.set_legal_hold(customer, None).await.unwrap();
    }
}

#[tokio::test]
async fn the_items_are_keyed_by_day_and_position_with_their_ttl() {
    let dynamo = dynamo().await;
    let e = entry(7, evening(), "sam", "customer.hold", "hmac:7");
    dynamo.store.append_audit(&e).await.unwrap();
    let until = evening() + TimeDelta::days(400);
    assert!(
        dynamo
            .store
            .first_sign_in("alice", 1_800_000_000, until)
            .await
            .unwrap()
    );
    let customer = "whatsapp:+447700900123";
    let hold = LegalHold {
        address: customer.to_owned(),
        set_by: "sam".to_owned(),
        set_at: evening(),
    };
    dynamo
        .store
        .set_legal_hold(customer, Some(&hold))
        .await
        .unwrap();

    let text = |item: &HashMap<String, AttributeValue>, name: &str| -> String {
        match &item[name] {
            AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
            other => panic!("{name}: {other:?}"),
        }
    };
    let mut items: Vec<(String, String, String, Option<String>)> = dynamo
        .items()
        .await
        .iter()
        .map(|item| {
            (
                text(item, "pk"),
                text(item, "sk"),
                text(item, "type"),
                item.contains_key("expires_at")
                    .then(|| text(item, "expires_at")),
            )
        })
        .collect();
    items.sort();
    let day = partitions::audit_day_pk(evening().date_naive());
    assert_eq!(day, "AUDIT#2026-03-14");
    assert_eq!(
        items,
        [
            (
                day,
                e.position(),
                "audit".to_owned(),
                Some(e.expires_at.timestamp().to_string())
            ),
            (
                partitions::sign_in_pk("alice", 1_800_000_000),
                "SIGNIN".to_owned(),
                "audit_sign_in".to_owned(),
                Some(until.timestamp().to_string())
            ),
            (
                format!("CONTACT#{customer}"),
                "HOLD".to_owned(),
                "legal_hold".to_owned(),
                None
            ),
        ]
    );
    assert_eq!(e.position(), format!("001773529200000#{}", e.id));
}

#[tokio::test]
async fn a_sparse_search_reads_at_most_2000_items_a_call_and_pages_on() {
    let dynamo = dynamo().await;
    let store: Arc<dyn ChannelStore> = dynamo.store.clone();
    // One entry of alice's, older than 2,050 of bob's the same day.
    let start = evening() - TimeDelta::hours(3);
    store
        .append_audit(&entry(0, start, "alice", "signin", "agent"))
        .await
        .unwrap();
    // Five writers at once: DynamoDB Local serialises one partition's conditional puts, and
    // dozens at once time out waiting for its lock on a loaded machine.
    let mut writes = tokio::task::JoinSet::new();
    for chunk in 0..5u32 {
        let store = store.clone();
        writes.spawn(async move {
            for i in 0..410 {
                let n = 1 + chunk * 410 + i;
                let at = start + TimeDelta::milliseconds(i64::from(n) * 10);
                store
                    .append_audit(&entry(n, at, "bob", "conversation.read", "c"))
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(done) = writes.join_next().await {
        done.unwrap();
    }
    let alice = AuditQuery {
        actor: Some("alice".to_owned()),
        ..search(start - TimeDelta::hours(1), evening(), 10)
    };
    dynamo.requests.take();
    let first = store.audit(&alice).await.unwrap();
    assert!(first.entries.is_empty(), "{:?}", ids(&first.entries));
    let cursor = first
        .cursor
        .clone()
        .expect("a cursor where reading stopped");
    let queries = dynamo.requests.take();
    assert!(queries.iter().all(|q| q == "Query"), "{queries:?}");
    let second = store
        .audit(&AuditQuery {
            before: Some(cursor),
            ..alice.clone()
        })
        .await
        .unwrap();
    assert_eq!(ids(&second.entries), ["req-0"]);
    assert_eq!(second.cursor, None);

    // Unfiltered, a page reads no more than it needs.
    dynamo.requests.take();
    let newest = store
        .audit(&search(start - TimeDelta::hours(1), evening(), 3))
        .await
        .unwrap();
    assert_eq!(ids(&newest.entries), ["req-2050", "req-2049", "req-2048"]);
    assert_eq!(newest.cursor, Some(newest.entries[2].position()));
    assert_eq!(dynamo.requests.take(), ["Query"]);
}
