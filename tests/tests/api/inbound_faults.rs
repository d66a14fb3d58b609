//! Nothing lost, nothing doubled: inbound messages under faults, retries, replays and
//! concurrent duplicate deliveries, on DynamoDB Local (behind a fault proxy) and the embedded
//! store.

use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use whatsapp_channel::app;
use whatsapp_channel::domain::{ConversationId, WhatsAppAddress};
use whatsapp_channel::ports::{ChannelStore, ConversationStore, SessionKey, SessionStore};
use whatsapp_channel::testing::new_sid;

use crate::fault_proxy::{Fault, faulty_dynamo};
use crate::helpers::{Webhook, stores, t0};

const CUSTOMER: &str = "whatsapp:+447700900123";

fn key(webhook: &Webhook, customer: &str) -> SessionKey {
    SessionKey {
        business: webhook.config.senders.first().clone(),
        customer: WhatsAppAddress::parse(customer).unwrap(),
    }
}

async fn only_conversation(store: &dyn ChannelStore) -> ConversationId {
    let conversations = store.list_conversations(10).await.unwrap();
    assert_eq!(conversations.len(), 1, "one conversation");
    ConversationId::parse(&conversations[0].id).unwrap()
}

#[tokio::test]
async fn a_throttled_write_is_retried_by_the_sdk_and_the_message_is_stored() {
    let dynamo = faulty_dynamo().await;
    let webhook = Webhook::new(dynamo.store.clone());
    dynamo.faults.fail("PutItem", Fault::Throttle, 1);
    let sid = new_sid();
    assert_eq!(webhook.text(&sid, CUSTOMER, "hello").await, StatusCode::OK);
    assert_eq!(dynamo.faults.injected(), ["PutItem"]);
    let id = only_conversation(dynamo.store.as_ref()).await;
    let messages = dynamo.store.conversation_messages(&id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].id, sid);
}

#[tokio::test]
async fn a_follow_up_whose_session_write_keeps_failing_gets_a_5xx_leaves_the_window_unmoved_and_its_retry_stores_it_once()
 {
    let dynamo = faulty_dynamo().await;
    let store = dynamo.store.clone();
    let webhook = Webhook::new(store.clone());
    assert_eq!(
        webhook.text(&new_sid(), CUSTOMER, "first").await,
        StatusCode::OK
    );
    webhook.clock.advance(TimeDelta::hours(1));
    let received = t0() + TimeDelta::hours(1);

    dynamo.faults.fail("UpdateItem", Fault::ServerError, 1_000);
    let sid = new_sid();
    assert_eq!(
        webhook.text(&sid, CUSTOMER, "follow-up").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let session = store
        .session(&key(&webhook, CUSTOMER))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.last_inbound_at, t0(), "the window did not move");

    dynamo.faults.heal();
    webhook.clock.advance(TimeDelta::minutes(2));
    assert_eq!(
        webhook.text(&sid, CUSTOMER, "follow-up").await,
        StatusCode::OK,
        "Twilio's retry"
    );
    let id = only_conversation(store.as_ref()).await;
    let messages = store.conversation_messages(&id).await.unwrap();
    assert_eq!(messages.len(), 2, "the follow-up once");
    assert_eq!(messages[1].id, sid);
    let session = store
        .session(&key(&webhook, CUSTOMER))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        session.last_inbound_at, received,
        "the window counts from the first receipt, not the retry"
    );
}

#[tokio::test]
async fn a_message_whose_write_keeps_failing_gets_a_5xx_leaves_the_window_unmoved_and_its_retry_stores_it_once()
 {
    let dynamo = faulty_dynamo().await;
    let store = dynamo.store.clone();
    let webhook = Webhook::new(store.clone());
    webhook.text(&new_sid(), CUSTOMER, "first").await;
    webhook.clock.advance(TimeDelta::hours(23));

    dynamo.faults.fail("PutItem", Fault::ServerError, 1_000);
    let sid = new_sid();
    assert_eq!(
        webhook.text(&sid, CUSTOMER, "are you there?").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let session = store
        .session(&key(&webhook, CUSTOMER))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        session.last_inbound_at,
        t0(),
        "no window for a message nobody can see"
    );

    dynamo.faults.heal();
    webhook.clock.advance(TimeDelta::seconds(20));
    assert_eq!(
        webhook.text(&sid, CUSTOMER, "are you there?").await,
        StatusCode::OK
    );
    let id = only_conversation(store.as_ref()).await;
    let messages = store.conversation_messages(&id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].id, sid);
}

