//! Routing profiles and the per-agent assignment index on both stores (DynamoDB Local and the
//! in-memory twin), their DynamoDB request counts, and the profile routes end to end through
//! local-api.

use std::sync::Arc;

use chrono::TimeDelta;
use local_api::StoreChoice;
use serde_json::json;
use whatsapp_channel::adapters::ManualClock;
use whatsapp_channel::app::agents::{accept_conversation, close_conversation};
use whatsapp_channel::app::desk::close::close_as_admin;
use whatsapp_channel::app::desk::transfer::{Caller, transfer_conversation};
use whatsapp_channel::app::profiles::{AgentView, agent_view};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::{
    AgentId, Capacity, ConversationId, ConversationState, InboundMessage,
};
use whatsapp_channel::ports::{
    ChannelStore, ConversationRecord, ProfileRecord, SessionRecord, desk::NEVER,
};
use whatsapp_channel::testing::{inbound_params, new_sid, t0};

use crate::helpers::local::{BUSINESS, Local, a_customer};
use crate::helpers::{dynamo, dynamodb_endpoint, stores};

fn agent(id: &str) -> AgentId {
    AgentId::parse(id).unwrap()
}

/// A customer's message; the conversation it lands in.
async fn customer_writes(
    store: &dyn ChannelStore,
    clock: &ManualClock,
    customer: &str,
) -> ConversationId {
    let message =
        InboundMessage::from_params(inbound_params(&new_sid(), customer, "Hello")).unwrap();
    receive_inbound(store, clock, &message)
        .await
        .unwrap()
        .conversation_id
}

async fn view(store: &dyn ChannelStore, clock: &ManualClock, id: &str) -> AgentView {
    agent_view(store, clock, Capacity::default(), &agent(id))
        .await
        .unwrap()
}

