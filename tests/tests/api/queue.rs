//! The agents' queue at scale: the state filter before the limit, and an index whose
//! partitions each hold a small share of the conversations.

use std::collections::HashMap;

use chrono::TimeDelta;
use whatsapp_channel::app::{self, ListFilter};
use whatsapp_channel::domain::Presence;
use whatsapp_channel::domain::{ConversationId, ViewState};
use whatsapp_channel::ports::{AgentStore, Clock, ConversationStore};
use whatsapp_channel::testing::new_sid;

use crate::helpers::{Webhook, dynamo, stores};

fn customer(i: usize) -> String {
    format!("whatsapp:+4477008{i:05}")
}

#[tokio::test]
async fn a_waiting_request_older_than_the_newest_conversations_stays_in_the_queue() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        webhook
            .text(&new_sid(), &customer(0), "still waiting")
            .await;
        let waiting = store.list_conversations(1).await.unwrap()[0].id.clone();
        // Thirty newer conversations, each accepted by an agent.
        for i in 1..=30 {
            webhook.clock.advance(TimeDelta::seconds(1));
            webhook.text(&new_sid(), &customer(i), "hello").await;
            let id =
                ConversationId::parse(&store.list_conversations(1).await.unwrap()[0].id).unwrap();
            store
                .accept(&id, "alice", true, webhook.clock.now())
                .await
                .unwrap();
        }
        let requested = ListFilter {
            state: Some(ViewState::Requested),
            number: None,
        };
        let queue = app::list_conversations(store.as_ref(), webhook.clock.as_ref(), &requested, 5)
            .await
            .unwrap();
        let ids: Vec<&str> = queue.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, [waiting.as_str()], "{name}");
    }
}

/// The shard function spreads conversation ids evenly: over 8,000 fresh UUIDv7 ids every one of
/// the 8 partitions holds between 800 and 1,200 (an even share is 1,000, one standard deviation
/// about 30, so a fair spread falls outside only about once in 10^10 runs).
#[test]
fn conversation_ids_spread_evenly_over_the_index_partitions() {
    use whatsapp_channel::adapters::dynamodb::items::{
        CONVERSATION_SHARDS, conversations_partition,
    };
    let mut partitions: HashMap<String, usize> = HashMap::new();
    for _ in 0..8_000 {
        let id = uuid::Uuid::now_v7().to_string();
        *partitions.entry(conversations_partition(&id)).or_default() += 1;
    }
    assert_eq!(partitions.len(), CONVERSATION_SHARDS as usize);
    for (pk, n) in &partitions {
        assert!((800..=1_200).contains(n), "{pk} holds {n} of 8000");
    }
}

/// Through the real write path on DynamoDB Local: every conversation lands in one of the sharded
/// partitions, they spread over most of them, and none holds half. (Forty random ids may well put
/// eleven in one shard of eight, so the even spread itself is the test above; the bounds here fail
/// a fair spread less than once in 10^6 runs.)
#[tokio::test]
async fn the_conversations_index_is_written_across_its_shards_and_lists_every_conversation() {
    let dynamo = dynamo().await;
    let webhook = Webhook::new(dynamo.store.clone());
    for i in 0..40 {
        webhook.clock.advance(TimeDelta::seconds(1));
        webhook.text(&new_sid(), &customer(i), "hello").await;
    }
    for agent in ["alice", "bob", "carol", "dave", "erin", "frank"] {
        dynamo
            .store
            .set_presence(agent, Presence::Available, webhook.clock.now())
            .await
            .unwrap();
    }
    let mut partitions: HashMap<String, usize> = HashMap::new();
    let items = dynamo.items().await;
    for item in &items {
        if let Some(pk) = item.get("gsi1pk").and_then(|v| v.as_s().ok()) {
            *partitions.entry(pk.clone()).or_default() += 1;
        }
    }
    let indexed: usize = partitions.values().sum();
    assert!(indexed >= 46, "{indexed} indexed items");
    let shards: Vec<usize> = partitions
        .iter()
        .filter(|(pk, _)| pk.starts_with("CONVERSATIONS#"))
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(shards.iter().sum::<usize>(), 40, "{partitions:?}");
    assert!(
        shards.len() >= 5,
        "40 conversations in {} shards",
        shards.len()
    );
    assert!(shards.iter().all(|n| *n < 20), "{partitions:?}");
    assert!(!partitions.contains_key("CONVERSATIONS"), "{partitions:?}");
    // And the sharded index still lists every conversation, newest first.
    let listed = dynamo.store.list_conversations(100).await.unwrap();
    assert_eq!(listed.len(), 40);
    assert!(listed.windows(2).all(|w| w[0].id > w[1].id));
}

#[tokio::test]
async fn a_contact_without_summary_fields_is_kept_without_an_empty_map_and_reads_back_empty() {
    use whatsapp_channel::ports::{Contact, ContactStore};
    let dynamo = dynamo().await;
    let contact = Contact {
        address: customer(1),
        name: "Zoë".into(),
        contact_id: "C-1".into(),
        summary: serde_json::Map::new(),
    };
    dynamo.store.put_contact(&contact).await.unwrap();
    let items = dynamo.items().await;
    let item = items
        .iter()
        .find(|i| {
            i.get("sk")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|sk| sk == "CONTACT")
        })
        .unwrap();
    // DynamoDB Local's stream records carry an empty map in a shape its reader cannot decode.
    assert!(!item.contains_key("summary"));
    let read = dynamo.store.contacts(&[customer(1)]).await.unwrap();
    assert_eq!(read, [contact]);
}