#[tokio::test]
async fn a_first_message_whose_conversation_write_fails_is_completed_by_its_retry() {
    let dynamo = faulty_dynamo().await;
    let store = dynamo.store.clone();
    let webhook = Webhook::new(store.clone());
    dynamo
        .faults
        .fail("TransactWriteItems", Fault::ServerError, 1_000);
    let sid = new_sid();
    assert_eq!(
        webhook.text(&sid, CUSTOMER, "hello").await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(store.list_conversations(10).await.unwrap().is_empty());
    assert!(
        store
            .session(&key(&webhook, CUSTOMER))
            .await
            .unwrap()
            .is_none()
    );

    dynamo.faults.heal();
    webhook.clock.advance(TimeDelta::seconds(30));
    assert_eq!(webhook.text(&sid, CUSTOMER, "hello").await, StatusCode::OK);
    let id = only_conversation(store.as_ref()).await;
    let conversation = store.conversation(&id).await.unwrap().unwrap();
    assert_eq!(
        conversation.started_at,
        t0(),
        "started at the first receipt"
    );
    let messages = store.conversation_messages(&id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].id, sid);
}

#[tokio::test]
async fn a_replayed_message_does_not_move_the_window() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let sid = new_sid();
        webhook.text(&sid, CUSTOMER, "hello").await;
        webhook.clock.advance(TimeDelta::hours(23));
        assert_eq!(
            webhook.text(&sid, CUSTOMER, "hello").await,
            StatusCode::OK,
            "{name}"
        );
        let session = store
            .session(&key(&webhook, CUSTOMER))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            session.last_inbound_at,
            t0(),
            "{name}: the window still ends at 24 h"
        );
        let id = only_conversation(store.as_ref()).await;
        assert_eq!(
            store.conversation_messages(&id).await.unwrap().len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_replay_after_the_window_ended_opens_no_conversation() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let sid = new_sid();
        webhook.text(&sid, CUSTOMER, "hello").await;
        webhook.clock.advance(TimeDelta::hours(30));
        assert_eq!(
            webhook.text(&sid, CUSTOMER, "hello").await,
            StatusCode::OK,
            "{name}"
        );
        let views = app::list_conversations(
            store.as_ref(),
            webhook.clock.as_ref(),
            &Default::default(),
            10,
        )
        .await
        .unwrap();
        assert_eq!(views.len(), 1, "{name}: no empty request");
        assert_eq!(views[0].state, "expired", "{name}");
    }
}

#[tokio::test]
async fn under_concurrent_duplicate_deliveries_every_message_is_stored_once_and_none_gets_a_5xx() {
    const CUSTOMERS: usize = 12;
    const MESSAGES: usize = 4;
    for (name, store) in stores().await {
        let webhook = Arc::new(Webhook::new(store.clone()));
        let limit = Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = tokio::task::JoinSet::new();
        let mut sent = Vec::new();
        for c in 0..CUSTOMERS {
            let customer = format!("whatsapp:+4477009{c:05}");
            for m in 0..MESSAGES {
                let sid = new_sid();
                sent.push((customer.clone(), sid.clone()));
                // Every other message is delivered twice at the same moment.
                let copies = if m % 2 == 0 { 2 } else { 1 };
                for _ in 0..copies {
                    let (webhook, limit) = (webhook.clone(), limit.clone());
                    let (customer, sid) = (customer.clone(), sid.clone());
                    tasks.spawn(async move {
                        let _permit = limit.acquire_owned().await.unwrap();
                        webhook.text(&sid, &customer, &format!("message {m}")).await
                    });
                }
            }
        }
        while let Some(status) = tasks.join_next().await {
            assert_eq!(status.unwrap(), StatusCode::OK, "{name}");
        }
        let conversations = store.list_conversations(100).await.unwrap();
        assert_eq!(conversations.len(), CUSTOMERS, "{name}: one per customer");
        for conversation in conversations {
            let id = ConversationId::parse(&conversation.id).unwrap();
            let mut stored: Vec<String> = store
                .conversation_messages(&id)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.id)
                .collect();
            stored.sort();
            let mut expected: Vec<String> = sent
                .iter()
                .filter(|(customer, _)| *customer == conversation.customer)
                .map(|(_, sid)| sid.clone())
                .collect();
            expected.sort();
            assert_eq!(stored, expected, "{name}: each message once");
        }
    }
}

#[tokio::test]
async fn concurrent_copies_of_a_message_received_between_two_milliseconds_all_get_200() {
    for (name, store) in stores().await {
        let webhook = Arc::new(Webhook::new(store.clone()));
        webhook.text(&new_sid(), CUSTOMER, "first").await;
        // A clock finer than the store's milliseconds.
        webhook
            .clock
            .advance(TimeDelta::minutes(1) + TimeDelta::nanoseconds(123_456));
        let sid = new_sid();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (webhook, sid) = (webhook.clone(), sid.clone());
            tasks.spawn(async move { webhook.text(&sid, CUSTOMER, "again").await });
        }
        while let Some(status) = tasks.join_next().await {
            assert_eq!(status.unwrap(), StatusCode::OK, "{name}");
        }
        let session = store
            .session(&key(&webhook, CUSTOMER))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            session.last_inbound_at,
            t0() + TimeDelta::minutes(1),
            "{name}: counted from the message, to the millisecond"
        );
    }
}