/// The conversation ids in `id`'s assignment index.
async fn indexed(store: &dyn ChannelStore, id: &str) -> Vec<String> {
    let mut ids: Vec<String> = store
        .agent(id)
        .await
        .unwrap()
        .assignments
        .into_iter()
        .map(|a| a.conversation_id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_profile_is_created_then_replaced_on_both_stores() {
    for (name, store) in stores().await {
        let mut profile = ProfileRecord {
            agent_id: "bob".into(),
            capacity: 1,
            numbers: vec![BUSINESS.into()],
            updated_by: "alice".into(),
            updated_at: t0(),
        };
        assert!(store.put_profile(&profile).await.unwrap(), "{name}");
        profile.capacity = 4;
        profile.numbers.clear();
        assert!(!store.put_profile(&profile).await.unwrap(), "{name}");
        let read = store.agent("bob").await.unwrap();
        assert_eq!(read.profile, Some(profile), "{name}");
        assert!(read.presence.is_none(), "{name}");
        assert!(read.assignments.is_empty(), "{name}");
        assert_eq!(
            store.agent("nobody").await.unwrap(),
            Default::default(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_assignment_index_follows_accept_transfer_and_close_on_both_stores() {
    for (name, store) in stores().await {
        let clock = ManualClock::at(t0());
        let s = store.as_ref();
        let (alice, bob, root) = (agent("alice"), agent("bob"), agent("root"));
        let first = customer_writes(s, &clock, &a_customer()).await;
        let second = customer_writes(s, &clock, &a_customer()).await;
        assert!(indexed(s, "alice").await.is_empty(), "{name}");

        accept_conversation(s, &clock, &first, &alice, true)
            .await
            .unwrap();
        accept_conversation(s, &clock, &second, &alice, true)
            .await
            .unwrap();
        let mut both = vec![first.as_str().to_owned(), second.as_str().to_owned()];
        both.sort();
        assert_eq!(indexed(s, "alice").await, both, "{name}");
        assert_eq!(view(s, &clock, "alice").await.load, 2, "{name}");
        assert_eq!(
            view(s, &clock, "alice").await.active_conversations,
            both,
            "{name}"
        );

        let caller = Caller {
            agent: alice.clone(),
            admin: false,
        };
        transfer_conversation(s, &clock, &second, &caller, &bob)
            .await
            .unwrap();
        assert_eq!(indexed(s, "alice").await, [first.as_str()], "{name}");
        assert_eq!(indexed(s, "bob").await, [second.as_str()], "{name}");
        assert_eq!(view(s, &clock, "alice").await.load, 1, "{name}");
        assert_eq!(view(s, &clock, "bob").await.load, 1, "{name}");

        close_conversation(s, &clock, &first, &alice).await.unwrap();
        assert!(indexed(s, "alice").await.is_empty(), "{name}");
        assert_eq!(view(s, &clock, "alice").await.load, 0, "{name}");

        // An administrator's close of another agent's conversation ends that agent's entry.
        close_as_admin(s, &clock, &second, &root).await.unwrap();
        assert!(indexed(s, "bob").await.is_empty(), "{name}");
        assert_eq!(view(s, &clock, "bob").await.load, 0, "{name}");
        assert!(indexed(s, "root").await.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn load_leaves_out_a_business_started_conversation_until_the_customer_answers_and_an_expired_one_on_both_stores()
 {
    for (name, store) in stores().await {
        let clock = ManualClock::at(t0());
        let s = store.as_ref();
        let customer = a_customer();
        let conversation = ConversationRecord {
            id: ConversationId::generate().as_str().to_owned(),
            business: BUSINESS.into(),
            customer: customer.clone(),
            profile_name: None,
            state: ConversationState::Active,
            assigned_agent: Some("carol".into()),
            started_at: t0(),
            last_inbound_at: NEVER,
            preview: None,
            offered_to: None,
            offer_expires_at: None,
            offer_seq: 0,
            declined: Vec::new(),
            offer_ended: None,
            ad: None,
            overflowed_at: None,
            closed_at: None,
            closed_by: None,
            outcome: None,
            tags: Vec::new(),
            csat_sent_at: None,
            csat: None,
            sentiment: None,
            sentiment_trend: None,
            erasing: false,
        };
        let session = SessionRecord {
            business: BUSINESS.into(),
            customer: customer.clone(),
            conversation_id: conversation.id.clone(),
            profile_name: None,
            state: ConversationState::Active,
            assigned_agent: Some("carol".into()),
            started_at: t0(),
            last_inbound_at: NEVER,
            csat_until: None,
        };
        assert!(
            s.start_by_business(&session, &conversation, None)
                .await
                .unwrap(),
            "{name}"
        );
        assert_eq!(
            indexed(s, "carol").await,
            [conversation.id.as_str()],
            "{name}"
        );
        assert_eq!(view(s, &clock, "carol").await.load, 0, "{name}");

        clock.advance(TimeDelta::minutes(5));
        let answered = customer_writes(s, &clock, &customer).await;
        assert_eq!(answered.as_str(), conversation.id, "{name}");
        assert_eq!(view(s, &clock, "carol").await.load, 1, "{name}");

        // The window ends and nobody closes it: still indexed, no longer counted.
        clock.advance(TimeDelta::hours(24));
        assert_eq!(
            indexed(s, "carol").await,
            [conversation.id.as_str()],
            "{name}"
        );
        assert_eq!(view(s, &clock, "carol").await.load, 0, "{name}");
    }
}

#[tokio::test]
async fn an_agents_view_costs_one_query_and_one_batch_read_and_an_accept_still_two_requests() {
    let d = dynamo().await;
    let store: Arc<dyn ChannelStore> = d.store.clone();
    let clock = ManualClock::at(t0());
    let id = customer_writes(store.as_ref(), &clock, &a_customer()).await;
    d.requests.take();
    accept_conversation(store.as_ref(), &clock, &id, &agent("alice"), true)
        .await
        .unwrap();
    let accept: Vec<String> = d.requests.take();
    // GetItem, TransactWriteItems (the assignment entry rides in it); then the answer's reads.
    assert_eq!(accept[..2], ["GetItem", "TransactWriteItems"], "{accept:?}");

    let seen = view(store.as_ref(), &clock, "alice").await;
    assert_eq!(seen.load, 1);
    assert_eq!(d.requests.take(), ["Query", "BatchGetItem"]);

    // No assignments: the partition's Query alone.
    view(store.as_ref(), &clock, "bob").await;
    assert_eq!(d.requests.take(), ["Query"]);
}

async fn profiles_and_load_through_local_api(choice: StoreChoice) {
    let desk = Local::start_with(choice, None).await;
    let put = |agent: &'static str, groups: &'static str, body| {
        desk.call(
            reqwest::Method::PUT,
            "/agents/bob",
            agent,
            groups,
            Some(body),
        )
    };
    let (status, set) = put("alice", "admins", json!({"capacity": 1})).await;
    assert_eq!(status, 201, "{set}");
    let (status, refused) = put("carol", "", json!({"capacity": 20})).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"], "forbidden");
    let (status, bob) = desk.get("/agents/bob", "carol").await;
    assert_eq!(status, 200, "{bob}");
    assert_eq!(bob["capacity"], 1);
    assert_eq!(bob["profile_set"], true);
    assert_eq!(bob["load"], 0);

    let customer = a_customer();
    desk.inbound(&customer, "Where is my parcel?").await;
    let id = desk.conversation_of(&customer).await;
    let (status, _) = desk
        .post(&format!("/conversations/{id}/accept"), "bob", json!({}))
        .await;
    assert_eq!(status, 200);
    let (_, bob) = desk.get("/agents/bob", "carol").await;
    assert_eq!(bob["load"], 1, "{bob}");
    assert_eq!(bob["active_conversations"], json!([id]));

    let (status, _) = desk
        .post(&format!("/conversations/{id}/close"), "bob", json!({}))
        .await;
    assert_eq!(status, 200);
    let (_, bob) = desk.get("/agents/bob", "carol").await;
    assert_eq!(bob["load"], 0, "{bob}");
    assert_eq!(bob["active_conversations"], json!([]));
}

#[tokio::test]
async fn an_administrator_sets_capacity_and_load_follows_accept_and_close_through_local_api_on_the_embedded_store()
 {
    profiles_and_load_through_local_api(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn an_administrator_sets_capacity_and_load_follows_accept_and_close_through_local_api_on_dynamodb_local()
 {
    dynamodb_endpoint();
    let table = format!("profiles-{}", uuid::Uuid::now_v7().simple());
    profiles_and_load_through_local_api(StoreChoice::DynamoDb { table }).await;
}
