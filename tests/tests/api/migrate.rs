//! `cargo xtask migrate` (`DynamoChannelStore::migrate_index_keys`) on DynamoDB Local: items an
//! earlier release wrote, under the unsharded indexes and without `gsi2`, are reachable through
//! the indexes after one run, and a second run changes nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::TimeDelta;
use whatsapp_channel::adapters::dynamodb::migrate::{MigrationReport, Outcome};
use whatsapp_channel::domain::Presence;
use whatsapp_channel::ports::{AgentStore, Clock, ConversationStore, CustomerStore};
use whatsapp_channel::testing::new_sid;

use crate::helpers::{Dynamo, Webhook, dynamo};

fn customer(i: usize) -> String {
    format!("whatsapp:+4477009{i:05}")
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// Rewrites every conversation as the release before the sharded queue and `gsi2` wrote it,
/// and every available agent under the unsharded index.
async fn into_the_old_shape(dynamo: &Dynamo) {
    for item in dynamo.items().await {
        let (pk, sk) = (item["pk"].as_s().unwrap(), item["sk"].as_s().unwrap());
        let update = dynamo
            .client
            .update_item()
            .table_name(dynamo.store.table())
            .key("pk", s(pk))
            .key("sk", s(sk));
        let update = match (pk.split_once('#'), sk.as_str()) {
            (Some(("CONV", _)), "CONV") => update
                .update_expression("SET gsi1pk = :old REMOVE gsi2pk, gsi2sk")
                .expression_attribute_values(":old", s("CONVERSATIONS")),
            (Some(("AGENT", _)), "PRESENCE") => update
                .update_expression("SET gsi1pk = :old")
                .expression_attribute_values(":old", s("AGENTS#available")),
            _ => continue,
        };
        update.send().await.unwrap();
    }
}

async fn migrate(dynamo: &Dynamo, apply: bool) -> (MigrationReport, Vec<(String, Outcome)>) {
    let mut seen = Vec::new();
    // Two items a page, so that the scan has to follow its cursor.
    let report = dynamo
        .store
        .migrate_index_keys(apply, Some(2), |change, outcome| {
            seen.push((change.pk.clone(), outcome))
        })
        .await
        .unwrap();
    (report, seen)
}

#[tokio::test]
async fn conversations_and_agents_under_the_old_index_keys_are_reachable_after_one_migration() {
    let dynamo = dynamo().await;
    let webhook = Webhook::new(dynamo.store.clone());
    for i in 0..5 {
        webhook.clock.advance(TimeDelta::seconds(1));
        webhook.text(&new_sid(), &customer(i), "hello").await;
    }
    dynamo
        .store
        .set_presence("alice", Presence::Available, webhook.clock.now())
        .await
        .unwrap();
    let conversations = dynamo.store.list_conversations(10).await.unwrap();
    assert_eq!(conversations.len(), 5);
    into_the_old_shape(&dynamo).await;
    assert!(
        dynamo
            .store
            .list_conversations(10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(dynamo.store.available_agents().await.unwrap().is_empty());
    let before = dynamo.items().await;

    let (dry, seen) = migrate(&dynamo, false).await;
    assert_eq!(dry.would_change, 6, "{dry:?}");
    assert_eq!(dry.changed, 0);
    assert!(seen.iter().all(|(_, o)| *o == Outcome::WouldChange));
    assert!(dry.pages >= (before.len() as u64).div_ceil(2), "{dry:?}");
    assert_eq!(dry.scanned, before.len() as u64);
    let mut after_dry_run = dynamo.items().await;
    let key = |item: &std::collections::HashMap<String, AttributeValue>| {
        format!("{:?}{:?}", item["pk"], item["sk"])
    };
    after_dry_run.sort_by_key(key);
    let mut unchanged = before.clone();
    unchanged.sort_by_key(key);
    assert_eq!(after_dry_run, unchanged, "a dry run wrote");

    let (applied, seen) = migrate(&dynamo, true).await;
    assert_eq!(applied.changed, 6, "{applied:?}");
    assert_eq!(applied.changed_meanwhile, 0);
    assert!(seen.iter().any(|(pk, _)| pk == "AGENT#alice"));

    let listed = dynamo.store.list_conversations(10).await.unwrap();
    let ids = |list: &[whatsapp_channel::ports::ConversationRecord]| {
        list.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&listed), ids(&conversations));
    for i in 0..5 {
        let history = dynamo
            .store
            .customer_conversations(&customer(i), 10)
            .await
            .unwrap();
        assert_eq!(history.len(), 1, "customer {i}");
    }
    let agents = dynamo.store.available_agents().await.unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0].agent_id, "alice");

    let (again, seen) = migrate(&dynamo, true).await;
    assert_eq!((again.would_change, again.changed), (0, 0), "{again:?}");
    assert!(seen.is_empty());
}

#[tokio::test]
async fn a_conversation_without_its_customer_is_reported_and_left_alone() {
    let dynamo = dynamo().await;
    let pk = "CONV#0193a1b2-0000-7000-8000-0000000000ff";
    dynamo
        .client
        .put_item()
        .table_name(dynamo.store.table())
        .item("pk", s(pk))
        .item("sk", s("CONV"))
        .item("gsi1pk", s("CONVERSATIONS"))
        .send()
        .await
        .unwrap();
    let (report, seen) = migrate(&dynamo, true).await;
    assert_eq!(report.unreadable.len(), 1, "{report:?}");
    assert!(report.unreadable[0].contains(pk));
    assert!(seen.is_empty());
    let items = dynamo.items().await;
    assert_eq!(items[0]["gsi1pk"], s("CONVERSATIONS"));
}
